"""A window that asks for a retrain carries the rules' cooldown for its trigger (review revF 5): the
trigger keeps a late-found retrain (stored by KFP after the trigger of an earlier window gave up on it)
in place of this window's only within that cooldown of its window's end, or while it runs
(:func:`ctloop.monitoring.trigger._late_retrain`). ``monitor_model`` through ``python_func`` with a real
(sqlite) MLflow store and a registered champion, as tests/integration/test_monitor_component.py."""

import pandas as pd
import pytest

from ctloop.monitoring.trigger import COOLDOWN_TAG
from tests.integration.monitor_support import log_window
from tests.integration.test_monitor_component import END, monitor, run_tags
from tests.integration.test_monitor_component import setup as setup  # noqa: F401 - fixtures
from tests.integration.test_monitor_component import uri as uri  # noqa: F401

pytestmark = pytest.mark.slow


def test_a_window_asking_for_a_retrain_records_the_cooldown(setup, uri, tmp_path):  # noqa: F811
    _, champion = setup
    log_window(tmp_path / "logs", champion.shocked.sample(500, random_state=10), champion, END)
    out, _ = monitor(tmp_path, uri, rules={"drift_share": 0.5, "drift_windows": 1, "cooldown": "6h"})
    assert out.retrain, out.reason
    assert run_tags(uri, out.monitor_run_id).tags[COOLDOWN_TAG] == "6h"
    quiet, _ = monitor(tmp_path, uri, as_of=END + pd.Timedelta("1h"),
                       rules={"drift_share": 0.5, "drift_windows": 1, "cooldown": None})
    assert COOLDOWN_TAG not in run_tags(uri, quiet.monitor_run_id).tags
