"""Round 47, config surface: a KFP 401 to an expired JWT says when it expired.

A Kubernetes ServiceAccount token (``kubectl create token``, one hour by default) and an OIDC ID
token are JWTs (RFC 7519) with an ``exp`` claim. KFP's ingress (Istio's RequestAuthentication,
``Jwt verification fails``) answered 401, and ctloop said "the token is expired or not issued for this
cluster". With a JWT whose ``exp`` has passed it now says when, read from the token without verifying
it (it only words KFP's refusal); an opaque token, or a JWT not yet expired, keeps the old wording."""

from __future__ import annotations

import base64
import json
import time

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _jwt(exp: float) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part({'sub': 'system:serviceaccount:team:default-editor', 'exp': exp})}.c2ln"


@pytest.mark.parametrize(
    ("age", "said"),
    [
        (3 * 3600, ["the token expired at ", " UTC, 3 h ago (its exp claim)"]),
        (90, ["the token expired at ", " min ago (its exp claim)"]),
        (-3600, ["the token is expired or not issued for this cluster"]),
        (None, ["the token is expired or not issued for this cluster"]),
    ],
    ids=["hours", "minutes", "not-yet-expired", "opaque"],
)
def test_a_401_says_when_the_token_expired(monkeypatch, tmp_path, capsys, age, said):
    token = "opaque-token" if age is None else _jwt(time.time() - age)  # made when the test runs
    with kfp_for_cli(monkeypatch, tmp_path, tokens={"good": "ok"}) as kfp:
        code = main(["trigger", "--host", kfp.url, *TRIGGER_PARAMS, "--token", token])
    err = capsys.readouterr().err
    assert code == 2
    assert "rejected the token from --token: HTTP 401" in err and all(s in err for s in said), err
    assert token not in err


def test_a_token_file_is_read_for_it(monkeypatch, tmp_path, capsys):
    path = tmp_path / "token"
    path.write_text(_jwt(time.time() - 3 * 86400) + "\n")
    with kfp_for_cli(monkeypatch, tmp_path, tokens={"good": "ok"}) as kfp:
        code = main(["trigger", "--host", kfp.url, *TRIGGER_PARAMS, "--token-file", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and ", 3 days ago (its exp claim)" in err, err
