"""--mount-pvc / platform.pvc_mounts onto a path or a volume name the task pod already has.

The KFP 2.17.0 executor pod (backend/src/v2/compiler/argocompiler/container.go) already has the
emptyDir volumes kfp-launcher, gcs-scratch, s3-scratch, minio-scratch, dot-local-scratch,
dot-cache-scratch, dot-config-scratch, mounted at /kfp-launcher (the launcher binary the task's
command runs), /gcs, /s3, /minio, /.local, /.cache, /.config; the driver
(backend/src/v2/driver/k8s.go) names a PVC's volume after its claim and a secret's volume after the
secret, and appends ctloop's own secret volume (ctloop-gcp at /var/secrets/google,
ctloop.ops.settings) to the same pod spec. Argo merges that patch into the pod by volume name and
mount path (strategic merge): a claim named like one of those volumes makes a volume of two kinds
(refused: every task fails to start), a claim mounted on one of those paths replaces that mount (the
launcher is gone from /kfp-launcher, the GCP key is not mounted). Both compiled without a word.
A refused compile also left the pipelines it had written before the refusal in --output-dir.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.compiler import compile_all, compile_pipeline
from ctloop.errors import ConfigError


@pytest.mark.parametrize("mount", ["data:/var/secrets/google", "data:/kfp-launcher", "data:/gcs", "data:/.cache",
                                   "ctloop-gcp:/mnt/data", "kfp-launcher:/mnt/data", "s3-scratch:/mnt/data"])
def test_a_mount_onto_what_the_task_pod_already_has_is_refused(tmp_path, mount):
    claim, path = mount.split(":")
    with pytest.raises(ConfigError) as refused:
        compile_all(tmp_path, pvc_mounts=[(claim, path)])
    message = str(refused.value)
    assert mount in message and "\n" not in message
    assert not list(tmp_path.glob("*.yaml"))  # nothing half-written is left for `ctloop upload` to send


def test_the_cli_says_it_in_one_line(tmp_path, capsys):
    assert main(["compile", "--output-dir", str(tmp_path), "--mount-pvc", "data:/var/secrets/google"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "/var/secrets/google" in err and "ctloop-gcp" in err, err
    assert not list(tmp_path.glob("*.yaml"))


def test_a_refused_pipeline_leaves_no_file_and_an_earlier_one_stays(tmp_path):
    from ctloop.pipelines import all_pipelines

    func = all_pipelines()["rollout"]
    target = tmp_path / "rollout.yaml"
    compile_pipeline(func, target)
    before = target.read_text()
    with pytest.raises(ConfigError):
        compile_pipeline(func, target, pvc_mounts=[("data", "/kfp-launcher")])
    assert target.read_text() == before  # the good file is not replaced by a half-done one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rollout.yaml"]


def test_nested_and_ordinary_paths_still_compile(tmp_path):
    paths = compile_all(tmp_path, pvc_mounts=[("data", "/mnt/data"), ("keys", "/var/secrets/google-extra")])
    assert len(paths) == 4 and all("/mnt/data" in p.read_text() for p in paths)


@pytest.mark.parametrize("mounts", [[("data", "/mnt/../kfp-launcher")], [("data", "//gcs")], [("data", "/./.cache")],
                                    [("data", "/mnt/x"), ("other", "/mnt//x")]])
def test_a_path_written_another_way_is_the_same_path(tmp_path, mounts):
    """The container runtime mounts ``/mnt/../kfp-launcher`` at /kfp-launcher and ``/mnt//x`` at
    /mnt/x: spelled differently, they passed the checks that compare the text."""
    with pytest.raises(ConfigError, match="PVC mount"):
        compile_all(tmp_path, pvc_mounts=mounts)
    assert not list(tmp_path.glob("*.yaml"))
