"""Written once (round 60 review 2: L4): "no setting named means ctloop.yaml's kfp.install_namespace" in one
place (DoctorOptions), and no helper kept for tests alone. (doctor's ``--kfp-namespace`` help keeps the key
literal: the CLI builds its parser without importing ctloop.ops.platform, as every other help text there.)"""

from __future__ import annotations

from pathlib import Path

from ctloop.cli import doctor as cli_doctor
from ctloop.ops import doctor, platform


def test_the_setting_name_is_resolved_once():
    for module, times in ((cli_doctor, 0), (doctor, 1)):  # once: DoctorOptions.kfp_namespace_setting
        text = Path(module.__file__).read_text()
        assert text.count("kfp_namespace_name or INSTALL_NAMESPACE_KEY") == times, module.__name__
    assert doctor.DoctorOptions().kfp_namespace_setting == platform.INSTALL_NAMESPACE_KEY
    assert doctor.DoctorOptions(kfp_namespace_name="--kfp-namespace").kfp_namespace_setting == "--kfp-namespace"


def test_no_sign_blob_helper_for_tests_alone():
    assert not hasattr(platform, "_sign_blob_refused")
