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

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]
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


# kubeflow/pipelines 2.17.0 backend/src/apiserver/server/api_converter.go: toModelJob (v2beta1) looks at the
# name before the trigger and the max concurrency, toModelRun at the run's name, each refusing an empty one
# with NewInternalServerError(NewInvalidInputError(...)) (common/util/error.go: codes.Internal, HTTP 500,
# external "Internal Server Error"), wrapped by job_server.go CreateRecurringRun / run_server.go CreateRun
EMPTY_JOB = (
    "Failed to create a recurring run due to conversion error: InternalServerError: Failed to convert a API "
    "recurring run to its internal representation: Invalid input error: Recurring run's name cannot be empty"
)
EMPTY_RUN = (
    "CreateJob(job.ToV2())Failed to create a run due to conversion error: InternalServerError: Failed to convert "
    "a API run detail to its internal representation: Invalid input error: Run name cannot be empty"
)


def test_an_empty_name_is_the_2_17_0_servers_500_and_ctloop_refuses_it_before_any_call(
    monkeypatch, tmp_path
):
    from ctloop.errors import ConfigError
    from ctloop.ops.platform import Platform

    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        # the name first: max_concurrency 0 and no trigger are not what is said
        status, body = _post(
            f"{kfp.url}{PREFIX}/recurringruns", {"display_name": "", "max_concurrency": 0}
        )
        internal = [{"@type": STATUS, "code": 13, "message": "Internal Server Error"}]
        assert (status, body) == (500, {"code": 13, "message": EMPTY_JOB, "details": internal}), (
            body
        )
        status, body = _post(f"{kfp.url}{PREFIX}/runs", {"display_name": "", "pipeline_spec": {}})
        assert (status, body) == (500, {"code": 13, "message": EMPTY_RUN, "details": internal}), (
            body
        )
        kfp.calls.clear()
        platform = Platform(host=kfp.url)
        with pytest.raises(ConfigError) as refused:
            platform.create_run(GOLDEN, experiment="ctloop", run_name="")
        assert kfp.writes() == [] and "\n" not in str(refused.value), str(refused.value)
        assert "run name '' is blank — fix:" in str(refused.value), str(refused.value)
        with pytest.raises(ConfigError) as refused:
            platform.reconcile_schedule(
                experiment_id="e",
                job_name=" ",
                pipeline_id="p",
                version_id="v",
                cron="0 0 3 * * *",
                params={},
            )
        assert kfp.writes() == [] and "schedule ' ' is blank — fix:" in str(refused.value), str(
            refused.value
        )
        # were one sent (KFP's own client, past ctloop's check), ctloop's line for the 500 is still one line
        from ctloop.errors import PlatformError

        with pytest.raises(PlatformError) as answered:
            platform._call(
                "create recurring run",
                platform.client.create_recurring_run,
                experiment_id=platform.ensure_experiment("ctloop"),
                job_name="",
                cron_expression="0 0 3 * * *",
                max_concurrency=1,
                no_catchup=True,
                pipeline_package_path=str(GOLDEN),
            )
        assert (
            str(answered.value)
            == f"KFP API create recurring run failed: HTTP 500 Internal Server Error: {EMPTY_JOB}"
        )


def test_kfps_own_401_names_its_message_in_www_authenticate(monkeypatch, tmp_path):
    # grpc-gateway v2.28.0 (2.17.0's go.mod) runtime/errors.go DefaultHTTPErrorHandler: on
    # codes.Unauthenticated, w.Header().Set("WWW-Authenticate", s.Message())
    with kfp_for_cli(monkeypatch, tmp_path, tokens={"sa": "kfp-audience"}) as kfp:
        request = urllib.request.Request(
            f"{kfp.url}{PREFIX}/experiments", headers={"Authorization": "Bearer sa"}
        )
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(request, timeout=5)
        body = json.loads(answered.value.read())
        assert answered.value.code == 401 and body["code"] == 16, body
        assert answered.value.headers["WWW-Authenticate"] == body["message"], dict(
            answered.value.headers
        )
