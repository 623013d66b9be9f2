"""Fix 47c: a token's ``exp`` claim is read only when it is one (RFC 7519 §4.1.4: a NumericDate).

Round 47 words KFP's 401 with the time a JWT's ``exp`` passed. A payload of 1500 nested ``[``
raised RecursionError (a traceback instead of the 401 line), and ``{"exp": true}`` said the token
expired at 1970-01-01 (``float(True)`` is 1.0); ``"exp": "1700000000"`` (text) was read as a time.
Such a token now keeps the plain 401 wording."""

from __future__ import annotations

import base64
import json
import time

import pytest

from ctloop.ops.platform import KfpAuth, _jwt_expired


def _token(payload: str) -> str:
    def b64(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    return f"{b64(json.dumps({'alg': 'RS256'}))}.{b64(payload)}.c2ln"


@pytest.mark.parametrize(
    "payload",
    [
        "[" * 1500 + "]" * 1500,
        '{"exp": true}',
        '{"exp": "1700000000"}',
        '{"exp": null}',
        '{"exp": [1700000000]}',
    ],
    ids=["nested", "bool", "text", "null", "list"],
)
def test_no_numeric_exp_says_nothing(payload):
    assert _jwt_expired(KfpAuth(source="--token", token=_token(payload))) == ""


@pytest.mark.parametrize("whole", [True, False], ids=["int", "float"])
def test_a_numeric_exp_is_read(whole):
    # made when the test runs: a time in a parametrize id differs between xdist workers (collection error)
    exp = int(time.time()) - 7200 if whole else time.time() - 7200.5
    said = _jwt_expired(KfpAuth(source="--token", token=_token(json.dumps({"exp": exp}))))
    assert said.endswith(", 2 h ago (its exp claim)")
