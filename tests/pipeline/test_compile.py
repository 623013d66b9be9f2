"""The compiled pipelines: deterministic, golden, one pinned image, no run-time pip installs."""

import re

import pytest
import yaml

from ctloop.cli import main
from ctloop.compiler import compile_all
from ctloop.errors import ConfigError
from ctloop.image import DEFAULT_IMAGE
from ctloop.pipelines import all_pipelines
from tests.helpers import REPO, check_golden

# libyaml's safe loader: the same documents as yaml.SafeLoader (same constructor), ~10x faster on a
# compiled pipeline (~0.3 s a file in pure Python)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def normalise(text: str) -> str:
    """Strip what changes with the SDK release or the package version, nothing else."""
    text = re.sub(r"sdkVersion: kfp-[0-9.]+", "sdkVersion: kfp-NORMALISED", text)
    return text.replace(DEFAULT_IMAGE, "CTLOOP_IMAGE")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    out = tmp_path_factory.mktemp("compiled")
    return {p.stem: p.read_text() for p in compile_all(out)}


def test_every_pipeline_compiles(compiled):
    assert set(compiled) == set(all_pipelines())
    assert "continuous-training" in compiled


def test_compile_is_deterministic(compiled, tmp_path, _kfp_compile_memo):
    with _kfp_compile_memo.bypassed():  # kfp's writer itself, not the bytes remembered (tests/conftest.py)
        again = {p.stem: p.read_text() for p in compile_all(tmp_path)}
    assert again == compiled


def test_compile_is_deterministic_across_processes(compiled, tmp_path):
    """Dict defaults come from protobuf maps whose order changes between processes.

    One other process, with a hash seed other than this one's, against this process's files: with
    the header's dict defaults left unsorted (``normalise_header`` returning its text) it failed 3
    runs of 3. A second process (seeds 1 and 2) only repeated that comparison, ~3-6 s a process."""
    import os
    import subprocess
    import sys

    seed = "2" if os.environ.get("PYTHONHASHSEED") == "1" else "1"
    out = tmp_path / seed
    subprocess.run([sys.executable, "-m", "ctloop", "compile", "--output-dir", str(out)], check=True,
                   capture_output=True, env={**{k: v for k, v in os.environ.items() if k != "CTLOOP_IMAGE"},
                                              "PYTHONHASHSEED": seed})
    assert {p.stem: p.read_text() for p in out.glob("*.yaml")} == compiled


@pytest.mark.parametrize("name", sorted(all_pipelines()))
def test_golden(compiled, name):
    check_golden(normalise(compiled[name]), REPO / "tests" / "golden" / "pipelines" / f"{name}.yaml")


def test_every_executor_uses_the_ctloop_image_without_pip(compiled):
    for name, text in compiled.items():
        doc = next(yaml.load_all(text, Loader=SAFE_LOADER))
        executors = doc["deploymentSpec"]["executors"]
        assert executors, name
        for exec_name, spec in executors.items():
            container = spec["container"]
            assert container["image"] == DEFAULT_IMAGE, (name, exec_name)
            command = " ".join(container.get("command", []) + container.get("args", []))
            assert "pip install" not in command, f"{name}/{exec_name} installs packages at run time"


def test_image_override_rewrites_every_executor(tmp_path):
    custom = "registry.example.com/ml/ctloop:0.1.0-mirror"
    for path in compile_all(tmp_path, image=custom):
        text = path.read_text()
        assert DEFAULT_IMAGE not in text
        assert custom in text
    # monitoring's triggered training runs are the uploaded continuous-training pipeline (ctloop
    # apply uploads both with the same image), so monitoring carries no image parameter of its own
    params = next(yaml.load_all((tmp_path / "monitoring.yaml").read_text(), Loader=SAFE_LOADER))["root"]["inputDefinitions"]
    assert "image" not in params["parameters"]


@pytest.mark.parametrize("bad", ["no-tag-image", "registry.example.com/ctloop:latest", "a b:1"])
def test_image_override_must_be_pinned(tmp_path, bad):
    with pytest.raises(ConfigError):
        compile_all(tmp_path, image=bad)


def test_cli_compile(tmp_path, capsys):
    assert main(["compile", "--output-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(printed) == sorted(str(tmp_path / f"{n}.yaml") for n in all_pipelines())


def test_pvc_mounts_reach_every_executor_and_bad_mounts_are_refused(tmp_path):
    from ctloop.compiler import parse_pvc_mount

    (path,) = [p for p in compile_all(tmp_path, pvc_mounts=[("ctloop-inference-log-records", "/mnt/inference-log")])
               if p.name == "monitoring.yaml"]
    main_doc, platform = list(yaml.load_all(path.read_text(), Loader=SAFE_LOADER))
    per_exec = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert set(main_doc["deploymentSpec"]["executors"]) <= set(per_exec)
    for name, spec in per_exec.items():
        assert {"constant": "ctloop-inference-log-records", "mountPath": "/mnt/inference-log",
                "pvcNameParameter": {"runtimeValue": {"constant": "ctloop-inference-log-records"}}} in spec["pvcMount"], name
        assert spec["configMapAsEnv"], name  # the platform settings are kept
    assert parse_pvc_mount("claim-1:/mnt/x/") == ("claim-1", "/mnt/x")
    for bad in ("claim", "Claim:/x", "claim:relative", ":/x"):
        with pytest.raises(ConfigError, match="CLAIM:PATH"):
            parse_pvc_mount(bad)
    assert main(["compile", "--output-dir", str(tmp_path / "cli"), "--mount-pvc", "data:/mnt/data"]) == 0
    doc = list(yaml.load_all((tmp_path / "cli" / "continuous-training.yaml").read_text(), Loader=SAFE_LOADER))[1]
    assert all(any(m["mountPath"] == "/mnt/data" for m in e["pvcMount"])
               for e in doc["platforms"]["kubernetes"]["deploymentSpec"]["executors"].values())


# ---------------------------------------------------------------------------- cluster settings
def _tasks(doc):
    """Every task of the compiled DAG (nested sub-DAGs included): name -> task spec."""
    out = {}
    components = doc["components"]

    def walk(dag):
        for name, task in dag.get("tasks", {}).items():
            out[name] = task
            sub = components.get(task["componentRef"]["name"], {})
            if "dag" in sub:
                walk(sub["dag"])

    walk(doc["root"]["dag"])
    return out


def test_every_step_has_resources_omp_threads_and_idempotent_steps_retry(compiled):
    from ctloop.config import STEPS
    from ctloop.ops.settings import RETRIED_STEPS, omp_threads, step_resources

    seen = set()
    for name, text in compiled.items():
        doc = next(yaml.load_all(text, Loader=SAFE_LOADER))
        executors = doc["deploymentSpec"]["executors"]
        tasks = _tasks(doc)
        for task_name, task in tasks.items():
            if "componentRef" not in task or "dag" in doc["components"][task["componentRef"]["name"]]:
                continue
            executor = executors[doc["components"][task["componentRef"]["name"]]["executorLabel"]]["container"]
            step = re.sub(r"-\d+$", "", task_name).replace("-", "_")
            seen.add(step)
            want = step_resources(step)
            res = executor["resources"]
            assert (res.get("resourceCpuLimit"), res.get("resourceMemoryLimit")) == (want["cpu_limit"],
                                                                                    want["memory_limit"]), task_name
            env = {e["name"]: e["value"] for e in executor.get("env", [])}
            assert env["OMP_NUM_THREADS"] == str(omp_threads(want["cpu_limit"])), task_name
            assert ("retryPolicy" in task) == (step in RETRIED_STEPS), (name, task_name)
    assert seen == STEPS  # platform.resources is checked against these names (config.PlatformConfig)


def test_every_pipeline_records_a_failed_or_cancelled_run(compiled):
    for name, text in compiled.items():
        doc = next(yaml.load_all(text, Loader=SAFE_LOADER))
        outcome = doc["root"]["dag"]["tasks"]["record-run-outcome"]
        assert outcome["triggerPolicy"]["strategy"] == "ALL_UPSTREAM_TASKS_COMPLETED", name
        group = outcome["inputs"]["parameters"]["status"]["taskFinalStatus"]["producerTask"]
        # the dsl.ExitHandler group (KFP names it exit-handler-N; our name is its display name)
        assert doc["root"]["dag"]["tasks"][group]["taskInfo"]["name"] == "record-outcome", name


def test_platform_settings_reach_the_compiled_pipeline(tmp_path):
    assert main(["compile", "--output-dir", str(tmp_path), "--resources",
                 '{"train_model": {"cpu_limit": "8", "memory_limit": "32G"}}', "--retries", "0",
                 "--node-selector", '{"pool": "ml"}',
                 "--tolerations", '[{"key": "ml", "operator": "Exists", "effect": "NoSchedule"}]']) == 0
    docs = list(yaml.load_all((tmp_path / "continuous-training.yaml").read_text(), Loader=SAFE_LOADER))
    train = docs[0]["deploymentSpec"]["executors"]["exec-train-model"]["container"]
    assert train["resources"]["resourceCpuLimit"] == "8" and train["resources"]["resourceMemoryLimit"] == "32G"
    assert {e["name"]: e["value"] for e in train["env"]}["OMP_NUM_THREADS"] == "8"
    assert not any("retryPolicy" in t for t in _tasks(docs[0]).values())
    platform = docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-train-model"]
    assert platform["nodeSelector"] == {"labels": {"pool": "ml"}}
    assert platform["tolerations"] == [{"key": "ml", "operator": "Exists", "effect": "NoSchedule"}]


def test_bad_platform_settings_are_one_line_before_anything_compiles(tmp_path, capsys):
    assert main(["compile", "--output-dir", str(tmp_path), "--resources", '{"train_model": {"cpus": "8"}}']) == 2
    assert "platform.resources.train_model.cpus: unknown key; did you mean 'cpu_" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:  # the flag obeys its field's rule, in argparse
        main(["compile", "--output-dir", str(tmp_path), "--retries", "-1"])
    assert refused.value.code == 2
    assert "argument --retries: must be in [0, 10], got '-1'" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.yaml"))


def test_cli_compile_takes_the_image_from_ctloop_image(tmp_path, monkeypatch):
    """docs/operations.md exports CTLOOP_IMAGE and then runs `ctloop compile`: the YAML named the
    unpullable placeholder all the same (the CLI passed only --image on). The order is
    ctloop.image.resolve_image's: --image, then CTLOOP_IMAGE, else the placeholder."""
    from ctloop.image import DEFAULT_IMAGE

    mine, flag = "registry.example.com/ml/ctloop:0.1.0", "registry.example.com/mirror/ctloop:0.1.0"
    monkeypatch.setenv("CTLOOP_IMAGE", mine)
    assert main(["compile", "--output-dir", str(tmp_path / "env")]) == 0
    text = (tmp_path / "env" / "continuous-training.yaml").read_text()
    assert f"image: {mine}" in text and DEFAULT_IMAGE not in text
    assert main(["compile", "--output-dir", str(tmp_path / "flag"), "--image", flag]) == 0
    assert f"image: {flag}" in (tmp_path / "flag" / "continuous-training.yaml").read_text()
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:latest")
    assert main(["compile", "--output-dir", str(tmp_path / "bad")]) == 2


@pytest.mark.parametrize("image,mounts", [
    ("registry.example.com/ml/ctloop:0.1.0", ()),
    (None, (("1e5", "/mnt/x"),)),
    ("registry.example.com/ml/ctloop@sha256:" + "a" * 64, (("data", "/mnt/data"), ("true", "/mnt/t"))),
], ids=["image", "look-alike-claim", "digest-and-claims"])
def test_an_image_and_mounts_written_at_once_are_the_steps_one_after_the_other(tmp_path, image, mounts):
    """ctloop.compiler._finished loads KFP's text once and writes it once: the bytes are those of
    rewrite_images, then add_pvc_mounts, then quote_for_yaml12, each writing what the next reads
    (batch-scoring, the smallest pipeline; a node selector YAML 1.2 reads as a number)."""
    from kfp import compiler

    from ctloop.compiler import (
        _finished,
        add_pvc_mounts,
        normalise_header,
        quote_for_yaml12,
        rewrite_images,
    )
    from ctloop.config import PlatformConfig

    func = all_pipelines(PlatformConfig.from_dict({"node_selector": {"pool": "0o17"}}))["batch-scoring"]
    compiler.Compiler().compile(func, str(tmp_path / "kfp.yaml"))
    text = (tmp_path / "kfp.yaml").read_text()
    stepwise = normalise_header(text)
    if image:
        stepwise = rewrite_images(stepwise, image)
    if mounts:
        stepwise = add_pvc_mounts(stepwise, list(mounts))
    stepwise = quote_for_yaml12(stepwise)
    assert _finished.__wrapped__(text, image, mounts) == stepwise
    assert "'0o17'" in stepwise and (not image or f"image: {image}" in stepwise)
