"""Every KFP command meeting an authenticated KFP that stops answering as the KFP API does (round 60): each of
``ctloop runs/upload/schedule/trigger/apply`` against the KFP API double (kfp 2.17.0 contracts) behind a proxy
that, from the n-th request after healthz on, answers as what sits in front of KFP or KFP itself does when it
fails. Each must end in one ``error:`` line on stderr, exit code 2, no traceback. Every answer is swept through
``schedule`` (on its first call, its third, and its create recurring run) and ``trigger`` (on its create run); the
other commands, which share ``Platform._call``, meet one or two answers each (the file: about 15 s on one core).

The answers: Istio's ``401 Jwt is expired`` (Envoy jwt_authn, google/jwt_verify_lib ``src/status.cc``) and ``403
RBAC: access denied`` (an AuthorizationPolicy DENY), text/plain; the API server's ``PermissionDenied`` (grpc-gateway
v2.28.0 ``DefaultHTTPErrorHandler``: a ``google.rpc.Status``, code 7) and its ``Internal`` (code 13, HTTP 500);
grpc-gateway's 404 for a path it has no route for (``{"code": 5, "message": "Not Found"}``); Envoy's 503
``upstream connect error or disconnect/reset before headers`` (text/plain); oauth2-proxy's redirect to Dex's
login page (``302`` to ``/dex/auth``, an HTML page) and its sign-in page with 200; a 200 whose body is not JSON
(a proxy's own page) and one cut short (``{"runs": [``); ingress-nginx's HTML 502 page."""

from __future__ import annotations

import json

import pytest
import yaml

from ctloop.cli import main
from tests.doubles.kfp_api import LOGIN_PAGE, PREFIX, SIGN_IN_PAGE, KfpApiDouble, status_body
from tests.fixtures.servers import ProxyDouble, ProxyHandler
from tests.ops.test_platform import EXAMPLE, IMAGE, isolate_kfp_env

ENVOY_503 = "upstream connect error or disconnect/reset before headers. reset reason: connection termination"
ANSWERS: dict[str, tuple[int, str, str, dict[str, str]]] = {  # status, content type, body, headers
    "401-jwt-expired": (401, "text/plain", "Jwt is expired", {
        "www-authenticate": 'Bearer realm="http://kfp/", error="invalid_token"'}),
    "403-rbac": (403, "text/plain", "RBAC: access denied", {}),
    "403-kfp": (403, "application/json", json.dumps(status_body(
        7, "PermissionDenied: User 'alice' is not allowed: Unauthorized access",
        "User 'alice' is not allowed")), {}),
    "404-no-route": (404, "application/json", json.dumps({"code": 5, "message": "Not Found"}), {}),
    "500-internal": (500, "application/json", json.dumps(status_body(
        13, "InternalServerError: Failed to list: database is locked")), {}),
    "503-envoy": (503, "text/plain", ENVOY_503, {}),
    "502-nginx-html": (502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
                       "Gateway</h1></center><hr><center>nginx</center></body></html>", {}),
    "302-login": (302, "text/html", "", {"location": "/dex/auth?client_id=kubeflow-oidc-authservice"}),
    "200-sign-in": (200, "text/html; charset=utf-8", SIGN_IN_PAGE, {}),
    "200-not-json": (200, "text/plain", "OK", {}),
    "200-cut-short": (200, "application/json", '{"runs": [', {}),
}


def _failing_proxy(upstream: str, answer: str, at: int, write: str = ""):
    """A proxy to ``upstream`` that answers ``answer`` to the ``at``-th request after healthz and every later one
    (healthz passes: the command connected), and Dex's login page at ``/dex/auth``. ``write``: from the first POST
    to that API path on instead (how many calls come before it depends on what KFP holds already)."""
    status, ctype, body, headers = ANSWERS[answer]
    seen = [0]

    class Handler(ProxyHandler):
        def intercept(self, _body: bytes) -> bool:
            if self.path.startswith("/dex/auth"):
                self._send(200, "text/html", LOGIN_PAGE, {})
                return True
            if self.path.startswith(PREFIX + "/healthz"):
                return False
            if write and len(seen) == 1 and not (self.command == "POST" and self.path.split("?")[0] == write):
                return False
            seen[0] += 1
            if seen[0] == at:
                seen.append((self.command, self.path))  # the call answered first
            if seen[0] < at:
                return False
            self._send(status, ctype, body, headers)
            return True

        def _send(self, code, kind, text, extra):
            data = text.encode()
            self.send_response(code)
            self.send_header("Content-Type", kind)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    Handler.upstream = upstream
    return ProxyDouble(Handler), seen


DATA = ["--param", "data.uri=gs://bucket/credit.parquet", "--param", "data.target=default",
        "--param", "data.time_column=application_date"]


def _argv(command: str, url: str, tmp_path) -> list[str]:
    common = ["--host", url, "--timeout", "5"]
    if command == "runs":
        return ["runs", *common, "--experiment", ""]
    if command == "upload":
        return ["upload", *common, "--image", IMAGE]
    if command == "schedule":
        return ["schedule", *common, "--image", IMAGE, "--cron", "0 0 3 * * *", "--param",
                "model_name=credit-default", *DATA]
    if command == "trigger":
        return ["trigger", *common, "--image", IMAGE, "--param", "model_name=credit-default", *DATA]
    data = yaml.safe_load(EXAMPLE.read_text())
    data["kfp"].update(host=url)
    data["kfp"].pop("namespace", None)
    spec = tmp_path / "ctloop.yaml"
    spec.write_text(yaml.safe_dump(data))
    return ["apply", "-f", str(spec), "--image", IMAGE, "--timeout", "5"]


@pytest.fixture
def env(monkeypatch, tmp_path):
    isolate_kfp_env(monkeypatch, tmp_path)
    for name in ("KFP_CA_FILE", "KFP_INSTALL_NAMESPACE", "KF_PIPELINES_IAP_OAUTH2_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KFP_TOKEN", "t")
    return tmp_path


@pytest.fixture(scope="module")
def double():
    """One KFP API double for the sweep: every command reaches KFP through ``Platform._call``, and what earlier cases
    created there (pipelines, versions, runs) is what a real KFP holds too."""
    with KfpApiDouble(tokens={"t": "ok"}) as kfp:
        yield kfp


def _one_line(env, capsys, double, command: str, answer: str, at: int, write: str = "") -> list:
    proxy, seen = _failing_proxy(double.root_url, answer, at, write)
    try:
        code = main(_argv(command, proxy.url, env))
    finally:
        proxy.close()
    out, err = capsys.readouterr()
    assert seen[0] >= at, f"{command} made {seen[0]} call(s) after healthz: the answer was never given"
    lines = [line for line in err.splitlines() if not line.startswith("warning: ")]
    assert code == 2, (code, out, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "Traceback" not in out, err
    return seen


@pytest.mark.parametrize("at", [1, 3], ids=["first", "midway"])
@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_every_answer_first_and_midway_is_one_line_exit_2(env, capsys, double, answer, at):
    """Through ``ctloop schedule``, which makes the most calls (lookups, an upload, the recurring run): the answer on
    its first call after healthz and on its third."""
    _one_line(env, capsys, double, "schedule", answer, at)


@pytest.mark.parametrize("command, answer", [
    ("runs", "401-jwt-expired"), ("upload", "503-envoy"), ("trigger", "200-cut-short"), ("apply", "302-login"),
    ("runs", "200-sign-in"), ("apply", "403-kfp"),
])
def test_each_command_is_one_line_exit_2(env, capsys, double, command, answer):
    """Every command shares ``Platform._call`` (swept above through ``schedule``): one answer or two each."""
    _one_line(env, capsys, double, command, answer, 1)


@pytest.mark.parametrize("command, write", [("trigger", PREFIX + "/runs"), ("schedule", PREFIX + "/recurringruns")],
                         ids=["create-run", "create-recurring-run"])
@pytest.mark.parametrize("answer", sorted(ANSWERS))
def test_every_answer_to_the_write_is_one_line_exit_2(env, capsys, double, answer, command, write):
    """The call that writes, answered so: ``ctloop trigger``'s create run, ``ctloop schedule``'s create recurring run
    (review 2, L5: the docstring's every command × every answer, at the call a retry or a lost answer matters)."""
    seen = _one_line(env, capsys, double, command, answer, 1, write)
    assert seen[1][0] == "POST" and seen[1][1].split("?")[0] == write, seen


def _line(env, capsys, command: str, answer: str, at: int) -> str:
    with KfpApiDouble(tokens={"t": "ok"}) as double:
        proxy, _ = _failing_proxy(double.root_url, answer, at)
        try:
            assert main(_argv(command, proxy.url, env)) == 2
        finally:
            proxy.close()
    return capsys.readouterr().err.strip()


@pytest.mark.parametrize("answer", ["503-envoy", "502-nginx-html"])
def test_a_proxys_5xx_after_kfp_answered_says_what_to_do(env, capsys, answer):
    """A 5xx that is not the API server's own (no UserError detail: ``_from_api_server``) comes from what is in front
    of it (Envoy's 503, a gateway's HTML page): the line ended at the body, with no fix."""
    line = _line(env, capsys, "schedule", answer, 4)
    assert " — fix: check the API server (kubectl -n kubeflow get pods -l app=ml-pipeline) and retry" in line, line


@pytest.mark.parametrize("answer", ["200-not-json", "200-cut-short"])
def test_a_broken_answer_after_kfp_answered_does_not_blame_the_host(env, capsys, answer):
    """healthz (and, midway, other calls) answered as the KFP API at this host: a body that is not its JSON now
    is no wrong --host (what the line told to fix)."""
    for at in (1, 4):
        line = _line(env, capsys, "schedule", answer, at)
        assert "not the KFP API's JSON" in line and "give --host" not in line, line
        assert "KFP at this host answered" in line and "run the command again" in line, line


@pytest.mark.parametrize("status, body", [(504, "upstream request timeout"), (502, ENVOY_503)])
def test_a_gateway_5xx_to_a_run_create_kfp_did_is_that_run(env, capsys, status, body):
    """Envoy answers 504 ``upstream request timeout`` (its route timeout) or 502 after the API server took the
    request: kubeflow/pipelines 2.17.0 ``resource_manager.go`` ``CreateRun`` made the workflow and stored the run,
    the answer is lost. ``ctloop trigger`` asks for the run by the id it sent (``Platform.create_run``): one run,
    exit 0, a warning (already so before round 60: checked, not changed)."""
    with KfpApiDouble(tokens={"t": "ok"}) as double:
        class Handler(ProxyHandler):
            def relay_answer(self, code, headers, data):
                if self.command == "POST" and self.path.endswith(PREFIX + "/runs") and code == 200:
                    code, headers, data = status, [("Content-Type", "text/plain")], body.encode()
                super().relay_answer(code, headers, data)

        Handler.upstream = double.root_url
        proxy = ProxyDouble(Handler)
        try:
            code = main(_argv("trigger", proxy.url, env))
        finally:
            proxy.close()
        out, err = capsys.readouterr()
        assert len(double.state.runs) == 1, double.state.runs
        (run_id,) = double.state.runs
    assert code == 0 and out.strip() == f"run_id={run_id}", (code, out, err)
    assert err.startswith("warning: KFP did not answer the create in time") and err.count("\n") == 1, err
    assert f"HTTP {status}" in err and f"run {run_id} (continuous-training-triggered) was created" in err, err
