"""``ctloop config validate`` (and ``apply``'s check of the whole file) accepted a
``platform.pvc_mounts`` entry no task pod can take (``data:/kfp-launcher``, a claim named
``var-run-argo``): only compiling refused it, after the spec had been reported valid. The names
and paths every KFP 2.17.0 task pod has (``ctloop.config.KFP_POD_VOLUMES``) are checked with the
rest of the file, by the same function ``compile --mount-pvc`` calls."""

from __future__ import annotations

import pytest

from ctloop.config import pvc_mounts


@pytest.mark.parametrize("mount", ["data:/kfp-launcher", "data:/kfp-launcher/", "data:/mnt/../gcs",
                                   "kfp-launcher:/mnt/x", "tmp-dir-argo:/mnt/x", "data:/var/run/argo"])
def test_a_mount_every_task_pod_already_has_is_refused_by_the_config_check(mount):
    problem = pvc_mounts([mount])
    assert problem is not None and "PVC mount" in problem and "\n" not in problem


@pytest.mark.parametrize("mounts", [["data:/mnt/data"], ["a:/mnt/a", "b:/mnt/b"], ["logs:/var/run/logs"]])
def test_ordinary_mounts_pass(mounts):
    assert pvc_mounts(mounts) is None


def test_two_spellings_of_one_path_are_one_path():
    assert "mount two claims" in (pvc_mounts(["a:/mnt/x", "b:/mnt//x"]) or "")
