"""A pipeline name the Kubernetes pipeline store refuses was sent to KFP instead of refused up front.

kubeflow/pipelines 2.17.0 can keep pipelines as Kubernetes objects (``pipeline_store: kubernetes`` in its
healthz, ``backend/src/apiserver/main.go``): a pipeline's name is then a Kubernetes object name, a DNS-1123
subdomain (``storage/pipeline_store_kubernetes.go`` ``CreatePipeline``), which the database store does not
require. ``ctloop schedule --pipeline-name Credit_Training`` compiled the pipeline and uploaded it, and KFP
answered 400 with its own wording ("Use 'display_name' for human-readable labels", a field ctloop has no
flag for). ctloop knows the store from healthz: the name is now refused before anything is sent, naming the
flag and the value, exit 2; the database store keeps taking it.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_a_name_the_kubernetes_store_refuses_is_refused_before_the_upload(
    monkeypatch, tmp_path, capsys
):
    with kfp_for_cli(monkeypatch, tmp_path, pipeline_store="kubernetes") as kfp:
        code = main(
            [
                "schedule",
                "--host",
                kfp.url,
                "--cron",
                "0 0 3 * * *",
                "--pipeline-name",
                "Credit_Training",
                *TRIGGER_PARAMS,
            ]
        )
        line = one_error_line(capsys)
        assert kfp.writes() == [], [(c.method, c.path) for c in kfp.writes()]
    assert code == 2, line
    assert "pipeline name 'Credit_Training'" in line and "Kubernetes" in line, line
    assert "— fix:" in line and "credit-training" in line, line
