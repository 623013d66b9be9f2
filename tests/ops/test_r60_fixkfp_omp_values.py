"""doctor's line on a PodDefault setting OMP_NUM_THREADS for every step names the values the steps are compiled with
(round 60 review: L8): from ``task_env_entries(step, S, platform)`` across ctloop's steps (``ctloop.config.STEPS``),
not a hard-coded "('1' and '2' in one compiled pipeline)" (the defaults give train_model '4'; ``platform.resources``
changes them); without ``-f`` the default resources are assumed, and said so."""

from __future__ import annotations

import yaml

from ctloop.cli import main
from ctloop.config import STEPS, PlatformConfig
from ctloop.ops.doctor import omp_values
from tests.ops.test_doctor import REPO, _token_pod_default, cluster, kubeflow_profiles, pod_default  # noqa: F401


def test_the_values_are_the_compiled_ones():
    assert omp_values(None) == ["1", "2", "4"]  # SMALL_STEP, prepare_data..., train_model
    every = {step: {"cpu_request": "3", "cpu_limit": "3"} for step in STEPS}
    assert omp_values(PlatformConfig(resources=every)) == ["3"]


def _everywhere(running, value: str) -> None:
    running.kfp.multi_user = True
    kubeflow_profiles(running.kube)
    running.kube.add(_token_pod_default("access-ml-pipeline"))
    pd = pod_default("threads", {})
    pd["spec"]["env"] = [{"name": "OMP_NUM_THREADS", "value": value}]
    running.kube.add(pd)


def test_without_f_the_default_resources_are_named_as_assumed(cluster, capsys):  # noqa: F811
    _everywhere(cluster, "1")
    _, lines, _ = cluster.run(capsys, "--namespace", "kubeflow")
    line = lines["settings"]
    assert line.startswith("FAIL settings: in kubeflow: PodDefault threads sets env OMP_NUM_THREADS"), line
    assert ("ctloop's tasks each set it from their own CPU ('1', '2' and '4' across ctloop's compiled pipelines; "
            "the default resources assumed: no -f)") in line, line


def test_with_f_one_value_for_every_step_is_no_refusal(cluster, capsys, tmp_path):  # noqa: F811
    _everywhere(cluster, "3")
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["kfp"].update(host=cluster.kfp.url)
    data["kfp"].pop("namespace", None)
    data["platform"]["resources"] = {step: {"cpu_request": "3", "cpu_limit": "3"} for step in sorted(STEPS)}
    spec = tmp_path / "ctloop.yaml"
    spec.write_text(yaml.safe_dump(data))
    code = main(["doctor", "-f", str(spec), "--kubeconfig", str(cluster.kubeconfig), "--namespace", "kubeflow"])
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.split(" ", 1)[-1].lstrip().startswith("settings"))
    assert line.startswith("ok   settings in kubeflow: "), line
    assert "sets env OMP_NUM_THREADS and its selector" not in line, line
    # 1: the one FAIL is RBAC's (the example's service account in the double's cluster), not the settings line
    assert code == 1 and [x.split(":")[0] for x in out.splitlines() if x.startswith("FAIL ")] == ["FAIL RBAC"], out
