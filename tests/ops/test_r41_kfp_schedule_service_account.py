"""``ctloop schedule --service-account`` took any text, while ``platform.service_account`` in ctloop.yaml
is checked (``ctloop.config.k8s_name``).

KFP 2.17.0 stores the recurring run's service account as given (``resource_manager.go`` ``CreateJob``:
the ScheduledWorkflow's ``spec.serviceAccount``) and checks nothing: ``Bad Name`` made a schedule whose
every run failed at night, when its workflow's pods named a ServiceAccount Kubernetes refuses. Now the
flag obeys the field's rule: one line naming it (exit 2), nothing sent.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]


@pytest.mark.parametrize("account", ["Bad Name", "runner;rm", "UPPER"])
def test_a_service_account_kubernetes_refuses_is_refused(monkeypatch, tmp_path, capsys, account):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        with pytest.raises(SystemExit) as exc:
            main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", *TRIGGER_PARAMS,
                  "--service-account", account])
        err = capsys.readouterr().err
        assert exc.value.code == 2 and "--service-account" in err and "Traceback" not in err, err
        assert kfp.calls == []


def test_a_kubernetes_name_is_sent(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", *TRIGGER_PARAMS,
                     "--service-account", "ctloop-pipeline-runner"]) == 0, capsys.readouterr().err
        (schedule,) = kfp.state.recurring.values()
        assert schedule["service_account"] == "ctloop-pipeline-runner"
