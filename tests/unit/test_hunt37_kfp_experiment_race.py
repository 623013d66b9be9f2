"""An experiment created by another process just before ctloop's create is used, not an error.

Two monitoring triggers (or two ``apply``/``trigger`` runs) starting in a new experiment: kfp 2.17.0
``Client.create_experiment`` (``kfp/client/client.py``) looks the name up, then creates; when the
other process's create lands in between, names being unique per namespace, the second create is
``409 AlreadyExists`` (kubeflow/pipelines 2.17.0 ``backend/src/apiserver/storage/experiment_store.go``
``CreateExperiment``: ``NewAlreadyExistError``). ctloop failed that command ("HTTP 409 Conflict"):
a retrain a fired rule asked for did not start. The pipeline upload already handled its 409.
"""

from __future__ import annotations

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_api import KfpApiDouble

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


class Raced(KfpApiDouble):
    """Another process's ``POST /experiments`` of the same body lands just before ours."""

    races = 1

    def dispatch(self, method, path, query, body):
        if self.races and method == "POST" and path.endswith("/experiments"):
            self.races -= 1
            super().dispatch(method, path, query, body)
        return super().dispatch(method, path, query, body)


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    import tests.doubles.kfp_cli as kfp_cli

    monkeypatch.setattr(kfp_cli, "KfpApiDouble", Raced)
    with kfp_cli.kfp_for_cli(monkeypatch, tmp_path) as double:
        yield double


def test_an_experiment_created_meanwhile_is_used(kfp):
    experiment_id = Platform(host=kfp.url).ensure_experiment("ctloop")
    assert list(kfp.state.experiments) == [experiment_id]


def test_another_conflict_is_still_an_error(kfp, monkeypatch):
    platform = Platform(host=kfp.url)
    monkeypatch.setattr(platform, "find_experiment", lambda *a, **k: "")  # a 409 whose experiment is not found
    with pytest.raises(PlatformError, match="HTTP 409"):
        platform.ensure_experiment("ctloop")
