"""Hadoop's names for S3 and Azure (``s3a://``, ``s3n://``, ``wasb[s]://``), pasted from a Spark job, were
refused with the list of every scheme ctloop reads, not with the one to write. Now the line names it:
``s3a://b/k`` -> ``s3://b/k``; ``wasbs://c@acct.blob.core.windows.net/k`` ->
``abfss://c@acct.dfs.core.windows.net/k`` (one line, exit 2)."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.errors import ConfigError


@pytest.mark.parametrize(("uri", "fixed"), [
    ("s3a://bucket/d/x.parquet", "s3://bucket/d/x.parquet"),
    ("S3N://bucket/d", "s3://bucket/d"),
    ("wasbs://c@acct.blob.core.windows.net/k.csv", "abfss://c@acct.dfs.core.windows.net/k.csv"),
    ("wasb://c@acct.blob.core.windows.net/k.csv", "abfs://c@acct.dfs.core.windows.net/k.csv"),
])
def test_a_hadoop_scheme_names_the_uri_to_write(uri, fixed, capsys):
    with pytest.raises(ConfigError, match=f"write '{fixed}'"):
        storage.read_bytes(uri)
    with pytest.raises(SystemExit) as exc:  # refused by argparse since fix 42e: usage, then the flag's line
        main(["drift", "--reference", uri, "--current", uri, "--no-report", "--quiet"])
    assert exc.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("ctloop drift: error: argument --reference: ") and f"write '{fixed}'" in last
