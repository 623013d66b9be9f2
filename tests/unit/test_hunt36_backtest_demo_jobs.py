"""The demo's backtest replayed its four policies in ``os.cpu_count()`` processes (at most four):
the host's cores, not the container's CPU quota, so a pod limited to one CPU on a large node ran
four replay processes, each holding the data and its models, on that one CPU. ``ctloop backtest
--compare`` counts the quota's cores (``joblib.cpu_count``); the demo now does too."""

import pytest

import ctloop.backtest
from ctloop import demo


class Replayed(Exception):
    pass


@pytest.mark.parametrize(("quota", "jobs"), [(1, 1), (2, 2), (64, 4)])
def test_the_demos_replays_run_in_the_cores_the_quota_allows(monkeypatch, tmp_path, quota, jobs):
    import os

    import joblib

    monkeypatch.setattr(joblib, "cpu_count", lambda *a, **k: quota)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)  # a large host

    def compare(frame, cfg, policies, progress=None, jobs=1):
        raise Replayed(jobs)

    monkeypatch.setattr(ctloop.backtest, "compare", compare)
    with pytest.raises(Replayed) as exc:
        demo.backtest_history(None, tmp_path, seed=7)
    assert exc.value.args == (jobs,)
