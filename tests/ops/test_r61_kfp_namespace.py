"""Every ctloop command that talks to the KFP API takes ``--kfp-namespace`` (round 61): ``approve``, ``upload``,
``schedule``, ``trigger``, ``runs`` had none (only ``doctor`` had it, ``apply`` read the spec's key), so a user
whose KFP is installed elsewhere than ``kubeflow`` could say so only through ``KFP_INSTALL_NAMESPACE``.

One option (``ctloop.cli.ops.add_kfp_options``), one default (:func:`ctloop.ops.platform.install_namespace`:
the flag, else ctloop.yaml's ``kfp.install_namespace``, else ``KFP_INSTALL_NAMESPACE``, else ``kubeflow``), passed
to ``kfp.Client`` where it needs it: kfp 2.17.0 ``kfp/client/client.py`` ``Client.__init__(namespace='kubeflow')``
hands ``namespace`` to ``_load_config``, which without a host uses it only to find KFP (``_IN_CLUSTER_DNS_NAME``
``ml-pipeline.{}.svc.cluster.local:8888`` in a pod, else the kubeconfig's ``_KUBE_PROXY_PATH``
``api/v1/namespaces/{}/services/ml-pipeline:http/proxy/``), and, when it is not ``'kubeflow'``, also stores it as
the context's *user* namespace (``self._context_setting['namespace'] = namespace``): ctloop therefore never passes
it as ``namespace=`` but to its ``_load_config`` override (``ctloop.ops.platform._client_class``), so the profile
(``--namespace``) stays apart.

Each command is run here without ``--host`` against the KFP API double served behind the kubeconfig's API-server
proxy path of ``kfp-system``, with ``KFP_INSTALL_NAMESPACE`` naming another namespace: it finds KFP only when the
flag reaches ``kfp.Client``."""

from __future__ import annotations

import pytest
import yaml

from ctloop import approval
from ctloop.cli import main
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble
from tests.doubles.kfp_cli import IMAGE, TRIGGER_PARAMS
from tests.helpers import REPO
from tests.ops.test_r59_kfp_routes import PROXY, _kubeconfig, kfp_env  # noqa: F401 - the fixture
from tests.ops.test_r61_kfp_approve_answers import MODEL, apply_leaves, pending, registry  # noqa: F401 - the fixtures

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")



@pytest.fixture
def kfp_elsewhere(kfp_env, monkeypatch):  # noqa: F811
    """The KFP API double behind the kubeconfig's API-server proxy of namespace ``kfp-system`` (the current
    context's, no host anywhere), ``KFP_INSTALL_NAMESPACE`` naming another namespace."""
    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "elsewhere")
    monkeypatch.setenv("CTLOOP_IMAGE", IMAGE)
    with KfpApiDouble(path_prefix=PROXY.format("kfp-system")) as double:
        config = _kubeconfig(kfp_env / "kubeconfig", {"a": double.root_url}, "a")
        monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
        monkeypatch.setenv("KUBECONFIG", str(config))
        yield double


def _spec(tmp_path, **kfp) -> str:
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["kfp"].update(host="", namespace="", **kfp)
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _argv(command: str, tmp_path) -> list[str]:
    if command == "upload":
        return ["upload"]
    if command == "schedule":
        return ["schedule", "--cron", "0 0 3 * * *", *TRIGGER_PARAMS]
    if command == "trigger":
        return ["trigger", *TRIGGER_PARAMS]
    if command == "runs":
        return ["runs", "--experiment", ""]
    # the flag wins over the spec's key, as doctor's does (ctloop.ops.doctor.options_from_spec)
    return ["apply", "-f", _spec(tmp_path, install_namespace="also-elsewhere"), "--dry-run"]


@pytest.mark.parametrize("command", ["upload", "schedule", "trigger", "runs", "apply"])
def test_each_command_finds_kfp_where_the_flag_says(kfp_elsewhere, kfp_env, capsys, command):  # noqa: F811
    code = main([*_argv(command, kfp_env), "--timeout", "5", "--kfp-namespace", "kfp-system"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert [c for c in kfp_elsewhere.calls if "healthz" not in c.path], (command, kfp_elsewhere.calls)
    assert "elsewhere" not in out + err, out + err


@pytest.mark.parametrize("command", ["upload", "runs"])
def test_without_the_flag_the_variable_is_used_and_named(kfp_elsewhere, kfp_env, capsys, command):  # noqa: F811
    """The default is unchanged: ``KFP_INSTALL_NAMESPACE``; the fix now names ``--kfp-namespace`` beside it."""
    assert main([*_argv(command, kfp_env), "--timeout", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "namespace elsewhere" in err, err
    assert "set KFP_INSTALL_NAMESPACE to the namespace KFP is installed in" in err, err
    assert "; or --kfp-namespace)" in err and "kfp.install_namespace" not in err, err  # no -f (round 61 review, M1)


@pytest.mark.parametrize("command", ["upload", "schedule", "trigger", "runs", "apply", "approve", "doctor"])
@pytest.mark.parametrize("value", ["KFP", "-kfp"])
def test_a_bad_flag_is_one_line_exit_2(kfp_env, tmp_path, capsys, command, value):  # noqa: F811
    argv = (["approve", "--model-name", MODEL, "--version", "2", "--reason", "ok"] if command == "approve"
            else ["doctor"] if command == "doctor" else _argv(command, tmp_path))
    with pytest.raises(SystemExit) as done:
        main([*argv, "--host", "http://127.0.0.1:9", f"--kfp-namespace={value}"])
    assert done.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--kfp-namespace" in err and value in err and "must be a Kubernetes namespace" in err, err


def test_one_option_one_help():
    """Every KFP command's ``--kfp-namespace`` is the one of ``add_kfp_options``: the same type and default, and
    the same help (doctor's says what else it reads there)."""
    import argparse

    from ctloop.cli import build_parser
    from ctloop.cli.argtypes import k8s_namespace
    from ctloop.cli.ops import kfp_namespace_help

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command in ("approve", "upload", "schedule", "trigger", "runs", "apply", "doctor"):
        (action,) = [a for a in sub.choices[command]._actions if "--kfp-namespace" in a.option_strings]
        assert (action.type, action.default) == (k8s_namespace, ""), command
        assert action.help.startswith(kfp_namespace_help().split(" (default")[0]), (command, action.help)
        # the defaults in install_namespace_source's order; the spec's key only where the parser has -f, the
        # profile as the command takes it (round 61 review, M1, M3)
        options = sub.choices[command]._option_string_actions
        key = "kfp.install_namespace of -f, " if "-f" in options else ""
        assert f"(default: {key}$CTLOOP_KFP_INSTALL_NAMESPACE, $KFP_INSTALL_NAMESPACE, else kubeflow)" in action.help, (
            command, action.help)
        profile = "--namespace" if "--namespace" in options else "kfp.namespace"
        assert action.help.endswith(f"not the profile ({profile})"), (command, action.help)
    assert "reject" in sub.choices  # no KFP call: no KFP options
    assert not [a for a in sub.choices["reject"]._actions if "--kfp-namespace" in a.option_strings]


@pytest.fixture
def kfp_pending(pending, kfp_elsewhere):  # noqa: F811
    """A version pending approval (tests/ops/test_r61_kfp_approve_answers.py's registry, built once per test process:
    round 61 review, L5), and what ``ctloop apply`` leaves in KFP for it (experiment ``ctloop``, the ct- schedule
    pinning a rollout version), as tests/ops/test_r39_kfp_approve_experiment.py sets it up."""
    apply_leaves(Platform(host=kfp_elsewhere.url))
    return pending


def test_approve_starts_the_rollout_where_the_flag_says(kfp_pending, kfp_elsewhere, capsys):
    uri, models = kfp_pending
    argv = ["approve", "--model-name", MODEL, "--version", "2", "--reason", "fairness review passed", "--by", "alice",
            "--tracking-uri", uri, "--timeout", "5"]
    capsys.readouterr()
    assert main(argv) == 2  # KFP_INSTALL_NAMESPACE=elsewhere: no KFP there, nothing recorded
    err = capsys.readouterr().err.strip()
    assert "namespace elsewhere" in err and "nothing was recorded" in err and "\n" not in err, err
    assert approval.pending(models, MODEL).version == "2"
    assert main([*argv, "--kfp-namespace", "kfp-system"]) == 0, capsys.readouterr().err
    (run,) = kfp_elsewhere.state.runs.values()
    assert run["display_name"] == f"rollout-{MODEL}-v2"
    assert approval.pending(models, MODEL) is None


# ------------------------------------------------------------------ doctor says which namespace and why (item 3)
from tests.ops.test_doctor import cluster  # noqa: E402,F401 - the fixture

HOST = "; used for the Argo ConfigMap, not to find KFP)"  # the cluster fixture gives --host (round 61 review, L1)


@pytest.mark.parametrize("flag, env, said", [
    ((), {}, "install namespace kubeflow (the default" + HOST),
    # a Kubeflow PodDefault of the profile (kubeflow/kubeflow components/admission-webhook: spec.env merged into the
    # pods it selects, a notebook's) is seen as what it is here: this process's environment
    ((), {"KFP_INSTALL_NAMESPACE": "kfp-system"},
     "install namespace kfp-system (KFP_INSTALL_NAMESPACE of this environment, e.g. a Kubeflow PodDefault's" + HOST),
    ((), {"CTLOOP_KFP_INSTALL_NAMESPACE": "kfp-task", "KFP_INSTALL_NAMESPACE": "kfp-system"},
     "install namespace kfp-task (CTLOOP_KFP_INSTALL_NAMESPACE of this environment, ctloop-settings' in a KFP task"
     + HOST),
    (("--kfp-namespace", "kfp-flag"), {"KFP_INSTALL_NAMESPACE": "kfp-system"},
     "install namespace kfp-flag (--kfp-namespace" + HOST),
])
def test_doctor_says_where_kfp_is_installed_and_why(cluster, capsys, monkeypatch, flag, env, said):  # noqa: F811
    for name in ("KFP_INSTALL_NAMESPACE", "CTLOOP_KFP_INSTALL_NAMESPACE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _, lines, _ = cluster.run(capsys, *flag)
    line = lines["KFP API"]
    assert line.startswith("ok   KFP API ") and line.endswith(f"; {said})"), line


def test_doctor_names_the_spec_key(monkeypatch):
    from ctloop.ops import doctor

    monkeypatch.setenv("KFP_INSTALL_NAMESPACE", "kfp-system")
    opts = doctor.DoctorOptions(kfp_namespace="kfp-spec")  # options_from_spec's: the key is the default name
    assert doctor.Doctor(opts).install_said() == "KFP installed in kfp-spec: kfp.install_namespace of -f"
