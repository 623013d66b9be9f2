"""Review D of round 39, finding 4: the round-39 masking of a user name given alone (a token, the
way token gateways take one over http(s)) masked ordinary user names of other schemes, which are no
secret (``postgresql://mlflow@db/...``, ``mysql+pymysql://root@localhost/...``, ``hdfs://nn@cluster``,
``s3://bucket@acct/path``), and ``hide_password`` replaced any ``<user>@`` in the text
(``contact a@corp.com`` became ``***@corp.com``). A lone user is masked only for http/https now, and
only where the text quotes the URI (``://<user>@``). A password is still masked wherever it appears.

Also: ``http://mlflow:5000/u@corp.com`` (an undotted Kubernetes service name with a port, an '@' in
the path) was probed at ``corp.com``. The MLflow client goes to ``mlflow:5000`` (requests 2.33 hands
the URL to urllib3 2.x ``util/url.py`` ``parse_url``, whose authority ends at the first '/', '?' or
'#'), and so does the probe now; its display keeps the masking (the same text can be a password with
a '/', ``http://admin:2024/Hunter2@mlflow:5000``, test_r38_url_password_cut)."""

from __future__ import annotations

import pytest

from ctloop.tracking import _probe_url, display_uri, hide_password


@pytest.mark.parametrize("uri", ["postgresql://mlflow@db.internal/mlflow", "postgresql://mlflow@db.internal:5432/mlflow",
                                 "mysql+pymysql://root@localhost/mlflow", "s3://bucket@acct/path",
                                 "hdfs://nn@cluster/path", "mssql+pyodbc://user@dsn"])
def test_a_user_name_of_another_scheme_is_shown(uri):
    assert display_uri(uri) == uri
    text = f"cannot connect to {uri}: run as {uri.split('://')[1].split('@')[0]}@host"
    assert hide_password(text, uri) == text


def test_a_token_is_masked_only_where_the_text_quotes_the_uri():
    uri = "http://a@h"
    text = "HTTPConnectionPool(host='h') url: http://a@h/api ; contact a@corp.com"
    assert hide_password(text, uri) == "HTTPConnectionPool(host='h') url: http://***@h/api ; contact a@corp.com"
    assert display_uri("https://tok123@host:5000") == "https://***@host:5000"


def test_an_ipv6_host_with_a_port_is_no_userinfo():
    assert display_uri("http://[::1]:5000/a@b") == "http://[::1]:5000/a@b"


def test_a_password_is_still_masked_anywhere():
    uri = "postgresql://mlflow:pw-123@db/mlflow"
    assert hide_password("login mlflow/pw-123 refused", uri) == "login mlflow/*** refused"


@pytest.mark.parametrize(("uri", "probe"), [
    ("http://mlflow:5000/u@corp.com", "http://mlflow:5000/u@corp.com"),
    ("http://[::1]:5000/a@b", "http://[::1]:5000/a@b"),
    ("http://host:5000#x@y", "http://host:5000#x@y"),
    ("http://tok@host:5000", "http://host:5000"),
    ("http://u:p/q@host", "http://host"),
])
def test_the_probe_goes_where_the_client_goes(uri, probe):
    from urllib.parse import urlsplit

    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    assert _probe_url(uri) == probe
    try:
        client = parse_url(uri).host  # where requests connects
    except LocationParseError:  # u:p/q: the client cannot go anywhere; the probe goes to the host after '@'
        return
    assert urlsplit(probe).hostname == client.strip("[]")
