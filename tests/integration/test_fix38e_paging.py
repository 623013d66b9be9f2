"""Reading page after page while another run writes: MLflow pages by offset (mlflow 3.17.2
``store/model_registry/sqlalchemy_store.py`` ``search_model_versions``, default order
``last_updated_timestamp DESC``; ``store/tracking/sqlalchemy_store.py`` ``search_runs``), so a version
or an audit record made between two pages pushes one already read onto the next page: it was listed
twice (and the newest-N audit read came back short)."""

from __future__ import annotations

import uuid

import pytest

from ctloop.registry import MlflowRegistry

pytestmark = pytest.mark.slow


def test_a_version_made_while_paging_lists_each_version_once(mlflow_url):
    name = f"fix38e-page-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    c = reg.client._client
    c.create_registered_model(name)
    for i in range(5):
        c.create_model_version(name, f"s3://fix38e/m{i}")
    real, calls = c.search_model_versions, []

    def small_pages(filter_string=None, max_results=None, order_by=None, page_token=None):
        calls.append(1)
        page = real(filter_string, max_results=2, order_by=order_by, page_token=page_token)
        if len(calls) == 1:
            c.create_model_version(name, "s3://fix38e/new")  # a registration while versions() pages
        return page

    c.search_model_versions = small_pages
    assert [v.version for v in reg.versions(name)] == ["1", "2", "3", "4", "5", "6"]


def test_a_record_made_while_paging_leaves_the_newest_n_whole(mlflow_url):
    name = f"fix38e-page-{uuid.uuid4().hex[:8]}"
    reg = MlflowRegistry(mlflow_url)
    for i in range(5):
        reg.record_event(name, "", {"event": f"e{i}"})
    c = reg.client._client
    real, calls = c.search_runs, []

    def small_pages(experiment_ids, filter_string="", run_view_type=1, max_results=1000, order_by=None,
                    page_token=None):
        calls.append(1)
        page = real(experiment_ids, filter_string=filter_string, max_results=2, order_by=order_by,
                    page_token=page_token)
        if len(calls) == 1:
            reg.record_event(name, "", {"event": "late"})
        return page

    c.search_runs = small_pages
    runs = reg._search_audit(name, limit=4, newest=True)
    assert len({r.info.run_id for r in runs}) == len(runs) == 4, [r.data.tags for r in runs]
