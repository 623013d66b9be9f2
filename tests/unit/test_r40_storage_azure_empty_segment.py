"""An Azure container holding a blob whose name has an empty path segment (``d/a//b.parquet``,
``d//b.parquet``: valid blob names, written by a tool that joined ``prefix/`` with ``/name``) under
a prefix read by the dataset reader crashed the process: pyarrow 25.0.1's ``AzureFileSystem``
segfaults in a recursive ``FileSelector`` listing that meets such a name (a flat listing, a file's
info and reading another file do not), so ``ctloop drift --reference az://c/d`` died by SIGSEGV
with no message (exit -11). S3 and GCS list it and fail at the dataset ("Empty path component").
Now such a name under an Azure source is refused before pyarrow lists the prefix, in one line
naming the blob (its SDK listing is safe), exit 2."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.fixtures.object_stores import fresh_bucket, sdk_put

pytestmark = pytest.mark.slow

CSV = b"x,c\n" + b"".join(b"%d.5,a\n" % i for i in range(40))


@pytest.mark.parametrize("name", ["d/a//b.csv", "d//b.csv"])
@pytest.mark.parametrize("shape", ["dir", "glob"])
def test_an_azure_blob_with_an_empty_segment_is_one_line_not_a_crash(stores, monkeypatch, tmp_path, name, shape):
    root = fresh_bucket(stores["az"], monkeypatch, tmp_path / "home", "")
    container = root.split("://", 1)[1].split("/", 1)[0]
    for key in (name, "d/c.csv"):
        sdk_put(stores["az"], container, key, CSV)
    source = f"az://{container}/d" if shape == "dir" else f"az://{container}/d/**/*.csv"
    run = subprocess.run([sys.executable, "-c", "import sys; from ctloop.cli import main; sys.exit(main())", "drift", "--reference", source, "--current", source,
                          "--engine", "stream", "--quiet", "--no-report", "--output", str(tmp_path / "out")],
                         capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert run.returncode == 2, (run.returncode, run.stderr[-500:])
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and name.split("/", 1)[1] in lines[0] and "empty" in lines[0], run.stderr
