"""The run-state warnings of an idempotency key's race cut KFP's answer as every other KFP line does (round 61):
``Platform._settle_key`` said "whether another run ... started at the same moment is unknown" and "could not be
terminated" with ``one_line(str(exc))[:200]``, mid-word and without saying it was cut; now with
``ctloop.ops.platform._cut`` (one line, cut at a word, then `` …``), as the network and Google lines (round 60
review 2, L7: tests/ops/test_r60_fixkfp2_messages.py). Through the KFP API double, which answers TerminateRun as
kubeflow/pipelines 2.17.0 ``backend/src/apiserver/storage/run_store.go`` does."""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_fix44f_double_terminate import _race
from tests.ops.test_r43_kfp_concurrent_key import KEY

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

LONG = "InternalServerError: Failed to terminate run: the database connection was reset by its peer " * 5


def _cut_said(err: str, before: str, after: str) -> str:
    said = err.split(before, 1)[1].split(after, 1)[0]
    assert said.endswith(" …"), said  # says it was cut
    words = {w.rstrip(",;:") for w in LONG.split()}  # _cut drops the punctuation it cut after
    assert len(said) <= 202 and said[:-2].split()[-1] in words, said  # at most 200, then " …"; a whole word
    return said


def test_a_terminate_kfp_failed_is_cut_at_a_word(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        first, late = _race(kfp)
        original = kfp.dispatch

        def dispatch(method, path, query, body):
            if method == "POST" and path.endswith(f"{late}:terminate"):
                return 500, {"error": LONG, "code": 13}
            return original(method, path, query, body)

        kfp.dispatch = dispatch
        kfp.state.runs[late]["state"] = "RUNNING"
        capsys.readouterr()
        experiment = kfp.state.runs[first]["experiment_id"]
        assert Platform(host=kfp.url)._settle_key(experiment, KEY, late) == first
        err = capsys.readouterr().err
        assert "\n" not in err.strip(), err
        _cut_said(err, "could not be terminated: ", f" — terminate run {late} in the KFP UI")


def test_an_unreadable_key_lookup_is_cut_at_a_word(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)

        def refused(*_args, **_kwargs):
            raise PlatformError(LONG)

        monkeypatch.setattr(platform, "_keyed_runs", refused)
        capsys.readouterr()
        assert platform._settle_key("e", KEY, "r1") == "r1"
        err = capsys.readouterr().err.strip()
        assert "\n" not in err, err
        assert _cut_said(err + "\n", "at the same moment is unknown: ", "\n")
