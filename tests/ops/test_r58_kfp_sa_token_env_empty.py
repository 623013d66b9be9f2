"""``KF_PIPELINES_SA_TOKEN_PATH`` set but empty (a Helm value or a PodDefault ``env`` that rendered to
``""``) is the default path to kfp, and was no path to ctloop.

kfp 2.17.0 ``kfp/client/set_volume_credentials.py`` ``ServiceAccountTokenVolumeCredentials.__init__``:
``path or os.getenv(KF_PIPELINES_SA_TOKEN_ENV) or KF_PIPELINES_SA_TOKEN_PATH``: an empty value falls back to
``/var/run/secrets/kubeflow/pipelines/token``. ctloop read ``os.environ.get(ENV, default)``, which is ``""``
then: with a host, the projected token there was not sent (HTTP 401, "no token was sent"), and the 401 in a
pod said it had "no pipelines token at " (no path).
"""

from __future__ import annotations

import pytest

from ctloop.ops import platform
from tests.ops.test_platform import isolate_kfp_env


@pytest.fixture
def default_token(monkeypatch, tmp_path):
    """The default token path (kfp's and ctloop's) moved to a file under ``tmp_path``."""
    import kfp.client

    isolate_kfp_env(monkeypatch, tmp_path)
    token = tmp_path / "token"
    token.write_text("header.payload.signature\n")
    monkeypatch.setattr(platform, "SA_TOKEN_PATH", str(token))
    monkeypatch.setattr(
        kfp.client, "KF_PIPELINES_SA_TOKEN_PATH", str(token)
    )  # set_volume_credentials' `client.`
    return token


@pytest.mark.parametrize("value", [None, "", "elsewhere"])
def test_the_token_file_is_the_one_kfp_reads(default_token, monkeypatch, tmp_path, value):
    from kfp.client import ServiceAccountTokenVolumeCredentials

    if value is None:
        monkeypatch.delenv("KF_PIPELINES_SA_TOKEN_PATH", raising=False)
    else:
        if value:
            value = str(tmp_path / value)
            (tmp_path / "elsewhere").write_text("other.token.value\n")
        monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", value)
    kfp_reads = str(ServiceAccountTokenVolumeCredentials()._token_path)
    auth = platform.resolve_auth("https://kubeflow.example.com/pipeline")
    assert auth.token_file == kfp_reads, auth
    assert auth.source == f"the in-cluster pipelines token {kfp_reads}"


@pytest.mark.parametrize("value", [{"value": ""}, {}], ids=["empty", "neither value nor valueFrom"])
def test_doctor_reads_a_poddefaults_empty_value_as_the_sdk_does(value):
    """``ctloop doctor``'s check of the PodDefault that gives ``trigger_training`` its token took an ``env``
    value ``""`` as the path the SDK reads, and so warned of a token "not at  where the KFP SDK reads it".
    An ``env`` with neither ``value`` nor ``valueFrom`` is ``""`` in the container as well (k8s.io/api
    core/v1 ``EnvVar.value``: defaults to the empty string), but was "not a plain value" that doctor could
    not check: only ``valueFrom`` is."""
    from ctloop.ops import doctor
    from tests.ops.test_doctor import _token_spec

    empty = [{"name": platform.SA_TOKEN_ENV, **value}]
    assert (
        doctor.pipelines_token_gap(
            [_token_spec(env=empty)], platform.SA_TOKEN_ENV, platform.SA_TOKEN_PATH
        )
        == ""
    )
    moved = [{"name": "volume-kf-pipeline-token", "mountPath": "/var/run/secrets/kfp"}]
    gap = doctor.pipelines_token_gap(
        [_token_spec(env=empty, volumeMounts=moved)], platform.SA_TOKEN_ENV, platform.SA_TOKEN_PATH
    )
    assert gap.endswith(
        f"not at {platform.SA_TOKEN_PATH} where the KFP SDK reads it "
        f"({platform.SA_TOKEN_ENV} empty: the default)"
    ), gap


def test_doctor_cannot_check_an_env_from_a_configmap():
    from ctloop.ops import doctor
    from tests.ops.test_doctor import _token_spec

    ref = [
        {
            "name": platform.SA_TOKEN_ENV,
            "valueFrom": {"configMapKeyRef": {"name": "kfp", "key": "path"}},
        }
    ]
    gap = doctor.pipelines_token_gap(
        [_token_spec(env=ref)], platform.SA_TOKEN_ENV, platform.SA_TOKEN_PATH
    )
    assert gap == (
        f"its env {platform.SA_TOKEN_ENV} is not a plain value, so where the SDK reads the token cannot be checked"
    )
