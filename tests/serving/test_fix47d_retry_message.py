"""A deploy's retry refused by a change outside names its version as every other line: ``v2``.

``rollout._retry``'s step read ``… after it was read for 2 ready with 10 % traffic …``; the other
steps say ``v2 … ready``. Through tests/doubles/kube_api.py (tests/serving/conftest.py)."""

from __future__ import annotations

import pytest

from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.rollout import ChangedOutside
from tests.serving.test_r47_serving_conditional_retry import NAME, V2, V3, Meanwhile, _failed_canary


def test_the_retry_refusal_names_the_version(isvcs, kube):
    _failed_canary(isvcs, kube)
    other = specs.canary_patch(version="3", storage_uri=V3, percent=30)
    with pytest.raises(
        ChangedOutside, match=r"read for v2 ready with 10 % traffic \(a new revision after"
    ):
        rollout.deploy(
            Meanwhile(isvcs, other),
            name=NAME,
            model_name="credit",
            version="2",
            storage_uri=V2,
            percent=10,
            timeout_s=4,
        )
