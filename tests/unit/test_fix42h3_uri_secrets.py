"""A storage URI or tracking URI refused on the command line shows no secret it holds (fix 42h3,
review of fix 42e). ``--tracking-uri 'gs:/b/x?sig=SECRETSIG'`` was refused with the masked URI and
then ``, got 'gs:/b/x?sig=SECRETSIG'``; ``'s3:/AKIA:SECRET@b/x'`` (a scheme one '/' short) was shown
as typed by every path flag (the masking parsed only URIs with '://'); a presigned URL given as
``--tracking-uri`` was shown with its signature."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.errors import ConfigError

SECRET_URIS = [
    "gs:/b/x?sig=SECRETSIG",
    "s3:/AKIA:SECRETKEY@b/x",
    "s3:AKIA:SECRETKEY@b/x",
    "az:/c/x?sv=1&sig=SECRETSIG",
    "abfss:/c@acct.dfs.core.windows.net/x?sig=SECRETSIG",
    " s3://AKIA:SECRETKEY@b/x",
    "s3://b/x?X-Amz-Signature=SECRETSIG",
]
IDS = ["gs-sas", "s3-userinfo", "s3-no-slash", "az-sas", "abfss-sas", "blank-first", "presigned"]


def _refused(argv: list[str], capsys) -> list[str]:
    try:
        code = main(argv)  # refused by the command (a signed URL's query)
    except SystemExit as exc:  # refused by argparse
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    return err.strip().splitlines()


@pytest.mark.parametrize("uri", SECRET_URIS, ids=IDS)
@pytest.mark.parametrize(
    "argv",
    [
        ["doctor", "--tracking-uri"],
        ["labels", "ingest", "--labels", "l.csv", "--store"],
    ],
    ids=["tracking-uri", "store"],
)
def test_no_secret_in_the_error(tmp_path, monkeypatch, capsys, uri, argv):
    monkeypatch.chdir(tmp_path)
    lines = _refused([*argv, uri], capsys)
    assert not [line for line in lines if "SECRETSIG" in line or "SECRETKEY" in line]


def test_a_scheme_one_slash_short_is_shown_masked_as_typed():
    with pytest.raises(ConfigError) as err:
        storage.scheme("s3:/AKIA:SECRETKEY@b/x")
    assert str(err.value) == (
        "'s3:/AKIA:***@b/x' is not a storage URI (its scheme is not followed by '://'): "
        "write 's3://AKIA:***@b/x'"
    )


def test_a_location_error_names_the_value_once(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    lines = _refused(["doctor", "--tracking-uri", "gs:/b/x"], capsys)
    assert lines[-1] == (
        "ctloop doctor: error: argument --tracking-uri: 'gs:/b/x' is not a storage URI (its scheme "
        "is not followed by '://'): write 'gs://b/x' (ctloop doctor --help)"
    )
