"""The CA of an https KFP host reaches the one step that calls the KFP API from its pod (round 59).

``trigger_training`` (the monitoring pipeline, ``KFP_API_STEPS``) is the only ctloop step that talks to KFP from
a pod (``ctloop approve`` starts its rollout run from the operator's shell). It builds
``Platform(host=kfp_host)``, which reads ``KFP_CA_FILE`` from its environment, but nothing put the variable or a
CA file into the pod: ``ctloop-settings`` carried ``PROMETHEUS_CA_FILE`` and ``MLFLOW_TRACKING_SERVER_CERT_PATH``,
not ``KFP_CA_FILE``, and no step mounted a CA. A monitoring schedule with ``kfp_host`` an https URL signed by a
private CA (cert-manager's issuer on the Kubeflow ingress) failed every trigger with "TLS failed ... give
--ca-file", a flag a task has not. Now ``KFP_CA_FILE`` and ``KFP_INSTALL_NAMESPACE`` are keys of
``ctloop-settings`` (optional ``configMapKeyRef``s: KFP backend >= 2.15.0, kubeflow/pipelines #12216, which
``ctloop`` already requires) and the step mounts the optional ConfigMap ``ctloop-kfp-ca`` at ``/etc/ctloop/kfp-ca``
(an optional ConfigMap volume is honoured by the 2.14.4 and 2.17.0 drivers alike: ``backend/src/v2/driver/k8s.go``
``configMapAsVolume.Optional``). Without a host the step reaches the ml-pipeline service over plain HTTP, and a
``KFP_CA_FILE`` it does not use is no longer read (a missing file stopped the trigger).

Review (round 59): under those names a profile's PodDefault for notebooks that sets ``KFP_CA_FILE`` and selects the
step (``access-ml-pipeline``) made Kubeflow's admission webhook refuse its pod. The keys now reach the task as
``CTLOOP_KFP_CA_FILE``/``CTLOOP_KFP_INSTALL_NAMESPACE``, and ``task_platform`` passes the CA as its ``ca_file``.
"""

from __future__ import annotations

import ssl

import pytest
import yaml
from kfp import compiler

from ctloop.ops.platform import Platform
from ctloop.ops.settings import KFP_API_STEPS
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_platform import isolate_kfp_env
from tests.ops.test_r58_kfp_token_without_host import pod_double


def _executors(tmp_path, pipeline) -> dict:
    path = tmp_path / "p.yaml"
    compiler.Compiler().compile(pipeline, str(path))
    return list(yaml.safe_load_all(path.read_text()))[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]


def test_the_step_that_calls_kfp_gets_its_ca_and_install_namespace(tmp_path):
    from ctloop.pipelines.continuous_training import continuous_training
    from ctloop.pipelines.monitoring import monitoring

    assert KFP_API_STEPS == {"trigger_training"}
    executors = _executors(tmp_path, monitoring)
    trigger = executors["exec-trigger-training"]
    (volume,) = trigger.get("configMapAsVolume") or [None]
    assert volume is not None, sorted(trigger)
    assert (volume["configMapName"], volume["mountPath"], volume["optional"]) == (
        "ctloop-kfp-ca", "/etc/ctloop/kfp-ca", True)
    (env,) = trigger["configMapAsEnv"]
    assert env["configMapName"] == "ctloop-settings" and env["optional"] is True
    keys = {e["configMapKey"]: e["envVar"] for e in env["keyToEnv"]}
    assert keys["KFP_CA_FILE"] == "CTLOOP_KFP_CA_FILE"
    assert keys["KFP_INSTALL_NAMESPACE"] == "CTLOOP_KFP_INSTALL_NAMESPACE"
    others = {**{k: v for k, v in executors.items() if k != "exec-trigger-training"},
              **_executors(tmp_path, continuous_training)}
    assert not [name for name, spec in others.items() if "configMapAsVolume" in spec]


def _env_names(spec: dict) -> set[str]:
    """The env names a compiled executor gives its container (KFP's driver: one ``valueFrom`` entry each)."""
    return {e["envVar"] for source in (*spec.get("configMapAsEnv", []), *spec.get("secretAsEnv", []))
            for e in source["keyToEnv"]}


def test_a_notebook_poddefault_setting_kfp_ca_file_does_not_refuse_the_trigger_pod(tmp_path):
    """kubeflow/kubeflow ``components/admission-webhook/main.go`` (main, 039f398e) ``mergeEnv``: a selecting
    PodDefault's env entry whose name the container already has must be ``reflect.DeepEqual`` to it, else
    ``safeToApplyPodDefaultsOnPod`` fails and the pod is not created. The task's entries are ``configMapKeyRef``s,
    a profile's PodDefault for notebooks sets ``{name: KFP_CA_FILE, value: /path}`` (docs/operations.md; the
    ``access-ml-pipeline`` PodDefault also selects trigger_training): never equal, so no such name may be the
    task's. Before: the task's env had ``KFP_CA_FILE`` and ``KFP_INSTALL_NAMESPACE``."""
    from ctloop.pipelines.monitoring import monitoring

    pod_default_env = {"KFP_CA_FILE", "KFP_INSTALL_NAMESPACE", "KF_PIPELINES_SA_TOKEN_PATH", "KF_PIPELINES_ENDPOINT"}
    trigger = _executors(tmp_path, monitoring)["exec-trigger-training"]
    assert not _env_names(trigger) & pod_default_env


def test_an_https_kfp_host_is_verified_with_the_ca_the_pod_gets(monkeypatch, tmp_path, private_ca):
    """What the task runs, ``task_platform(kfp_host)``, in a pod as the compiled executor makes it: the pipelines
    token, the ConfigMap ctloop-kfp-ca at its mount path, ctloop-settings' ``KFP_CA_FILE`` under the env name the
    executor maps it to, and a notebook PodDefault's own ``KFP_CA_FILE`` naming a file this pod has not."""
    from ctloop.ops.platform import task_platform
    from ctloop.pipelines.monitoring import monitoring

    trigger = _executors(tmp_path, monitoring)["exec-trigger-training"]
    (volume,) = trigger["configMapAsVolume"]
    (env,) = trigger["configMapAsEnv"]
    env_name = {e["configMapKey"]: e["envVar"] for e in env["keyToEnv"]}["KFP_CA_FILE"]
    isolate_kfp_env(monkeypatch, tmp_path)
    ca, cert, key = private_ca
    mount = tmp_path / volume["mountPath"].lstrip("/")
    mount.mkdir(parents=True)
    (mount / "ca.crt").write_bytes(ca.read_bytes())
    with pod_double(monkeypatch, tmp_path) as in_cluster:
        double = KfpApiDouble(tokens={"s3cr3t-pod": "ok"})
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        double.server.socket = context.wrap_socket(double.server.socket, server_side=True)
        with double:
            monkeypatch.setenv(env_name, str(mount / "ca.crt"))
            monkeypatch.setenv("KFP_CA_FILE", "/home/jovyan/kfp-ca.crt")  # the notebooks' PodDefault's
            platform = task_platform(f"https://{double.address}", timeout=5)
            platform.ensure_experiment("ctloop")
        assert {c.headers.get("authorization") for c in double.calls} == {"Bearer s3cr3t-pod"}
    assert not in_cluster.calls
    assert platform.auth.ca_source == f"CTLOOP_KFP_CA_FILE {mount / 'ca.crt'}"


def test_the_task_finds_kfp_where_ctloop_settings_says_it_is_installed(monkeypatch, tmp_path):
    """ctloop-settings' ``KFP_INSTALL_NAMESPACE`` reaches the task as ``CTLOOP_KFP_INSTALL_NAMESPACE``; a bad value
    is one line naming it."""
    from ctloop.errors import ConfigError
    from ctloop.ops.platform import install_namespace

    isolate_kfp_env(monkeypatch, tmp_path)
    monkeypatch.delenv("KFP_INSTALL_NAMESPACE", raising=False)
    monkeypatch.setenv("CTLOOP_KFP_INSTALL_NAMESPACE", "kfp-system")
    assert install_namespace() == "kfp-system"
    monkeypatch.setenv("CTLOOP_KFP_INSTALL_NAMESPACE", "KFP")
    with pytest.raises(ConfigError, match=r"^CTLOOP_KFP_INSTALL_NAMESPACE 'KFP': must be a Kubernetes namespace"):
        install_namespace()


def test_without_a_host_an_unused_ca_file_is_not_read(monkeypatch, tmp_path):
    """``KFP_CA_FILE`` set in ctloop-settings for another schedule's https host while the ConfigMap ctloop-kfp-ca
    is missing (its optional volume is an empty directory): a step without a host talks plain HTTP to the
    ml-pipeline service, and the missing file stopped it ("KFP_CA_FILE ...: no such file")."""
    isolate_kfp_env(monkeypatch, tmp_path)
    with pod_double(monkeypatch, tmp_path) as double:
        monkeypatch.setenv("KFP_CA_FILE", str(tmp_path / "kfp-ca" / "ca.crt"))
        Platform(timeout=5).ensure_experiment("ctloop")
    assert double.calls
