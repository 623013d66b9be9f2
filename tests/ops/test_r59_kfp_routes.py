"""Where KFP is found and what is named as sent, when kfp.Client finds the route itself (round 59).

kfp 2.17.0 ``Client._load_config`` (``kfp/client/client.py``) without a host tries the in-cluster service
``_IN_CLUSTER_DNS_NAME`` (``ml-pipeline.{namespace}.svc.cluster.local:8888``), then the kubeconfig's API server
with ``_KUBE_PROXY_PATH`` (``api/v1/namespaces/{namespace}/services/ml-pipeline:http/proxy/``), ``namespace``
being ``Client(namespace='kubeflow')``: where KFP is installed. It loads the kubeconfig with kubernetes 30.1.0
``load_kube_config(client_configuration=config, context=kube_context)``, no ``config_file``: the
``KUBE_CONFIG_DEFAULT_LOCATION`` that ``KUBECONFIG`` gave when kubernetes was imported. With a host it tries
``existing_token``, the IAP client id (``auth.get_auth_token``: a Google ID token) and a googleusercontent host
(``auth.get_gcp_access_token``: the Application Default Credentials' access token) before ``credentials``.

Three things went wrong there: ``ctloop doctor --kubeconfig X --context C`` checked the other lines with X and C
and KFP with the default kubeconfig and context; a KFP installed in another namespace than ``kubeflow`` could not
be found without a host; and a refusal of the Google token kfp sent was explained as a refusal of the pipelines
token mounted in the pod (which was never sent), with its expiry and a ``kubectl create token`` fix.
"""

from __future__ import annotations

import pytest
import yaml

from ctloop.errors import ConfigError, PlatformError
from ctloop.ops import doctor
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_platform import isolate_kfp_env

IAP_ENV = "KF_PIPELINES_IAP_OAUTH2_CLIENT_ID"  # kfp 2.17.0 client.py KF_PIPELINES_IAP_OAUTH2_CLIENT_ID_ENV
PROXY = "/api/v1/namespaces/{}/services/ml-pipeline:http/proxy"  # kfp 2.17.0 client.py _KUBE_PROXY_PATH


@pytest.fixture
def kfp_env(monkeypatch, tmp_path):
    isolate_kfp_env(monkeypatch, tmp_path)
    for name in (IAP_ENV, "KFP_CA_FILE", "KFP_INSTALL_NAMESPACE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-adc.json"))
    return tmp_path


def _kubeconfig(path, servers: dict[str, str], current: str):
    """A kubeconfig with one context per ``servers`` entry (name -> API server URL), no credentials."""
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": current,
        "clusters": [{"name": n, "cluster": {"server": s}} for n, s in servers.items()],
        "users": [{"name": "u", "user": {}}],
        "contexts": [{"name": n, "context": {"cluster": n, "user": "u"}} for n in servers],
    }))
    return path


@pytest.fixture
def two_clusters(kfp_env, monkeypatch):
    """The default kubeconfig (what kubernetes read from KUBECONFIG at import) names cluster ``a``; the file
    ``named`` names ``a`` (current) and ``b``. Each cluster's API-server proxy serves a KFP API double."""
    with KfpApiDouble(path_prefix=PROXY.format("kubeflow")) as a, \
            KfpApiDouble(path_prefix=PROXY.format("kubeflow"), multi_user=True) as b:
        default = _kubeconfig(kfp_env / "default-kubeconfig", {"a": a.root_url}, "a")
        monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(default))
        monkeypatch.setenv("HOME", str(kfp_env))  # ~/.kube/config: none
        named = _kubeconfig(kfp_env / "named-kubeconfig", {"a": a.root_url, "b": b.root_url}, "b")
        yield a, b, named


def _kfp_check(two_clusters, **options):
    """``ctloop doctor --kubeconfig <named> ...``'s KFP line, with the two clusters and that line."""
    a, b, named = two_clusters
    return a, b, named, doctor.Doctor(doctor.DoctorOptions(kubeconfig=str(named), **options)).check_kfp()


def test_doctor_finds_kfp_through_the_kubeconfig_it_was_given(two_clusters):
    """``ctloop doctor --kubeconfig X``: the KFP line went through the default kubeconfig's cluster."""
    a, b, named, check = _kfp_check(two_clusters, namespace="team-a")
    assert check.status == doctor.OK, check.line()
    assert check.detail == (f"{b.url}/ (backend 2.17.0, multi-user, namespace team-a; via kubeconfig {named}"
                            "; KFP installed in kubeflow: the default)"), check.line()  # round 61: where and why
    assert b.calls and not a.calls


def test_doctor_finds_kfp_through_the_context_it_was_given(two_clusters):
    a, b, named, check = _kfp_check(two_clusters, context="a")
    assert check.status == doctor.OK, check.line()
    assert check.detail == (f"{a.url}/ (backend 2.17.0, single-user; via kubeconfig {named}, context a"
                            "; KFP installed in kubeflow: the default)"), check.line()
    assert a.calls and not b.calls


def test_platform_takes_a_kubeconfig_and_context(two_clusters):
    a, b, named = two_clusters
    # kfp's _KUBE_PROXY_PATH ends with a '/'
    assert Platform(kubeconfig=str(named), context="a", timeout=5).host == a.url + "/"
    assert Platform(kubeconfig=str(named), timeout=5, namespace="team-a").host == b.url + "/"


def test_a_named_kubeconfig_that_cannot_be_loaded_is_one_line_naming_it(kfp_env):
    broken = kfp_env / "broken"
    broken.write_text("clusters: [\n")
    with pytest.raises(ConfigError) as info:
        Platform(kubeconfig=str(broken), timeout=5)
    line = str(info.value)
    assert "\n" not in line and str(broken) in line, line


def test_a_named_kubeconfig_with_a_named_token_and_no_host_is_refused_in_a_pod_too(kfp_env, monkeypatch):
    """In a pod kfp's in-cluster route sends a named token; through a named kubeconfig its user's credentials
    replace it (kubernetes 30.1.0 ``KubeConfigLoader._set_config``): refused as outside a pod."""
    named = _kubeconfig(kfp_env / "k", {"a": "http://127.0.0.1:9"}, "a")
    monkeypatch.setattr("ctloop.ops.platform.kfp_in_cluster", lambda: True)
    with pytest.raises(ConfigError, match="^--token: no KFP host to send the token to"):
        Platform(token="abc", kubeconfig=str(named), timeout=5)


@pytest.mark.parametrize("route", ["kubeconfig", "in-cluster"])
def test_kfp_installed_in_another_namespace_is_found(kfp_env, monkeypatch, route):
    """``KFP_INSTALL_NAMESPACE``: the namespace kfp.Client finds KFP in without a host (its ``namespace``
    argument, ``kubeflow`` by default), never the profile (``--namespace``)."""
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "kfp-system")
    if route == "kubeconfig":
        with KfpApiDouble(path_prefix=PROXY.format("kfp-system"), multi_user=True) as double:
            config = _kubeconfig(kfp_env / "k", {"a": double.root_url}, "a")
            monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
            monkeypatch.setenv("KUBECONFIG", str(config))
            platform = Platform(namespace="team-a", timeout=5)
            assert platform.host == double.url + "/" and platform.namespace == "team-a"
            platform.ensure_experiment("credit-ct")
            (exp,) = double.state.experiments.values()
            assert exp["namespace"] == "team-a"
        return
    from tests.ops.test_r58_kfp_token_without_host import pod_double

    with pod_double(monkeypatch, kfp_env) as ignored, KfpApiDouble(path_prefix="/ml-pipeline.kfp-system") as double:
        # kfp's in-cluster service name, its namespace where kfp formats it in, served by the double
        monkeypatch.setattr("kfp.client.Client._IN_CLUSTER_DNS_NAME", double.root_url + "/ml-pipeline.{}")
        platform = Platform(timeout=5)
        assert platform.host == double.url
    assert not ignored.calls


def test_kfp_not_in_the_install_namespace_names_the_variable(kfp_env, monkeypatch, capsys):
    """The kubeconfig's API server has no ml-pipeline service in ``kubeflow``: the fix was "--host must be the URL
    the KFP API is served at", for a command given no host."""
    from ctloop.cli import main

    with KfpApiDouble(path_prefix=PROXY.format("kfp-system")) as double:
        config = _kubeconfig(kfp_env / "k", {"a": double.root_url}, "a")
        monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
        monkeypatch.setenv("KUBECONFIG", str(config))
        assert main(["runs", "--experiment", "", "--timeout", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: no KFP API at {double.root_url}{PROXY.format('kubeflow')}/: HTTP 404: the "
                          "kubeconfig's API server has no service ml-pipeline in namespace kubeflow — fix: set "
                          "KFP_INSTALL_NAMESPACE to the namespace KFP is installed in"), err


def test_the_install_namespace_defaults_to_kubeflow_once(kfp_env):
    import ast
    from pathlib import Path

    from ctloop.ops import platform

    assert platform.install_namespace() == platform.INSTALL_NAMESPACE == "kubeflow"
    # doctor reads where KFP is installed through platform's one helper, and spells no namespace of its own
    assert doctor.kfp_namespace is platform.shown_install_namespace
    tree = ast.parse(Path(doctor.__file__).read_text())
    literals = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value == "kubeflow"]
    assert not literals, f"doctor.py spells the namespace 'kubeflow' at lines {literals}"


@pytest.mark.parametrize("value", ["Kubeflow", "kfp system", "-kfp", "a" * 64])
def test_a_bad_install_namespace_is_one_line(kfp_env, monkeypatch, capsys, value):
    from ctloop.cli import main

    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", value)
    assert main(["runs", "--experiment", "", "--timeout", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: KFP_INSTALL_NAMESPACE {value!r}: must be a Kubernetes namespace") and "\n" not in err


@pytest.fixture
def google_routes(kfp_env, monkeypatch):
    """A pod's mounted pipelines token (a JWT that expired an hour ago), and kfp's two Google routes faked where kfp
    2.17.0 calls them (``kfp/client/auth.py``): yields a setter of what Google hands out."""
    import base64
    import json
    import time

    import kfp.client.auth

    claims = base64.urlsafe_b64encode(json.dumps({"exp": int(time.time()) - 3600}).encode()).decode().rstrip("=")
    mounted = kfp_env / "pipelines-token"
    mounted.write_text(f"eyJhbGciOiJSUzI1NiJ9.{claims}.c2ln\n")
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(mounted))
    given = {"token": "GOOGLE-TOKEN"}
    monkeypatch.setattr(kfp.client.auth, "get_gcp_access_token", lambda: given["token"])
    monkeypatch.setattr(kfp.client.auth, "get_auth_token", lambda *a: (given["token"], False))
    return given


def _route(monkeypatch, route: str) -> str:
    if route == "IAP client id":
        monkeypatch.setenv(IAP_ENV, "cid.apps.googleusercontent.com")
        return ""
    return "/x.googleusercontent.com"


@pytest.mark.parametrize("route", ["IAP client id", "inverse-proxy host"])
def test_a_refused_google_token_is_named_not_the_mounted_pipelines_token(google_routes, monkeypatch, route):
    prefix = _route(monkeypatch, route)
    with KfpApiDouble(path_prefix=prefix, tokens={"ok": "ok"}) as double:
        with pytest.raises(PlatformError) as info:
            Platform(host=double.url, timeout=5)
    line = str(info.value)
    assert {c.headers.get("authorization") for c in double.calls} == {"Bearer GOOGLE-TOKEN"}
    assert "HTTP 401" in line and "pipelines token" not in line and "exp claim" not in line, line
    assert "kubectl" not in line, line  # a Kubernetes token is no fix for a Google one
    if route == "IAP client id":
        assert "rejected the Google ID token kfp got for the IAP client id cid.apps.googleusercontent.com" in line, line
    else:
        assert "rejected the Google access token kfp got from the Application Default Credentials" in line, line


def test_the_ca_bundle_stays_with_the_google_token(google_routes, monkeypatch, private_ca):
    """The credentials named are kfp's Google token; the CA bundle that verified the host (https, signed by the
    private CA: kfp's urllib3 verifies with it) is still the one named."""
    import ssl

    ca, cert, key = private_ca
    monkeypatch.setenv("KFP_CA_FILE", str(ca))
    prefix = _route(monkeypatch, "inverse-proxy host")
    double = KfpApiDouble(path_prefix=prefix, tokens={"GOOGLE-TOKEN": "ok"})
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    double.server.socket = context.wrap_socket(double.server.socket, server_side=True)
    with double:
        platform = Platform(host=f"https://{double.address}{prefix}", timeout=5)
        platform.ensure_experiment("ctloop")
    assert {c.headers.get("authorization") for c in double.calls} == {"Bearer GOOGLE-TOKEN"}
    assert platform.auth.google == "inverse-proxy" and platform.auth.ca_file == str(ca)
    assert platform.auth.ca_source == f"KFP_CA_FILE {ca}"


@pytest.mark.parametrize("route", ["IAP client id", "inverse-proxy host"])
def test_when_kfp_got_no_google_token_no_token_was_sent(google_routes, monkeypatch, route):
    """``get_gcp_access_token`` logs and returns None without Application Default Credentials; kfp then sends
    nothing (its ``credentials`` come after the Google routes): the mounted token was not rejected, none was sent."""
    google_routes["token"] = None
    prefix = _route(monkeypatch, route)
    with KfpApiDouble(path_prefix=prefix, tokens={"ok": "ok"}) as double:
        with pytest.raises(PlatformError) as info:
            Platform(host=double.url, timeout=5)
    line = str(info.value)
    assert {c.headers.get("authorization") for c in double.calls} == {None}
    assert "pipelines token" not in line and "no token was sent" in line, line
    if route == "IAP client id":  # kfp 2.17.0 auth.py get_service_account_credentials: None for user credentials
        assert "kfp got no ID token for the IAP client id cid.apps.googleusercontent.com: the Application" in line
    else:
        assert "kfp found no Google credentials for the googleusercontent.com host" in line, line


def test_a_google_token_refused_later_is_named_too(google_routes, monkeypatch):
    """The calls after connecting (``Platform._call``) explain with the same credentials."""
    prefix = _route(monkeypatch, "inverse-proxy host")
    with KfpApiDouble(path_prefix=prefix, tokens={"GOOGLE-TOKEN": "kfp-deny"}) as double:
        platform = Platform(host=double.url, timeout=5)
        with pytest.raises(PlatformError) as info:
            platform.ensure_experiment("ctloop")
    line = str(info.value)
    assert "refused the identity of the Google access token kfp got from the Application Default Credentials" in line
    assert "pipelines token" not in line, line


def test_doctor_names_what_kfps_google_route_sent(google_routes, monkeypatch):
    """An open KFP behind a googleusercontent host: the KFP line's ``auth:`` named the mounted pipelines token."""
    prefix = _route(monkeypatch, "inverse-proxy host")
    with KfpApiDouble(path_prefix=prefix) as double:
        check = doctor.Doctor(doctor.DoctorOptions(host=double.url)).check_kfp()
        google_routes["token"] = None
        bare = doctor.Doctor(doctor.DoctorOptions(host=double.url)).check_kfp()
    assert check.detail.endswith("; auth: the Google access token kfp got from the Application Default Credentials"
                                 "; install namespace kubeflow (the default; used for the Argo ConfigMap, not to find KFP))")
    assert bare.detail.endswith("; auth: no token: kfp found no Google credentials for the googleusercontent.com "
                                "host; install namespace kubeflow (the default; used for the Argo ConfigMap, not "
                                "to find KFP))"), bare.line()  # a host: the namespace finds no KFP (round 61 review, L1)


def _refusal(platform: Platform) -> str:
    """What ``Platform._refused`` makes of the upload server's bare 400 (kfp 2.17.0 backend
    ``pipeline_upload_server.go``: a denied SubjectAccessReview, or a caller it cannot authenticate)."""
    with pytest.raises(PlatformError) as info:
        with platform._refused("continuous-training"):
            raise PlatformError("KFP answered HTTP 400 Bad Request: Failed to create a pipeline")
    return str(info.value)


def test_a_refused_upload_names_the_google_token_kfp_sent(google_routes, monkeypatch):
    """``_refused`` wrote "the token from the Google ID token kfp got ..." and, for an IAP ID token (a JWT whose
    audience is the client id), the ``kubectl create token`` fix of a Kubernetes token; with no token sent, "the
    identity of no token: ..."."""
    import base64
    import json

    claims = base64.urlsafe_b64encode(json.dumps({"aud": "cid.apps.googleusercontent.com"}).encode()).decode()
    google_routes["token"] = f"eyJhbGciOiJSUzI1NiJ9.{claims.rstrip('=')}.c2ln"
    prefix = _route(monkeypatch, "IAP client id")
    with KfpApiDouble(path_prefix=prefix, multi_user=True) as double:
        platform = Platform(host=double.url, namespace="team-credit", timeout=5)
        google_routes["token"] = None
        anonymous = Platform(host=double.url, namespace="team-credit", timeout=5)
    line = _refusal(platform)
    assert "the token from the Google" not in line and "kubectl" not in line, line
    assert "did not let the identity of the Google ID token kfp got for the IAP client id" in line, line
    assert "fix: use Google credentials of a contributor of profile team-credit" in line, line
    line = _refusal(anonymous)
    assert "identity of no token" not in line and "kubectl" not in line, line
    assert "did not let a caller without a token (kfp got no ID token for the IAP client id" in line, line
