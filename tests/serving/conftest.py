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


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """(directory, fit result, five rows): the credit model the serving runtime tests serve,
    trained and saved once per test process (was once per module: five modules)."""
    from ctloop.artifacts import save_model
    from ctloop.components.train.core import fit
    from ctloop.synthetic import CREDIT_TARGET, CREDIT_TIME_COLUMN, make_credit_data

    data = make_credit_data(4000, seed=3).drop(columns=[CREDIT_TIME_COLUMN])
    result = fit(data, target=CREDIT_TARGET, estimator="logistic_regression")
    directory = save_model(str(tmp_path_factory.mktemp("model") / "model-joblib"), result.model, result.meta)
    rows = data.drop(columns=[CREDIT_TARGET]).head(5).reset_index(drop=True)
    return directory, result, rows


@pytest.fixture(scope="session")
def runtime_started(trained, tmp_path_factory):
    """(http url, gRPC port, ``/metrics`` text) of the serving runtime (tests/serving/test_runtime_server.py
    ``start_runtime``) serving :func:`trained`, started once per test process (was once per module:
    four modules, each a KServe model server); the ``/metrics`` text is its first scrape, taken once it
    answered ready and before any test sent it a request."""
    import httpx

    from tests.fixtures.servers import stop_group, wait_http
    from tests.serving.test_runtime_server import MODEL, sha256_of, start_runtime

    directory, _, _ = trained
    log = tmp_path_factory.mktemp("runtime") / "runtime.log"
    proc, url = start_runtime(directory, log, sha256_of(directory))
    try:
        wait_http(f"{url}/v1/models/{MODEL}", proc, log, timeout=90)
        first = httpx.get(f"{url}/metrics", timeout=30).text
        yield url, proc.args[proc.args.index("--grpc_port") + 1], first
    finally:
        stop_group(proc)


@pytest.fixture(scope="session")
def runtime_served(runtime_started):
    """(http url, gRPC port) of :func:`runtime_started`: tests that count requests compare ``/metrics``
    before and after their own."""
    return runtime_started[:2]


@pytest.fixture
def runtime(runtime_served):
    """The http URL of :func:`runtime_served`."""
    return runtime_served[0]
