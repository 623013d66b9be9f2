"""A bearer token given as text (``--token``, ``KFP_TOKEN``) or a ``--host`` holding credentials:
one ``error:`` line that does not repeat the secret, exit code 2, and nothing sent.

kfp 2.17.0 ``Client._load_config`` (``kfp/client/client.py``) puts ``existing_token`` into
``config.api_key['authorization']`` as given; the generated ``kfp_server_api`` REST client (and
``http.client.putheader``, Python 3.11) then refuses a header value with a line break by raising
``ValueError("Invalid header value b'Bearer <the token>'")``: a traceback printing the whole token.
A token file was already checked (``read_token_file``, tests/unit/test_hard34_token_file.py); a
token given as text was not. ``Authorization: Bearer Bearer <token>`` (a token pasted with its
scheme) was answered 401 and explained as "expired".
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

SECRET = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0"


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path, tokens={SECRET: "ok"}) as double:
        yield double



@pytest.mark.parametrize("how", ["--token", "KFP_TOKEN"])
@pytest.mark.parametrize("token, said", [
    (SECRET[:12] + "\n" + SECRET[12:], "control character"),  # a token wrapped when pasted
    (SECRET[:12] + "\x7f" + SECRET[12:], "control character"),
    (SECRET + "é", "non-ASCII"),
    (SECRET[:12] + " " + SECRET[12:], "blank"),
])
def test_a_token_given_as_text_that_no_header_can_hold_is_one_line(kfp, monkeypatch, capsys, how, token, said):
    argv = ["runs", "--host", kfp.url, "--experiment", ""]
    if how == "--token":
        argv += ["--token", token]
    else:
        monkeypatch.setenv("KFP_TOKEN", token)
    assert main(argv) == 2
    line = one_error_line(capsys)
    assert how in line and said in line, line
    assert SECRET[12:] not in line  # the token is not repeated
    assert not kfp.calls  # refused before anything is sent


def test_a_token_pasted_with_its_bearer_scheme_says_to_drop_it(kfp, capsys):
    assert main(["runs", "--host", kfp.url, "--experiment", "", "--token", f"Bearer {SECRET}"]) == 2
    line = one_error_line(capsys)
    assert "--token" in line and "Bearer" in line and "without" in line, line
    assert SECRET not in line
    assert not kfp.calls
