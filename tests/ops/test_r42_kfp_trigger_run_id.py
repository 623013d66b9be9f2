"""``ctloop trigger`` can be retried without starting a second run: ``--run-id``.

Every ``ctloop trigger`` drew a new random run id, so a retry of the same trigger (a CI job re-run after
it lost its connection, a scheduler that retries on a non-zero exit) started a second training run.
kubeflow/pipelines 2.17.0 keeps the ``run_id`` a create sends (``server/api_converter.go``
``toModelRun``; ``resource/resource_manager.go`` ``CreateRun`` makes one only when it is empty) and
answers ``GET /runs/{id}`` with 404 for none (``storage/run_store.go`` ``GetRun``). With ``--run-id``
the caller names the run: when KFP has it, nothing is created and its id is printed again.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

RUN_ID = "3f0c9a52-8d7e-4a43-9b51-2f6f1d0c7e11"


def test_the_same_run_id_twice_starts_one_run(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert main(["trigger", "--host", kfp.url, "--run-id", RUN_ID.upper(), *TRIGGER_PARAMS]) == 0
        first = capsys.readouterr()
        assert main(["trigger", "--host", kfp.url, "--run-id", RUN_ID, *TRIGGER_PARAMS]) == 0
        second = capsys.readouterr()
        assert list(kfp.state.runs) == [RUN_ID]
    assert first.out == second.out == f"run_id={RUN_ID}\n"
    assert f"KFP has run {RUN_ID} already" in second.err, second.err


def test_a_run_id_that_is_no_uuid_is_refused(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp, pytest.raises(SystemExit) as exit_:
        main(["trigger", "--host", kfp.url, "--run-id", "nightly/1", *TRIGGER_PARAMS])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--run-id" in err and "'nightly/1' is not a UUID" in err, err
