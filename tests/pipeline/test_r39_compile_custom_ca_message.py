"""The refusal of a claim named ``custom-ca`` or mounted at /kfp/certs says when KFP adds that
volume: only on a cluster whose KFP API server sets ``CABUNDLE_SECRET_NAME`` or
``CABUNDLE_CONFIGMAP_NAME`` (kfp 2.17.0 ``backend/src/v2/compiler/argocompiler/common.go``
``ConfigureCustomCABundle``), not "in every task pod" as for the launcher's own volumes."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize("mount", ["custom-ca:/mnt/y", "data:/kfp/certs"])
def test_the_ca_bundle_refusal_names_the_cluster_setting(tmp_path, mount, capsys):
    assert main(["compile", "--output-dir", str(tmp_path / "o"), "--mount-pvc", mount]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "CABUNDLE_SECRET_NAME" in err and "in every task pod" not in err


def test_the_launcher_volume_refusal_still_says_every_task_pod(tmp_path, capsys):
    assert main(["compile", "--output-dir", str(tmp_path / "o"), "--mount-pvc", "kfp-launcher:/mnt/y"]) == 2
    err = capsys.readouterr().err
    assert "in every task pod" in err and "CABUNDLE" not in err
