"""``register`` points alias ``challenger`` at the newest READY version that is no retried create's
copy (``ctloop.duplicate_of``), reading back what a concurrent run wrote. It read the first page of
MLflow's model-version search only: one page is at most ``max_results`` versions (mlflow 3.17.2
``store/model_registry/__init__.py`` SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT = 10000, a server may
answer fewer) in the default order ``last_updated_timestamp DESC`` (``sqlalchemy_store.py``
``search_model_versions``), so versions updated since (a description edited in the UI) pushed the
newest versions and the copies onto later pages: ``challenger`` was left on a copy, or behind the
newest version. Here a page holds two versions (a server answering small pages)."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.registry import CHALLENGER, TAG_DUPLICATE_OF, TAG_REGISTRATION_ID, MlflowRegistry

pytestmark = pytest.mark.slow


def _small_pages(reg: MlflowRegistry) -> None:
    raw = reg.client._client
    real = raw.search_model_versions

    def two_a_page(filter_string=None, max_results=None, order_by=None, page_token=None):
        return real(filter_string, max_results=2, order_by=order_by, page_token=page_token)

    raw.search_model_versions = two_a_page


@pytest.fixture
def model(mlflow_url):
    name = f"r39-pages-{uuid.uuid4().hex[:8]}"
    c = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    c.create_registered_model(name)
    for i in range(5):
        c.create_model_version(name, f"s3://r39/m{i}", tags={TAG_REGISTRATION_ID: uuid.uuid4().hex})
    return c, name


def test_challenger_leaves_a_copy_found_on_a_later_page(model, mlflow_url):
    c, name = model
    c.set_model_version_tag(name, "5", TAG_DUPLICATE_OF, "4")  # v5: a retried create's copy of v4
    c.set_registered_model_alias(name, CHALLENGER, "5")  # written by a late, concurrent run
    for version in ("1", "2"):  # edited since: the first page of the default order
        c.update_model_version(name, version, description="edited in the UI")
    reg = MlflowRegistry(mlflow_url)
    _small_pages(reg)
    reg._point_challenger(name, 4)
    assert reg.aliases(name) == {CHALLENGER: "4"}


def test_challenger_moves_to_the_newest_version_on_a_later_page(model, mlflow_url):
    c, name = model
    c.set_registered_model_alias(name, CHALLENGER, "3")  # a run's late write behind v5
    for version in ("1", "2"):
        c.update_model_version(name, version, description="edited in the UI")
    reg = MlflowRegistry(mlflow_url)
    _small_pages(reg)
    reg._point_challenger(name, 3)
    assert reg.aliases(name) == {CHALLENGER: "5"}
