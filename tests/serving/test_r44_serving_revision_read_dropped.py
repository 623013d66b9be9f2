"""Reading a Knative Revision survives a kept-alive connection the server closed meanwhile, as
reading the InferenceService does.

``InferenceServices.get`` sends a GET once more when the connection it reused was closed after the
request went out (RemoteDisconnected: urllib3 counts it as a read error, which ``api_retries``
does not retry) — after a long canary interval, after a proxy's 503. ``revision_source`` did not:
a held rollback (``rollout._hold_once``) reads which routed revisions serve the failed model, and
one such drop there failed the whole rollback with "the API server did not answer"; a deploy
judging whether KServe had reconciled its spec (``rollout._unreconciled``) fell back to the
weaker traffic[]-only judgement.

Through the scripted API server of test_hunt37_serving_kube_get.py (the real ``kubernetes``
client over a kubeconfig)."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingUnreachable
from tests.serving.test_hunt37_serving_kube_get import api

__all__ = ["api"]  # fixture


def test_a_revision_read_dropped_once_is_sent_again(api):
    server, isvcs = api
    server.script = ["drop"]
    assert (
        isvcs.revision_source("credit-predictor-00002") == ""
    )  # the scripted answer has no annotation
    assert server.seen == ["drop", "ok"]


def test_a_revision_read_dropped_every_time_is_still_unreachable(api):
    server, isvcs = api
    server.script = ["drop"] * 10
    with pytest.raises(ServingUnreachable, match="did not answer"):
        isvcs.revision_source("credit-predictor-00002")
    assert len(server.seen) <= 4
