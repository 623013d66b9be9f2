"""A rollback stopped by SIGTERM did not name its cleanup's own write.

The cleanup of a failed restore of a staged model (``rollout._unstage_after``) deletes the staging
marker: a PATCH, which under KServe starts a revision of the failed model at 0 %. The stop line
named the restore on its way and left that write out (review 2B of round 48); now it names it.
Through tests/doubles/kube_api.py on loopback, the rollback in a forked child."""

from __future__ import annotations

from ctloop.serving import isvc as specs
from tests.serving import test_r48_serving_sigterm_rollback as r48
from tests.serving.test_r48_serving_sigterm_rollback import NAME, V3

staged = r48.staged  # the fixture: v3 staged at 0 %, its deploy stopped; v1 serves


def test_the_cleanups_own_write_is_named(staged):
    """The cleanup of a staging (``rollout._unstage_after``) deletes the marker: a PATCH, which
    under KServe starts a revision of the failed model at 0 % — the line left it out."""
    _kube, isvcs = staged
    code, _killed, err = r48._rollback_in_child(isvcs)
    assert code == 143, err
    assert (
        f"written before: the staging marker of {V3} deleted (a revision of it starts at 0 %)"
        in err
    ), err
    assert specs.STAGED_ANNOTATION not in (isvcs.get(NAME)["metadata"].get("annotations") or {})
