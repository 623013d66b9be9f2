"""``ctloop drift`` refuses a URI it cannot take (an unsupported scheme, a password or a signed
query in it) in one line naming the flag. The generic flag-naming looks for the value in the
message, but these messages show the URI masked (``s3://***@b/x``, ``?***``): they came without
``--reference:``/``--current:``, so with both sides remote the user could not tell which (round 42)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main

BAD = {
    "password": "s3://AKIAEXAMPLE:wJalrXUtnFEMI@bucket/ref.parquet",
    "azure-password": "az://user:pass@container/ref.parquet",
    "signed-query": "https://bucket.s3.amazonaws.com/ref.parquet?X-Amz-Signature=abc",
    "signed-s3-query": "s3://bucket/ref.parquet?X-Amz-Signature=abc",
    "ftp": "ftp://host/ref.parquet",
}


@pytest.mark.parametrize("flag", ["--reference", "--current"])
@pytest.mark.parametrize("uri", list(BAD.values()), ids=list(BAD))
@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_a_refused_uri_is_one_line_naming_its_flag(tmp_path, capsys, flag, uri, engine):
    local = tmp_path / "side.parquet"
    pd.DataFrame({"x": np.arange(50.0)}).to_parquet(local)
    sides = {"--reference": str(local), "--current": str(local), flag: uri}
    try:
        code = main(["drift", *[a for kv in sides.items() for a in kv], "--engine", engine, "--no-report", "--quiet"])
    except SystemExit as exc:  # a scheme no storage takes is refused by argparse itself (fix 42e)
        code, parsed = exc.code, False
    else:
        parsed = True
    err = capsys.readouterr().err.strip()
    assert code == 2
    if parsed:
        assert err.startswith(f"error: {flag}: ") and "\n" not in err
    else:  # argparse's usage, then one line naming the flag
        assert err.splitlines()[-1].startswith(f"ctloop drift: error: argument {flag}: "), err
    for secret in ("wJalrXUtnFEMI", "pass@", "Signature=abc"):
        assert secret not in err
