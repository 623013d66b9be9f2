"""``ctloop doctor`` compares a PodDefault's ``OMP_NUM_THREADS`` with what the compiler gives trigger_training: its
resources as ctloop.yaml's ``platform.resources`` override them (round 60).

The compiler sets the step's ``OMP_NUM_THREADS`` from its CPU after the override
(``ctloop.ops.settings.apply_step_settings`` → ``step_resources(step, platform)``); the settings check compared
with the default resources (``task_env_entries("trigger_training", S)`` without the platform), so a PodDefault
equal to the compiled value was a FAIL and one equal to the default an ok that Kubeflow's admission webhook
(kubeflow/kubeflow ``components/admission-webhook/main.go`` ``mergeEnv``) then refuses."""

from __future__ import annotations

import yaml

from ctloop.cli import main
from ctloop.config import PlatformConfig
from ctloop.ops.settings import OMP_THREADS_ENV, omp_threads, step_resources, task_env_entries
from tests.ops.test_doctor import REPO, _token_pod_default, cluster, kubeflow_profiles  # noqa: F401 (fixture)


def _spec(tmp_path, url: str, cpu: str):
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["kfp"].update(host=url)
    data["kfp"].pop("namespace", None)
    data["platform"]["resources"] = {"trigger_training": {"cpu_request": cpu, "cpu_limit": cpu}}
    spec = tmp_path / "ctloop.yaml"
    spec.write_text(yaml.safe_dump(data))
    return spec


def _settings_line(running, capsys, spec) -> str:
    main(["doctor", "-f", str(spec), "--kubeconfig", str(running.kubeconfig), "--namespace", "kubeflow"])
    out = capsys.readouterr().out
    return next(line for line in out.splitlines() if line.split(" ", 1)[-1].lstrip().startswith("settings"))


def test_the_compiled_omp_threads_follow_the_override():
    """What the test below relies on: the override changes the step's compiled value (and the default is '1')."""
    platform = PlatformConfig(resources={"trigger_training": {"cpu_request": "4", "cpu_limit": "4"}})
    assert str(omp_threads(step_resources("trigger_training")["cpu_limit"])) == "1"
    assert task_env_entries("trigger_training", None, platform)[OMP_THREADS_ENV][1]["value"] == "4"


def test_doctor_compares_omp_threads_with_the_overridden_resources(cluster, capsys, tmp_path):  # noqa: F811
    cluster.kfp.multi_user = True
    kubeflow_profiles(cluster.kube)
    spec = _spec(tmp_path, cluster.kfp.url, "4")
    pd = _token_pod_default("access-ml-pipeline")
    pd["spec"]["env"].append({"name": "OMP_NUM_THREADS", "value": "4"})  # what trigger_training is compiled with
    cluster.kube.add(pd)
    line = _settings_line(cluster, capsys, spec)
    assert line.startswith("ok   settings in kubeflow"), line
    pd["spec"]["env"][-1]["value"] = "1"  # the default's value: the webhook refuses the overridden step's pod
    cluster.kube.add(pd)
    line = _settings_line(cluster, capsys, spec)
    assert line.startswith("FAIL settings: in kubeflow: PodDefault access-ml-pipeline"), line
    assert "OMP_NUM_THREADS, which ctloop's tasks set to '4'" in line, line
