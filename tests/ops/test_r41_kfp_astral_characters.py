"""A name or parameter holding a character beyond U+FFFF (an emoji) was sent, and KFP failed to store it
after it had created the ScheduledWorkflow or workflow (which then ran without a KFP record).

kubeflow/pipelines 2.17.0's API server connects to MySQL with ``charset=utf8``
(``backend/src/apiserver/client/sql.go`` ``CreateMySQLConfig``: utf8mb3, at most 3 bytes a
character); MySQL 8 in strict mode refuses a 4-byte character in the row (Error 1366 "Incorrect string
value"), and ``resource_manager.go`` ``CreateJob``/``CreateRun`` store the row after creating the
Kubernetes object: HTTP 500, an orphan (the double keeps it in ``orphans``). Now such a text is refused
up front in one line naming the flag or parameter (exit 2), nothing sent.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]

ROCKET = "\U0001F680"


@pytest.mark.parametrize("command, given, named", [
    (["schedule", "--cron", "0 0 3 * * *"], ["--job-name", f"nightly-{ROCKET}"], "--job-name"),
    (["schedule", "--cron", "0 0 3 * * *"], ["--param", f"data.time_format=%Y-%m-%d{ROCKET}"], "data.time_format"),
    (["trigger"], ["--run-name", f"retrain {ROCKET}"], "--run-name"),
    (["trigger"], ["--param", f"gate.slice_column=region{ROCKET}"], "gate.slice_column"),
    (["trigger"], ["--experiment", f"credit {ROCKET}"], "--experiment"),
], ids=["job-name", "schedule-param", "run-name", "trigger-param", "experiment"])
def test_a_character_kfp_cannot_store_is_refused_up_front(monkeypatch, tmp_path, capsys, command, given, named):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main([*command, "--host", kfp.url, *TRIGGER_PARAMS, *given])
        line = one_error_line(capsys)
        assert code == 2 and named in line and "U+1F680" in line, line
        assert kfp.writes() == [] and kfp.orphans == [], kfp.writes()


def test_other_unicode_goes_through(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert main(["trigger", "--host", kfp.url, *TRIGGER_PARAMS, "--run-name", "réentraînement 再训练"]) == 0, \
            capsys.readouterr().err
        assert kfp.orphans == [] and len(kfp.state.runs) == 1
