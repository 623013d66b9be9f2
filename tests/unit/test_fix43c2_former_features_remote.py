"""On an object store, the old log files whose text ``_error`` decides by its rows are opened
several at a time (fix43c2).

fix43c made ``Source.with_former_features`` open each Parquet file holding a text ``_error`` to let
its rows decide (``schema.former_features``, as ``read_log``), one file after the other: on S3/GCS
one round trip each, in sequence, where ``_file_schemas`` reads the footers 16 at a time. The files
are now opened through the same kind of pool on a filesystem that is not local. The store here is
a ``PyFileSystem`` over local files (``tests/fixtures/local_fs.py``), whose first two opens must
meet at a barrier: opened one after the other, the first waits out the timeout.
"""

from __future__ import annotations

import threading

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ctloop.drift import streaming
from ctloop.inference_log import schema
from tests.fixtures.local_fs import LocalFiles

_OLD_IDENTITY = {name: kind for name, kind in schema.IDENTITY.items() if name != schema.ERROR}
_ARROW = {"string": pa.string(), "double": pa.float64(), "bool": pa.bool_(), "int64": pa.int64()}


class _Meeting(LocalFiles):
    """Local files whose first two opens after ``meet`` is set must run at the same time."""

    def __init__(self):
        super().__init__()
        self.opened: list[str] = []
        self.meet: threading.Barrier | None = None

    def on_open(self, path):
        if self.meet is not None:
            self.opened.append(path)
            if len(self.opened) <= 2:
                self.meet.wait()


def _old_day(root, day: str) -> str:
    """A log file written before round 42: ``_error`` a text feature beside predictions."""
    fields = [(k, _ARROW[v]) for k, v in _OLD_IDENTITY.items()]
    fields += [("_error", pa.string()), ("prediction", pa.float64()), ("x", pa.float64())]
    rows = [{"request_id": f"{day}-{i}", "instance": 0, "model": "m", "namespace": "ns", "revision": "r1",
             "model_version": "", "component": "predictor", "time": f"{day}T10:31:00Z",
             "has_response": True, "has_request": True, "_mistyped": None, "_overflow": None,
             "_whole": None, "_error": "ab"[i % 2], "prediction": 0.0, "x": float(i)}
            for i in range(4)]  # fmt: skip
    part = root / "model=m" / f"date={day}" / "revision=r1"
    part.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema(fields)), part / "part-0.parquet")
    return str(part / "part-0.parquet")


def test_old_files_text_error_is_decided_several_files_at_a_time(tmp_path):
    paths = [_old_day(tmp_path, f"2026-11-2{d}") for d in range(1, 5)]
    handler = _Meeting()
    dataset = pads.dataset(paths, format="parquet", filesystem=pafs.PyFileSystem(handler),
                           partitioning="hive", partition_base_dir=str(tmp_path))  # fmt: skip
    source = streaming.Source(
        str(tmp_path), paths, "parquet", ["model", "date", "revision"], dataset, local=False
    )
    source._file_schemas()  # the footers, read (and cached) before
    handler.meet = threading.Barrier(2, timeout=5)
    renamed = source.with_former_features()
    assert sorted(handler.opened) == paths
    assert renamed.former == {path: {"_error": "input__error"} for path in paths}
