"""``release.rollback(failed_version=0)`` (an int, through the Python API) was taken for "no failed
version" (``if given``: 0 is falsy) and rolled the service back to the champion with nothing
tagged, no alias removed: MLflow numbers versions from 1, so version 0 names none. Refused like any
other bad version (``check_model_version``), before the registry or the cluster is asked. The
registry and the cluster are doubles that fail the test when touched (named as doubles)."""

from __future__ import annotations

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import ConfigError
from ctloop.serving import release


class _Untouched:
    """A double of the registry and of the InferenceServices client: any use fails the test."""

    def __getattr__(self, attr):
        raise AssertionError(f"touched: {attr}")


CFG = RolloutConfig(
    inference_service="credit", namespace="ml", traffic_plan=[5, 50], timeout_seconds=10
)


@pytest.mark.parametrize("field", ["failed_version", "to_version"])
@pytest.mark.parametrize("zero", [0, False, 0.0])
def test_version_zero_is_refused_before_anything_is_read(field, zero):
    given = {"failed_version": "2", "to_version": "", field: zero}
    with pytest.raises(ConfigError) as refused:
        release.rollback(_Untouched(), _Untouched(), model_name="m", reason="r", cfg=CFG, **given)
    assert str(refused.value).startswith(f"--{field.replace('_', '-')} / {field} {zero!r}: "), (
        refused.value
    )
    assert str(refused.value).endswith("; nothing written")
