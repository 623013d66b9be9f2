"""A schedule firing every second (or several times a minute) was accepted.

KFP's cron has six fields, seconds first; ``* 0 3 * * *`` (a five-field habit) fires 60 times at 03:00,
``* * * * * *`` and ``@every 1s`` every second. kubeflow/pipelines 2.17.0's ScheduledWorkflow controller
(``backend/src/crd/controller/scheduledworkflow/util/cron_schedule.go`` ``getNextScheduledTimeImp``)
starts a run for each firing: with catch-up every missed one, one after another (a backlog growing
faster than runs of minutes end), without it a new run as soon as the last ends. Decided: ctloop
schedules at most once a minute (Kubernetes' CronJob granularity too); a seconds field matching more
than one second, or an ``@every`` under a minute, is refused in one line with the fix, before anything
is sent to KFP (``ctloop schedule``) or applied (``ctloop.yaml``).
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.cron import validate_cron
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.mark.parametrize("expr, fix", [
    ("* 0 3 * * *", '"0 0 3 * * *"'),
    ("* * * * * *", '"0 * * * * *"'),
    ("*/1 * * * * *", '"0 * * * * *"'),
    ("0-59 */5 * * * *", '"0 */5 * * * *"'),
    ("0,30 * * * * *", '"0 * * * * *"'),
    ("@every 1s", "'@every 1m'"),
    ("@every 59s", "'@every 1m'"),
    ("@every 500ms500ms", "'@every 1m'"),
])
def test_more_than_once_a_minute_is_refused_with_the_fix(expr, fix):
    with pytest.raises(ConfigError) as exc:
        validate_cron(expr)
    assert "once a minute" in str(exc.value) and fix in str(exc.value), exc.value
    if fix.startswith('"'):
        validate_cron(fix.strip('"'))  # the fix is one ctloop takes


@pytest.mark.parametrize("expr", ["0 * * * * *", "30 */5 * * * *", "@every 1m", "@every 90s", "@hourly",
                                  "0 0 3 * * *"])
def test_once_a_minute_or_less_is_taken(expr):
    assert validate_cron(expr) == expr


def test_schedule_refuses_it_before_kfp(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(["schedule", "--host", kfp.url, "--cron", "* 0 3 * * *", *TRIGGER_PARAMS])
        line = one_error_line(capsys)
        assert code == 2 and "60 times in a minute" in line, line
        assert kfp.calls == []
