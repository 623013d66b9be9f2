"""A user and password written into an object-store URI (``s3://AKIA…:SECRET@bucket/k``, as tools that
take ``scheme://user:pass@host`` URLs invite) were taken for part of the bucket name and quoted whole into
the error line, secret included, which lands in pipeline logs: ``invalid S3 location
s3://KEY:SECRET@b/k: Parameter validation failed`` (S3), ``bucket 'KEY:SECRET@b' ... does not exist``
(GCS), ``az://KEY:SECRET@c/k names storage account 'c' ...`` (Azure). Such a URI is now refused before
any request in one line that names the location without the user and the password and says where
credentials come from. ``abfs[s]://CONTAINER@ACCOUNT.dfs.core.windows.net/`` (no password: the ADLS
Gen2 form) and ``az://CONTAINER@ACCOUNT`` read as before."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.errors import ConfigError

URIS = ["s3://AKIAEXAMPLE:S3CRETkey@bucket/d/x.csv", "gs://user:S3CRETkey@bucket/x.parquet",
        "az://user:S3CRETkey@container/x.csv", "abfss://user:S3CRETkey@container@acct.dfs.core.windows.net/x.csv",
        "s3://S3CRETtoken@bucket/x.csv", "gs://S3CRETtoken@bucket/x.csv"]


@pytest.mark.parametrize("uri", URIS)
@pytest.mark.parametrize("call", ["read_bytes", "list_files", "exists", "write_bytes"])
def test_a_uri_with_a_password_is_refused_without_it(uri, call, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")  # a closed port: nothing leaves the host
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "127.0.0.1:9")
    run = {"read_bytes": lambda: storage.read_bytes(uri), "list_files": lambda: storage.list_files(uri),
           "exists": lambda: storage.exists(uri), "write_bytes": lambda: storage.write_bytes(uri, b"x")}[call]
    with pytest.raises(ConfigError) as err:
        run()
    message = str(err.value)
    assert "S3CRET" not in message, message
    assert "***@" in message and "credentials" in message, message


def test_the_cli_line_holds_no_secret(capsys):
    uri = "s3://AKIAEXAMPLE:S3CRETkey@bucket/d/x.csv"
    assert main(["drift", "--reference", uri, "--current", uri, "--no-report", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "S3CRET" not in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("uri", ["abfss://container@acct.dfs.core.windows.net/x.csv", "az://container@acct/x.csv"])
def test_the_adls_form_still_parses(uri):
    loc = storage.parse(uri)
    assert (loc.bucket, loc.account, loc.key) == ("container", "acct", "x.csv")
