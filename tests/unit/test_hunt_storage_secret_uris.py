"""A data location pasted as an Azure SAS URL or a URL with a password (what the portal's
'Generate SAS' and many tools hand out) is refused — ctloop reads gs://, s3://, az:// with the
credentials of the environment — but the refusal quoted the whole URL, signature and password
included, into the error line, which lands in pipeline logs. The line names the URL without them."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError

SAS = "https://acct.blob.core.windows.net/c/labels.csv?sv=2022-11-02&sp=r&sig=S3CRETsig%2Babc%3D"
CASES = [SAS, "https://user:PA55word@host.example/x.csv", "ftp://u:PA55word@host/x",
         "https://acct.blob.core.windows.net/c/table?se=2030&sig=S3CRETsig"]


@pytest.mark.parametrize("uri", CASES)
@pytest.mark.parametrize("call", ["read_table", "read_bytes", "write_table"])
def test_a_refused_url_is_named_without_its_secret(uri, call):
    import pandas as pd

    run = {"read_table": lambda: storage.read_table(uri), "read_bytes": lambda: storage.read_bytes(uri),
           "write_table": lambda: storage.write_table(pd.DataFrame({"a": [1]}), uri)}[call]
    with pytest.raises(ConfigError) as err:
        run()
    message = str(err.value)
    assert "S3CRETsig" not in message and "PA55word" not in message, message
    assert uri.split("://")[1].split("@")[-1].split("?")[0].split("/")[0] in message  # the host is named
