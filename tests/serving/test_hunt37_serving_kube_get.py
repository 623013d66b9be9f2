"""``InferenceServices.get`` through the real ``kubernetes`` client (built by ``load_api_client``
from a kubeconfig) against a double of the API server that answers each GET from a script:
``500`` (a 5xx, e.g. an aggregated API or etcd hiccup), ``drop`` (the kept-alive connection closed
after the request went out: RemoteDisconnected, which urllib3 counts as a read error and
``api_retries`` does not retry), ``404`` or ``ok``.

A 5xx answer sent ``get`` on to ``_call``'s loop, which resent only on another 5xx: a dropped
connection there (a proxy closes the connection after its 503) ended the poll with "the API
server did not answer", and a 404 after a 5xx (the InferenceService deleted meanwhile) was an
"HTTP 404" error instead of ``None``.
"""

from __future__ import annotations

import json

import pytest

from ctloop.errors import ServingError, ServingUnreachable
from ctloop.serving.kube import InferenceServices, load_api_client
from tests.doubles.kube_api import write_kubeconfig
from tests.fixtures.servers import InThreadServer, JsonHandler

OBJ = {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
       "metadata": {"name": "credit", "namespace": "ml"}, "spec": {"predictor": {}}}


class ScriptedApiServer:
    def __init__(self):
        self.script: list[str] = []
        self.seen: list[str] = []
        api = self

        class Handler(JsonHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the API server

            def do_GET(self):  # noqa: N802 - http.server's name
                step = api.script.pop(0) if api.script else "ok"
                api.seen.append(step)
                if step == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                code = {"ok": 200, "500": 500, "404": 404}[step]
                body = OBJ if code == 200 else {
                    "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
                    "reason": "NotFound" if code == 404 else "InternalError",
                    "message": "inferenceservices.serving.kserve.io \"credit\" not found" if code == 404
                    else "etcdserver: request timed out"}
                self.send_json(code, body)

        self.http = InThreadServer(Handler).start()
        self.url = self.http.root_url

    def close(self):
        self.http.close()


@pytest.fixture
def api(tmp_path, monkeypatch):
    server = ScriptedApiServer()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server.url)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setattr("ctloop.serving.kube.time.sleep", lambda s: None)
    yield server, InferenceServices("ml", api_client=load_api_client(kubeconfig), request_timeout_s=2)
    server.close()


def test_a_get_dropped_after_a_5xx_is_sent_again(api):
    server, isvcs = api
    server.script = ["500", "drop"]
    assert isvcs.get("credit")["metadata"]["name"] == "credit"
    assert server.seen == ["500", "drop", "ok"]


def test_a_get_that_finds_the_isvc_gone_after_a_5xx_is_none(api):
    server, isvcs = api
    server.script = ["500", "404"]
    assert isvcs.get("credit") is None
    assert server.seen == ["500", "404"]


def test_a_dropped_get_then_a_5xx_then_an_answer(api):
    server, isvcs = api
    server.script = ["drop", "500", "ok"]
    assert isvcs.get("credit")["metadata"]["name"] == "credit"


def test_5xx_every_time_is_still_one_error_after_the_retries(api):
    server, isvcs = api
    server.script = ["500"] * 10
    with pytest.raises(ServingError, match="HTTP 500") as err:
        isvcs.get("credit")
    assert "\n" not in str(err.value) and len(server.seen) == 3


def test_drops_every_time_still_end_in_one_unreachable_line(api):
    server, isvcs = api
    server.script = ["drop"] * 10
    with pytest.raises(ServingUnreachable, match="did not answer"):
        isvcs.get("credit")
    assert len(server.seen) <= 6


class CreatingApiServer(ScriptedApiServer):
    """POST creates the InferenceService, then answers per ``post`` (``ok``, ``drop``: the
    connection closed after it was created, the answer lost); GET answers what exists (404
    before)."""

    def __init__(self):
        super().__init__()
        self.post: list[str] = []
        self.created: dict | None = None
        api = self
        handler = self.http.server.RequestHandlerClass

        def do_post(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            step = api.post.pop(0) if api.post else "ok"
            api.seen.append(f"POST {step}")
            if api.created is not None:
                return self._status(409, "AlreadyExists", "inferenceservices.serving.kserve.io \"credit\" already exists")
            # KServe's webhook defaults the spec (protocolVersion ...): never equal to what was sent
            api.created = {**body, "spec": {"predictor": {**body["spec"]["predictor"], "protocolVersion": "v1"}}}
            if step == "drop":
                self.close_connection = True
                self.connection.close()
                return
            self.send_json(201, api.created)

        def do_get(self):
            step = api.script.pop(0) if api.script else "ok"
            api.seen.append(f"GET {step}")
            if api.created is None:
                return self._status(404, "NotFound", "inferenceservices.serving.kserve.io \"credit\" not found")
            self.send_json(200, api.created)

        def _status(self, code, reason, message):
            self.send_json(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
                              "reason": reason, "message": message})

        handler.do_POST, handler.do_GET, handler._status = do_post, do_get, _status


@pytest.fixture
def creating(tmp_path, monkeypatch):
    server = CreatingApiServer()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server.url)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    yield server, InferenceServices("ml", api_client=load_api_client(kubeconfig), request_timeout_s=2)
    server.close()


def _body(uri: str) -> dict:
    from ctloop.serving import isvc as specs

    return specs.inference_service("credit", namespace="ml", model_name="credit", version="1", storage_uri=uri)


def test_a_create_whose_answer_was_lost_is_the_created_object(creating):
    """The first deployment failed 'the API server did not answer' with the InferenceService created."""
    server, isvcs = creating
    server.post = ["drop"]
    out = isvcs.create(_body("gs://models/credit/1"))
    assert out["spec"]["predictor"]["model"]["storageUri"] == "gs://models/credit/1"
    assert server.seen == ["POST drop", "GET ok"]


def test_creating_over_an_existing_inferenceservice_is_still_a_conflict(creating):
    from ctloop.errors import ServingConflictError

    server, isvcs = creating
    server.created = _body("gs://models/credit/other")
    server.post = ["drop"]
    with pytest.raises(ServingConflictError):
        isvcs.create(_body("gs://models/credit/1"))


def test_a_wait_on_an_inferenceservice_deleted_meanwhile_ends_at_once_saying_so(api):
    """wait_for polled a deleted InferenceService (get: None) until its timeout, then reported
    'latestCreated=None, latestReady=None': a deploy or rollback step waited minutes for nothing."""
    from ctloop.errors import ServingTimeoutError
    from ctloop.serving.kube import wait_for

    server, isvcs = api
    server.script = ["404"] * 1000
    with pytest.raises(ServingError, match="deleted") as err:
        wait_for(isvcs, "credit", lambda o: False, timeout_s=30, what="canary at 5 %", poll_s=0)
    assert not isinstance(err.value, ServingTimeoutError) and len(server.seen) == 1
