"""The kubeconfig's API server refusing kfp's proxy route (round 61; the commands given ``--kfp-namespace``).

Without a host kfp 2.17.0 (``kfp/client/client.py`` ``_load_config``, ``_KUBE_PROXY_PATH``) reaches KFP at
``<API server>/api/v1/namespaces/<install namespace>/services/ml-pipeline:http/proxy/`` with the kubeconfig's
credentials. The Kubernetes API server answers there itself when it refuses them: a ``v1`` ``Status`` (k8s.io/apiserver
``pkg/endpoints/handlers/responsewriters/errors.go``: ``Unauthorized``; ``forbiddenMessage``: ``services
"ml-pipeline:http" is forbidden: User "jane" cannot get resource "services/proxy" in API group "" in the namespace
"kfp-system"``). ctloop read both as KFP's own: a 401 told to "send a bearer token: --token", which ctloop then refuses
without a host (the kubeconfig's user would replace it), a 403 to use a profile contributor's token and
``--namespace``. Both were one line with exit 2 already; the fix they named could not help."""

from __future__ import annotations

import json

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS
from tests.fixtures.servers import InThreadServer, JsonHandler
from tests.ops.test_r59_kfp_routes import _kubeconfig, kfp_env  # noqa: F401 - the fixture

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

FORBIDDEN = ('services "ml-pipeline:http" is forbidden: User "jane" cannot get resource "services/proxy" in API group '
             '"" in the namespace "kfp-system"')
KUBE = {  # the Kubernetes API server's own answers
    401: {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized",
          "reason": "Unauthorized", "code": 401},
    403: {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": FORBIDDEN,
          "reason": "Forbidden", "details": {"name": "ml-pipeline:http", "kind": "services"}, "code": 403},
}


def _api_server(status: int, body: dict):
    class Handler(JsonHandler):
        def do_GET(self):
            self.send_json(status, body)

        do_POST = do_DELETE = do_GET

    return InThreadServer(Handler)


ARGV = {"runs": ["runs", "--experiment", ""], "upload": ["upload"], "trigger": ["trigger", *TRIGGER_PARAMS]}


def _line(kfp_env, monkeypatch, capsys, status: int, body: dict, command: str = "runs") -> str:  # noqa: F811
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:1")
    with _api_server(status, body) as server:
        config = _kubeconfig(kfp_env / "kubeconfig", {"a": server.root_url}, "a")
        monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
        monkeypatch.setenv("KUBECONFIG", str(config))
        code = main([*ARGV[command], "--timeout", "5", "--kfp-namespace", "kfp-system"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and err.startswith("error: "), (code, err)
    return err


@pytest.mark.parametrize("command", sorted(ARGV))
def test_the_api_servers_401_names_the_kubeconfigs_credentials(kfp_env, monkeypatch, capsys, command):  # noqa: F811
    line = _line(kfp_env, monkeypatch, capsys, 401, KUBE[401], command)
    assert "the kubeconfig's API server refused its credentials on the way to KFP" in line, line
    assert "HTTP 401 (Unauthorized) — fix: renew the kubeconfig's credentials" in line, line
    assert "--token TOKEN" not in line and "KFP_TOKEN" not in line, line  # refused without a host


def test_the_api_servers_403_names_services_proxy(kfp_env, monkeypatch, capsys):  # noqa: F811
    line = _line(kfp_env, monkeypatch, capsys, 403, KUBE[403])
    assert "the kubeconfig's user may not reach KFP through the API server" in line, line
    assert f"HTTP 403 ({FORBIDDEN})" in line, line
    # the subresource: "services/proxy" as a resource names a service called proxy (round 61 review, M2)
    assert "kubectl auth can-i create services --subresource=proxy -n kfp-system" in line, line
    assert "get for reads, create/delete for writes" in line, line
    assert "--namespace <profile>" not in line and "default-editor" not in line, line


def test_kfps_own_403_through_the_proxy_is_still_kfps(kfp_env, monkeypatch, capsys):  # noqa: F811
    """KFP's PermissionDenied relayed by the proxy (grpc-gateway's body, no ``kind: Status``): the profile's fix."""
    body = {"code": 7, "message": "PermissionDenied: User 'alice' is not allowed", "details": []}
    line = _line(kfp_env, monkeypatch, capsys, 403, body)
    assert "refused this identity: HTTP 403" in line and "default-editor" in line, line
    assert "kubeconfig's user" not in line, line


def test_the_status_is_told_apart_by_its_kind():
    from ctloop.ops.platform import _kube_status

    assert _kube_status(json.dumps(KUBE[403]))
    assert not _kube_status(json.dumps({"code": 16, "message": "Unauthenticated"}))
    assert not _kube_status("<html>") and not _kube_status("[" * 100_000)
