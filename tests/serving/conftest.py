"""Fixtures of the serving tests that drive ``ctloop.serving`` against the Kubernetes API double:
``kube``, a :class:`tests.doubles.kube_api.KubeApiDouble` whose revisions become ready on the
first read after a write, and ``isvcs``, the InferenceServices client of namespace ``ml`` on it.
A test module that needs another double or namespace defines its own (a module's fixture wins)."""

from __future__ import annotations

import pytest

from ctloop.serving.kube import InferenceServices
from tests.doubles.kube_api import KubeApiDouble

# the store that ``registered`` copies, registered once per test process (a session fixture): every
# module importing ``registered`` (from test_rollout_components) gets it here, never defines its own
from tests.fixtures.rollout_store import registered_template  # noqa: F401

NAMESPACE = "ml"


@pytest.fixture
def kube():
    with KubeApiDouble(ready_after_reads=1) as double:
        yield double


@pytest.fixture
def isvcs(kube):
    return InferenceServices(NAMESPACE, api_client=kube.api_client())
