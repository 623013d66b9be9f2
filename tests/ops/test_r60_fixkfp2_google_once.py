"""kfp's Google route in ctloop.ops.platform written once (round 60 review 2: L3): the line's target ("the IAP client
id <id> (KF_PIPELINES_IAP_OAUTH2_CLIENT_ID)" / "the googleusercontent.com host") in one helper, and the walks of an
exception's ``__cause__`` chain through one generator, which ``_google_transient`` does not re-walk per step."""

from __future__ import annotations

import inspect
from pathlib import Path

from ctloop.ops import platform

SOURCE = Path(platform.__file__).read_text()


def test_the_target_is_spelled_once():
    code = [line for line in SOURCE.splitlines() if not line.lstrip().startswith("#")]
    spelled = [line for line in code if "googleusercontent.com host\"" in line]
    assert len(spelled) == 1, spelled
    assert platform._google_target("iap", "cid") == f"the IAP client id cid ({platform.IAP_ENV})"
    assert platform._google_target("inverse-proxy", "") == "the googleusercontent.com host"


def test_the_cause_chain_is_walked_by_one_generator():
    """``for _ in range(8): ... seen = seen.__cause__`` was written out five times."""
    assert SOURCE.count("range(8)") == 0 and SOURCE.count("seen = seen.__cause__") == 0, "use _causes()"
    inner = ValueError("inner")
    outer = RuntimeError("outer")
    outer.__cause__ = inner
    assert list(platform._causes(outer)) == [outer, inner]
    inner.__cause__ = outer  # a cycle ends at the limit
    assert len(list(platform._causes(outer))) == 8


def test_transient_reads_each_exception_once():
    """``_google_transient`` looks at each exception of the chain itself; the signBlob text of one (its fallback) is
    read for that one alone, not by another walk of the rest of the chain."""
    body = inspect.getsource(platform._google_transient)
    assert "_sign_blob_answer(" not in body, body
