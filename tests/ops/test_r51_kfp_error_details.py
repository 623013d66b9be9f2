"""The KFP API double sent ``"details": []``; ctloop's line showed the server's wrapper chain and a wrong fix.

kubeflow/pipelines 2.17.0 answers every API error through ``util.ToGRPCError`` (``apiserver/interceptor.go``):
a ``UserError``'s ``GRPCStatus`` (``backend/src/common/util/error.go``) carries the whole internal chain as the
status message and the *external* (user-facing) message as its one detail, a ``google.rpc.Status``;
grpc-gateway v2.28.0 (``runtime/errors.go`` ``DefaultHTTPErrorHandler``, the server's ``CustomMarshaler``:
proto names, unpopulated fields left out) writes ``{"code", "message", "details": [{"@type", "code",
"message"}]}``. Errors of grpc-gateway itself (no route, a body it cannot parse) have no details at all. The
double now answers so (``tests/doubles/kfp_api.py`` ``status_body``), with the chains of 2.17.0 for the
refusals it models (``server/job_server.go`` ``CreateRecurringRun``, ``api_converter.go`` ``toModelJob``,
``resource/resource_manager.go`` ``GetValidExperimentNamespacePair``).

Against it, ``ctloop schedule`` whose experiment is deleted between its look-up and the recurring-run create
(someone cleaning up in the UI) printed the chain's wrapper ("Failed to create a recurring run: Failed to
create a recurring run due to invalid experimentId and namespace combination: ...") and "fix: check --host
(it must reach the KFP API) and the ids", as for an ingress' 404. It now prints the server's own message
(``Experiment <id> not found``) and says the object is gone: run the command again (it creates the
experiment anew). A 404 with no KFP status (an ingress, a wrong path) keeps the --host fix.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ctloop.cli import main
from tests.doubles.kfp_api import PREFIX, KfpApiDouble
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "pipelines" / "continuous-training.yaml"

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")
STATUS = "type.googleapis.com/google.rpc.Status"


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_double_answers_a_refusal_as_the_2_17_0_server_does(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        status, body = _post(
            f"{kfp.url}{PREFIX}/recurringruns",
            {
                "display_name": "ct",
                "max_concurrency": 0,
                "no_catchup": True,
                "trigger": {"cron_schedule": {"cron": "0 0 3 * * *"}},
            },
        )
        assert status == 400 and body == {
            "code": 3,
            "message": "Failed to create a recurring run due to conversion error: Invalid input error: Max "
            "concurrency of a recurring run must be at least 1 and at most 10. Received 0",
            "details": [
                {
                    "@type": STATUS,
                    "code": 3,
                    "message": "Max concurrency of a recurring run must be at "
                    "least 1 and at most 10. Received 0",
                }
            ],
        }, body
        # grpc-gateway's own errors: no details
        status, body = _post(f"{kfp.url}{PREFIX}/nowhere", {})
        assert status == 404 and body == {"code": 5, "message": "Not Found"}, body


class DeletedMeanwhile(KfpApiDouble):
    """The experiment is deleted (the UI's Delete, ``DeleteExperiment``) just before the recurring-run create."""

    def dispatch(self, method, path, query, body):
        if method == "POST" and path == PREFIX + "/recurringruns":
            self.state.experiments.pop(body.get("experiment_id"), None)
        return super().dispatch(method, path, query, body)


def test_schedule_shows_the_servers_message_and_the_fix_for_a_deleted_experiment(
    monkeypatch, tmp_path, capsys
):
    # the compiled golden package, not a compile (1.7 s): the upload and the recurring run are what is asked
    monkeypatch.setattr("ctloop.cli.ops._compile_one", lambda *args, **kwargs: GOLDEN)
    with kfp_for_cli(monkeypatch, tmp_path, cls=DeletedMeanwhile) as kfp:
        code = main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", *TRIGGER_PARAMS])
        assert [c.path for c in kfp.writes()][-1] == PREFIX + "/recurringruns", kfp.writes()
        line = one_error_line(capsys)
    assert code == 2, line
    assert "HTTP 404 Not Found: Experiment experiment-" in line and "not found —" in line, line
    assert "Failed to create a recurring run" not in line and "ResourceNotFoundError" not in line, (
        line
    )
    assert "check --host" not in line and "run the command again" in line, line
