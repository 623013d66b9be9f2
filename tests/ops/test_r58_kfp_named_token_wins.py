"""The credentials ctloop chose are what KFP gets, whichever route kfp.Client takes (review of round 58).

kfp 2.17.0 ``Client.__init__`` (``kfp/client/client.py``) takes ``host or KF_PIPELINES_ENDPOINT`` and ``client_id or
KF_PIPELINES_IAP_OAUTH2_CLIENT_ID``; ``Client._load_config`` then picks the first of ``existing_token``, a
``client_id`` (``auth.get_auth_token``: Google's OAuth flow), a host matching ``_is_inverse_proxy_host``
(``\\S+.googleusercontent.com/{0,1}$``: ``auth.get_gcp_access_token``) and only then ``credentials``. A named token
went as ``credentials`` whenever ``--host`` was empty (``KF_PIPELINES_ENDPOINT`` set too) and a token file always:
with the IAP client id set (or a googleusercontent host) Google's route won (an uncaught ``google.auth``
``DefaultCredentialsError`` traceback, no request sent), while ctloop's own probe (``can_probe_directly``) sent
the token. And the refusals of a token or a CA without a host came before "no KFP host" on a machine with no
kubeconfig, and a ``KFP_CA_FILE`` from a pod's environment (a profile's PodDefault) stopped the in-pod
monitoring trigger although kfp talks plain HTTP to the ml-pipeline service there.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_platform import isolate_kfp_env
from tests.ops.test_r58_kfp_token_without_host import pod_double

IAP_ENV = "KF_PIPELINES_IAP_OAUTH2_CLIENT_ID"  # kfp 2.17.0 client.py KF_PIPELINES_IAP_OAUTH2_CLIENT_ID_ENV


@pytest.fixture
def kfp_env(monkeypatch, tmp_path):
    """No developer credentials; no Google credentials either (kfp's GCP route fails at once, not on the network)."""
    isolate_kfp_env(monkeypatch, tmp_path)
    for name in (IAP_ENV, "KFP_CA_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "no-such-adc.json"))
    token_file = tmp_path / "named"
    token_file.write_text("s3cr3t-file\n")
    return token_file


def _sent(double: KfpApiDouble) -> set[str | None]:
    return {c.headers.get("authorization") for c in double.calls}


@pytest.mark.parametrize("iap", [False, True])
@pytest.mark.parametrize("how", ["--token", "--token-file", "KFP_TOKEN"])
def test_with_the_host_from_the_environment_the_named_token_is_sent(
    kfp_env, monkeypatch, capsys, how, iap
):
    if iap:
        monkeypatch.setenv(IAP_ENV, "x.apps.googleusercontent.com")
    args = ["runs", "--experiment", "", "--timeout", "5"]
    want = "s3cr3t-named"
    if how == "--token":
        args += ["--token", want]
    elif how == "--token-file":
        args += ["--token-file", str(kfp_env)]
        want = "s3cr3t-file"
    else:
        monkeypatch.setenv("KFP_TOKEN", want)
    with KfpApiDouble() as double:
        monkeypatch.setenv("KF_PIPELINES_ENDPOINT", double.url)
        assert main(args) == 0, capsys.readouterr().err
    assert double.calls and _sent(double) == {f"Bearer {want}"}, _sent(double)


def test_a_token_file_beats_an_inverse_proxy_host(kfp_env, monkeypatch):
    """A host kfp takes for Google's inverse proxy (its regex, unescaped dots: a path ending so matches too)."""
    with KfpApiDouble(path_prefix="/x.googleusercontent.com") as double:
        Platform(host=double.url, token_file=str(kfp_env), timeout=5).ensure_experiment("ctloop")
    assert double.calls and _sent(double) == {"Bearer s3cr3t-file"}, _sent(double)


@pytest.mark.parametrize("how", ["--token", "KFP_TOKEN", "KFP_CA_FILE"])
def test_nowhere_to_find_kfp_is_said_first(kfp_env, private_ca, monkeypatch, capsys, how):
    """No host, no kubeconfig, not in a pod: following "drop the token" would only lead to "no KFP host"."""
    args = ["runs", "--experiment", "", "--timeout", "5"]
    if how == "--token":
        args += ["--token", "abc"]
    else:
        monkeypatch.setenv(how, "abc" if how == "KFP_TOKEN" else str(private_ca[0]))
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no KFP host: give --host (") and "\n" not in err, err


@pytest.mark.parametrize(
    ("how", "fix"),
    [
        ("--token", "drop --token"),
        ("KFP_TOKEN", "unset KFP_TOKEN"),
        ("KFP_TOKEN_FILE", "unset KFP_TOKEN_FILE"),
    ],
)
def test_the_fix_names_where_the_token_came_from(kfp_env, tmp_path, monkeypatch, capsys, how, fix):
    # a kubeconfig kfp.Client would go through (never read: refused before)
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kubeconfig"))
    args = ["runs", "--experiment", "", "--timeout", "5"]
    if how == "--token":
        args += ["--token", "abc"]
    else:
        monkeypatch.setenv(how, "abc" if how == "KFP_TOKEN" else str(kfp_env))
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "no KFP host to send the token to" in err and err.endswith(
        f"or {fix} to go through the kubeconfig"
    ), err
    others = {"--token", "KFP_TOKEN", "KFP_TOKEN_FILE"} - {how}
    tail = err.split("— fix:")[1]
    assert not [o for o in others if f"{o} " in tail or f"{o})" in tail or tail.endswith(o)], err


@pytest.fixture
def in_pod(kfp_env, monkeypatch, tmp_path):
    """In a pod, after ``kfp_env``: ``pod_double``'s service-account files and the double at kfp's
    ``_IN_CLUSTER_DNS_NAME``."""
    with pod_double(monkeypatch, tmp_path) as double:
        yield double


def test_in_a_pod_a_ca_from_the_environment_is_no_reason_to_stop(in_pod, private_ca, monkeypatch):
    monkeypatch.setenv("KFP_CA_FILE", str(private_ca[0]))
    platform = Platform(timeout=5)
    platform.ensure_experiment("ctloop")
    assert platform.auth.ca_file == ""  # plain HTTP to the ml-pipeline service: nothing to verify
    assert _sent(in_pod) == {"Bearer s3cr3t-pod"}


def test_in_a_pod_an_explicit_ca_file_without_a_host_is_still_refused(in_pod, private_ca):
    with pytest.raises(
        ConfigError, match=f"^--ca-file {private_ca[0]}: no KFP host to verify with it"
    ):
        Platform(ca_file=str(private_ca[0]), timeout=5)
    assert in_pod.calls == []


def test_in_a_pod_the_named_token_beats_the_iap_client_id(in_pod, monkeypatch):
    monkeypatch.setenv(IAP_ENV, "x.apps.googleusercontent.com")
    Platform(token="s3cr3t-named", timeout=5).ensure_experiment("ctloop")
    assert _sent(in_pod) == {"Bearer s3cr3t-named"}


@pytest.mark.parametrize("route", ["inverse-proxy host", "IAP client id"])
def test_the_mounted_pipelines_token_leaves_kfps_google_routes_alone(kfp_env, monkeypatch, route):
    """Only a token the user names beats kfp's IAP and inverse-proxy routes: the projected pipelines token
    (``KF_PIPELINES_SA_TOKEN_PATH``, found in every Kubeflow notebook pod) is no Google token, so with a host kfp
    takes for Google's inverse proxy the Google route goes first, as kfp 2.17.0 ``_load_config`` orders them
    (review of round 58: the override sent the pipelines token there, which the proxy refuses)."""
    import kfp.client.auth

    mounted = kfp_env.parent / "pipelines-token"
    mounted.write_text("sa-pipelines-token\n")
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(mounted))
    monkeypatch.setattr(kfp.client.auth, "get_gcp_access_token", lambda: "GCP-ACCESS-TOKEN")
    monkeypatch.setattr(kfp.client.auth, "get_auth_token", lambda *a: ("IAP-OAUTH-TOKEN", True))
    prefix, want = "/x.googleusercontent.com", "GCP-ACCESS-TOKEN"
    if route == "IAP client id":
        monkeypatch.setenv(IAP_ENV, "cid.apps.googleusercontent.com")
        prefix, want = "", "IAP-OAUTH-TOKEN"
    with KfpApiDouble(path_prefix=prefix) as double:
        Platform(host=double.url, timeout=5).ensure_experiment("ctloop")
    assert double.calls and _sent(double) == {f"Bearer {want}"}, _sent(double)
