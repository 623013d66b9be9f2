"""``list_files`` / ``list_objects`` on every store (local, the GCS emulator, moto's S3 server,
Azurite): a Spark job's scratch files (``_temporary/``, ``_SUCCESS``, ``.crc``) are left out and
the suffix matches in any case (``X.PARQUET``), as ``pyarrow.dataset`` lists the same prefix
(default ``ignore_prefixes=['.', '_']``, pyarrow 25.0.1 ``pyarrow/dataset.py``)."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.drift import streaming
from tests.integration.test_storage import clean_env, root  # noqa: F401 - fixtures (stores: tests/conftest.py)

pytestmark = pytest.mark.slow


def test_scratch_left_out_and_suffix_in_any_case(root):  # noqa: F811
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"a": [1, 2]}), buf)
    part = buf.getvalue()
    for name, data in [("part-00000.snappy.parquet", part), ("EXPORT.PARQUET", part), ("_SUCCESS", b""),
                       ("_temporary/0/_temporary/attempt_1/part-00001.snappy.parquet", part),
                       (".part-00000.snappy.parquet.crc", b"crc"), ("d=1/part-2.parquet", part)]:
        storage.write_bytes(f"{root}/out/{name}", data)
    want = [f"{root}/out/EXPORT.PARQUET", f"{root}/out/d=1/part-2.parquet", f"{root}/out/part-00000.snappy.parquet"]
    assert storage.list_files(f"{root}/out", ".parquet") == want
    assert storage.list_files(f"{root}/out") == want
    assert [o.uri for o in storage.list_objects(f"{root}/out")] == want
    assert len(streaming.open_source(f"{root}/out").files) == 3
