"""Where ``_without_secrets`` finds a password (fix round 41h2, review h2 finding 5).

Too wide: ``http://[::1]:5000/a@b`` (an IPv6 host with a port, an '@' in the path) became ``http://***``:
the '[' was taken for a user name. Too narrow: ``https://user:2024/Secret@host/x`` (a password holding
'/' that starts with digits) was taken for host ``user``, port 2024, and shown whole. Now a bracketed
host is no user name, and ``:digits`` is a port only when the '@' after it is in a query or fragment
(or there is none): an '@' after ``:digits/`` ends a user's password (masking what may be a path is
the safe way to be wrong in an error message)."""

from __future__ import annotations

import pytest

from ctloop.storage import _without_secrets


@pytest.mark.parametrize("uri", ["http://[::1]:5000/a@b", "http://[::1]:5000/runs", "http://[fe80::1]/x@y",
                                 "http://host:5000/x?a=b@c", "http://host:5000#a@b"])
def test_no_password_is_left_alone(uri):
    assert _without_secrets(uri) == uri.split("#")[0].split("?")[0] + ("?***" if "?" in uri else "")


@pytest.mark.parametrize(("uri", "shown"), [
    ("https://user:2024/Secret@mlflow.example.com/x", "https://user:***@mlflow.example.com/x"),
    ("https://user:s3cr/et@mlflow.example.com/x", "https://user:***@mlflow.example.com/x"),
    ("http://user:pw@[::1]:5000/x", "http://user:***@[::1]:5000/x"),
    ("s3://KEY:12/34@bucket/k", "s3://KEY:***@bucket/k"),
])
def test_a_password_is_masked(uri, shown):
    out = _without_secrets(uri)
    assert out == shown
    assert "Secret" not in out and "et@" not in out and "34" not in out.split("@")[0]
