"""Review B, F4 and F5, on every store (local, the GCS emulator, moto's S3 server, Azurite).

* F4: ``ctloop score`` refuses an output inside the ``data`` directory. On an object store
  "is ``data`` a file?" went by its name's extension, so Spark's output directory
  ``s3://b/out.parquet/`` (a prefix of ``part-*.parquet`` objects; Spark's
  ``DataFrameWriter.parquet(path)`` writes a directory) was taken for a file and the output let
  inside it: the next run read the predictions as input. Now the store is asked.
* F5: a prefix written with a double slash (``s3://b//data``: the key ``data``) listed Spark's
  scratch (``_temporary/0/part-1.parquet``) as data: the listed URIs (``s3://b/data/...``) do not
  start with the text ``s3://b//data``, so only their last component was looked at. Now the path
  below the prefix comes from the listed key.
"""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from ctloop.scoring import check_apart
from tests.integration.test_storage import clean_env, root  # noqa: F401 - fixtures (stores: tests/conftest.py)

pytestmark = pytest.mark.slow


def _part() -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"a": [1.0]}), buf)
    return buf.getvalue()


def test_an_output_inside_a_directory_named_like_a_file_is_refused(root):  # noqa: F811
    storage.write_bytes(f"{root}/out.parquet/part-00000.snappy.parquet", _part())
    with pytest.raises(ConfigError, match="is inside data"):
        check_apart(f"{root}/out.parquet", output=f"{root}/out.parquet/scores")


def test_a_table_file_reads_nothing_else(root):  # noqa: F811
    for name in ("x.parquet", "X.CSV.GZ"):
        storage.write_bytes(f"{root}/{name}", _part())
        check_apart(f"{root}/{name}", output=f"{root}/{name}.scores/")


def test_a_double_slash_prefix_leaves_scratch_out(root):  # noqa: F811
    if "://" not in root:
        pytest.skip("a local path has no bucket")
    for name in ("p.parquet", "_temporary/0/part-1.parquet", ".hidden/q.parquet", "_SUCCESS"):
        storage.write_bytes(f"{root}/data/{name}", _part())
    scheme, rest = root.split("://", 1)
    bucket, key = rest.split("/", 1)
    doubled = f"{scheme}://{bucket}//{key}/data"
    want = [f"{root}/data/p.parquet"]
    assert storage.list_files(doubled, ".parquet") == want
    assert storage.list_files(f"{root}/data", ".parquet") == want
    assert [o.uri for o in storage.list_objects(doubled)] == want
    from ctloop.drift import streaming

    assert len(streaming.open_source(doubled).files) == 1  # the dataset reader lists it alike
