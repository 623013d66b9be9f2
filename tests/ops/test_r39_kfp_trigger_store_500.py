"""``ctloop trigger`` whose run create KFP answers with 500.

kubeflow/pipelines 2.17.0 ``backend/src/apiserver/resource/resource_manager.go`` ``CreateRun``
creates the Argo workflow first (labelled ``pipeline/runid=<run id>``: ``template/v2_template.go``),
then stores the run; a failed store (``storage/run_store.go``: ``NewInternalServerError(...,
"Failed to store run ...")``, HTTP 500) leaves a workflow training that no KFP run shows. ``trigger``
said only "HTTP 500 ... Failed to store run", inviting a second trigger: two trainings. Now the run
is asked for by the id it was sent with: found, it started (exit 0, a note); not found, the line
names the run id and the ``kubectl`` command that finds its workflow.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_api import KfpApiDouble
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


class StoreFails(KfpApiDouble):
    """``POST /runs``: the workflow is made (``workflows``), the store fails (``stored``: it did not)."""

    stored = False

    def dispatch(self, method, path, query, body):
        if method == "POST" and path.endswith("/runs"):
            self.workflows = [*getattr(self, "workflows", []), body["run_id"]]
            if self.stored:
                super().dispatch(method, path, query, body)
            return 500, {"error": f"Failed to create a new run: InternalServerError: Failed to store run "
                                  f"{body['display_name']} to table: Error 1205: Lock wait timeout exceeded"}
        return super().dispatch(method, path, query, body)


@pytest.mark.parametrize("stored", [False, True])
def test_a_500_on_the_create_is_looked_up_and_named(monkeypatch, tmp_path, capsys, stored):
    with kfp_for_cli(monkeypatch, tmp_path, cls=StoreFails) as kfp:
        kfp.stored = stored
        code = main(["trigger", "--host", kfp.url, "--namespace", "team-credit", *TRIGGER_PARAMS])
        (run_id,) = kfp.workflows
    if stored:
        assert code == 0
        captured = capsys.readouterr()
        assert f"run_id={run_id}" in captured.out and "HTTP 500" in captured.err
        return
    assert code == 2
    line = one_error_line(capsys)
    assert "HTTP 500" in line and run_id in line, line
    assert f"kubectl get workflows -n team-credit -l pipeline/runid={run_id}" in line, line
