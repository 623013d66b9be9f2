"""The review of round 61's ``--kfp-namespace`` (merged as 5042664b), finding by finding.

M1: only ``ctloop apply`` and ``ctloop doctor`` take ``-f``; the help and the fixes of ``upload``, ``schedule``,
``trigger``, ``runs``, ``approve`` named ``kfp.install_namespace with -f`` (``ctloop upload -f x.yaml``: unrecognized).
M2: ``kubectl auth can-i create services/proxy`` asks about a service named ``proxy``
(kubectl ``auth can-i``: ``--subresource`` names one). M3: ``CTLOOP_KFP_INSTALL_NAMESPACE`` wins over
``KFP_INSTALL_NAMESPACE`` in a shell too (:func:`ctloop.ops.platform.install_namespace_source`), so a fix that says
"set KFP_INSTALL_NAMESPACE" while it is set cannot help. M4: the kubeconfig diagnosis of an API server's 401/403 was
chosen by the URL alone. L1: with a host the install namespace finds no KFP. L4: ``ctloop approve`` makes its
platform as the other KFP commands (one function). L6: ``ctloop doctor -f`` names the spec's key."""

from __future__ import annotations

import argparse
import json

import pytest

from ctloop.cli import main
from ctloop.ops.platform import KfpAuth, _network_error, explain_status
from tests.ops.test_r59_kfp_routes import PROXY, kfp_env  # noqa: F401 - the fixture
from tests.ops.test_r61_kfp_namespace import _spec, kfp_elsewhere  # noqa: F401 - the fixture
from tests.ops.test_r61_kfp_proxy_answers import KUBE, _api_server

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    from ctloop.cli import build_parser

    return next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices


@pytest.mark.parametrize("command", ["approve", "upload", "schedule", "trigger", "runs"])
def test_commands_without_f_are_not_told_of_f(command):
    """Their help names no spec key: -f is no option of theirs (``ctloop upload -f x.yaml``: unrecognized)."""
    parser = _subparsers()[command]
    (action,) = [a for a in parser._actions if "--kfp-namespace" in a.option_strings]
    assert "-f" not in parser._option_string_actions
    assert "kfp.install_namespace" not in action.help and "-f" not in action.help, action.help


def test_apply_names_the_profile_it_takes():
    """apply has no --namespace: the profile is the spec's kfp.namespace."""
    (action,) = [a for a in _subparsers()["apply"]._actions if "--kfp-namespace" in a.option_strings]
    assert "kfp.install_namespace of -f" in action.help, action.help
    assert action.help.endswith("not the profile (kfp.namespace)"), action.help
    assert "--namespace)" not in action.help, action.help


def test_runs_404_names_no_spec_and_apply_404_does(kfp_elsewhere, kfp_env, capsys, monkeypatch):  # noqa: F811
    assert main(["runs", "--experiment", "", "--timeout", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert "set KFP_INSTALL_NAMESPACE to the namespace KFP is installed in" in err, err
    assert err.endswith("(kubectl get svc -A -l app=ml-pipeline; or --kfp-namespace), check the kubeconfig context, "
                        "or give --host the KFP URL"), err
    monkeypatch.delenv("KFP_INSTALL_NAMESPACE")
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "elsewhere")
    assert main(["apply", "-f", _spec(kfp_env), "--dry-run", "--timeout", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert "; or --kfp-namespace, kfp.install_namespace with -f)" in err, err


# ---------------------------------------------------------------------------------------------------------- M3
def test_the_404_names_the_variable_that_won(kfp_elsewhere, capsys, monkeypatch):  # noqa: F811
    """CTLOOP_KFP_INSTALL_NAMESPACE=wrong KFP_INSTALL_NAMESPACE=kfp-system ctloop runs: the first wins, so the fix
    names it; setting the second could not help."""
    monkeypatch.setenv("CTLOOP_KFP_INSTALL_NAMESPACE", "wrong")
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "kfp-system")
    assert main(["runs", "--experiment", "", "--timeout", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert "has no service ml-pipeline in namespace wrong" in err, err
    assert "— fix: set CTLOOP_KFP_INSTALL_NAMESPACE to the namespace KFP is installed in" in err, err
    assert "set KFP_INSTALL_NAMESPACE" not in err, err


def test_the_in_cluster_line_names_the_variable_that_won(monkeypatch):
    monkeypatch.setenv("CTLOOP_KFP_INSTALL_NAMESPACE", "wrong")
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "kfp-system")
    line = _network_error(OSError("Name or service not known"), "http://ml-pipeline.wrong.svc.cluster.local:8888", 5,
                          KfpAuth(""))
    assert "set CTLOOP_KFP_INSTALL_NAMESPACE to that namespace" in line, line
    monkeypatch.delenv("CTLOOP_KFP_INSTALL_NAMESPACE")
    line = _network_error(OSError("Name or service not known"), "http://ml-pipeline.x.svc.cluster.local:8888", 5,
                          KfpAuth(""))
    assert "set KFP_INSTALL_NAMESPACE to that namespace" in line, line


def test_the_docs_list_the_ctloop_variable_first():
    from tests.helpers import REPO

    ops = (REPO / "docs" / "operations.md").read_text()
    where = ops[ops.index("**Where KFP is installed.**"):][:2000]
    assert where.index("`CTLOOP_KFP_INSTALL_NAMESPACE`") < where.index("`KFP_INSTALL_NAMESPACE`"), where
    conf = (REPO / "docs" / "configuration.md").read_text()
    row = next(line for line in conf.splitlines() if line.startswith("| `install_namespace` |"))
    assert row.index("CTLOOP_KFP_INSTALL_NAMESPACE") < row.index(" KFP_INSTALL_NAMESPACE"), row


# ---------------------------------------------------------------------------------------------------------- M4
BODY = {status: json.dumps(body) for status, body in KUBE.items()}  # as the API server sends it
URL = "https://api.example.com:6443/api/v1/namespaces/kubeflow/services/ml-pipeline:http/proxy/apis/v2beta1/runs"


@pytest.mark.parametrize("status", [401, 403])
def test_a_users_token_to_the_api_server_is_not_the_kubeconfigs(status):
    """--host at the API server's proxy path with --token: the API server refused that token; the kubeconfig took
    no part (k8s.io/apiserver responsewriters/errors.go: the same v1 Status)."""
    auth = KfpAuth(token="tok", source="--token", named=True, host_given=True)
    line = explain_status(status, BODY[status], {}, url=URL, auth=auth)
    assert line.startswith(f"the Kubernetes API server at {URL} refused --token: HTTP {status}"), line
    assert "kubeconfig" not in line, line
    # a named token without a host flag said so (only through a pod's route): still the token's
    line = explain_status(status, BODY[status], {}, url=URL, auth=KfpAuth(token="tok", source="--token"))
    assert "refused --token" in line and "kubeconfig" not in line, line
    # a host without a token: nothing was sent
    line = explain_status(status, BODY[status], {}, url=URL, auth=KfpAuth("", host_given=True))
    assert "refused the request (no token was sent)" in line and "kubeconfig" not in line, line
    if status == 403:
        assert "kubectl auth can-i create services --subresource=proxy -n kubeflow" in line, line
    # the kubeconfig's own route: no host, no token named
    line = explain_status(status, BODY[status], {}, url=URL, auth=KfpAuth(""))
    assert "kubeconfig" in line, line


def test_the_cli_with_host_and_token_at_the_api_server(kfp_env, capsys):  # noqa: F811
    with _api_server(401, KUBE[401]) as server:
        host = server.root_url + PROXY.format("kubeflow").rstrip("/")
        code = main(["runs", "--experiment", "", "--timeout", "5", "--host", host, "--token", "tok"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err, err
    assert "refused --token: HTTP 401" in err and "renew the kubeconfig" not in err, err


# ---------------------------------------------------------------------------------------------------- L1, L3, L6
def test_doctor_with_a_host_does_not_say_kfp_is_installed_there(monkeypatch):
    from ctloop.ops import doctor
    from ctloop.ops.platform import INSTALL_NAMESPACE_DEFAULT

    for name in ("KFP_INSTALL_NAMESPACE", "CTLOOP_KFP_INSTALL_NAMESPACE", "KF_PIPELINES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    said = doctor.Doctor(doctor.DoctorOptions(host="http://kfp.example.com")).install_said()
    assert said == (f"install namespace kubeflow ({INSTALL_NAMESPACE_DEFAULT}; used for the Argo ConfigMap, "
                    "not to find KFP)"), said
    assert doctor.Doctor(doctor.DoctorOptions()).install_said() == f"KFP installed in kubeflow: {INSTALL_NAMESPACE_DEFAULT}"
    monkeypatch.setattr("ctloop.ops.platform.INSTALL_NAMESPACE_DEFAULT", "DEFAULT")  # one literal, L3
    monkeypatch.setattr("ctloop.ops.platform.install_namespace_source", lambda *a: ("kubeflow", "DEFAULT"))
    assert doctor.Doctor(doctor.DoctorOptions()).install_said() == "KFP installed in kubeflow: DEFAULT"


@pytest.mark.parametrize("flag, said", [
    ((), "KFP installed in kfp-spec: kfp.install_namespace of -f"),
    (("--kfp-namespace", "kfp-flag"), "KFP installed in kfp-flag: --kfp-namespace"),
])
def test_doctor_f_names_the_spec_key(kfp_env, monkeypatch, tmp_path, flag, said):  # noqa: F811
    """main(["doctor", "-f", spec]): the key of -f, unless --kfp-namespace wins (install_setting, L2)."""
    from ctloop.ops import doctor

    seen = []
    monkeypatch.setattr(doctor.Doctor, "run", lambda self, *a, **k: seen.append(self.install_said()) or [])
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "kfp-system")
    spec = _spec(tmp_path, install_namespace="kfp-spec")
    main(["doctor", "-f", spec, *flag])
    assert seen == [said], seen


# ---------------------------------------------------------------------------------------------------------- L4
def test_approve_makes_its_platform_as_every_kfp_command():
    from ctloop.cli import approval, ops

    assert approval._platform is ops._platform
