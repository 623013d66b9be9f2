"""``ctloop runs --experiment X`` on multi-user KFP did not say which namespace it looked in.

kubeflow/pipelines 2.17.0 keeps experiments per namespace (``model/experiment.go``: ``uniqueIndex:idx_name_namespace``)
and lists those of the namespace asked for (``server/experiment_server.go`` ``ListExperiments``). An experiment
of another profile (``--namespace`` or the kfp context's not the spec's) read "experiment 'ct' not found; give the one
of your ctloop.yaml", with no word of the namespace searched nor of what is there, as ``ctloop approve`` says
(``cli/approval.py`` ``_need_experiment``). It now names both.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_an_experiment_of_another_namespace_names_the_one_searched(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, multi_user=True) as kfp:
        for name, namespace in (("ct", "team-a"), ("credit", "team-b")):
            kfp.state.experiments[name] = {
                "experiment_id": name,
                "display_name": name,
                "namespace": namespace,
                "storage_state": "AVAILABLE",
                "created_at": "2026-12-06T00:00:00Z",
            }
        code = main(["runs", "--host", kfp.url, "--namespace", "team-b", "--experiment", "ct"])
        line = one_error_line(capsys)
    assert code == 2, line
    assert "experiment 'ct' not found in namespace team-b (it has: 'credit')" in line, line
    assert "kfp.experiment" in line and "--namespace" in line, line


@pytest.mark.parametrize("held, more", [(10, False), (11, True)])
def test_the_experiments_named_say_more_only_when_there_are(monkeypatch, tmp_path, capsys, held, more):
    """Ten names are shown; ", ..." only when there is an eleventh (review of round 52: a namespace of
    exactly ten was said to hold more)."""
    with kfp_for_cli(monkeypatch, tmp_path, multi_user=True) as kfp:
        for i in range(held):
            kfp.state.experiments[f"e{i}"] = {
                "experiment_id": f"e{i}",
                "display_name": f"e{i}",
                "namespace": "team-b",
                "storage_state": "AVAILABLE",
                "created_at": "2026-12-06T00:00:00Z",
            }
        code = main(["runs", "--host", kfp.url, "--namespace", "team-b", "--experiment", "ct"])
        line = one_error_line(capsys)
    assert code == 2, line
    assert "'e0'" in line and line.count("'e") == 10, line
    assert (", ...)" in line) == more, line
