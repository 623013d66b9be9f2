from ctloop.components.register.core import registration_tags


def test_registration_tags_record_lineage_and_numeric_metrics():
    tags = registration_tags(
        meta={"task": "classification", "estimator": "hist_gradient_boosting", "target": "default",
              "sklearn_version": "1.9.1", "dataset_digest": "from-meta"},
        gate_metrics={"challenger_roc_auc": 0.81234567, "approved": True, "note": "text"},
        gate_reason="all checks passed",
        dataset_digest="abc123",
        pipeline_run_id="run-1",
        pipeline_run_name="ct-2026",
        code_version="ctloop 0.1.0",
    )
    assert tags["ctloop.dataset_digest"] == "abc123"
    assert tags["ctloop.pipeline_run_id"] == "run-1"
    assert tags["ctloop.gate_decision"] == "approved"
    assert tags["ctloop.metric.challenger_roc_auc"] == "0.812346"
    # booleans and strings are not metrics
    assert "ctloop.metric.approved" not in tags and "ctloop.metric.note" not in tags


def test_digest_falls_back_to_model_meta():
    tags = registration_tags(meta={"dataset_digest": "from-meta"}, gate_metrics={}, gate_reason="",
                             dataset_digest="", pipeline_run_id="", pipeline_run_name="",
                             code_version="x")
    assert tags["ctloop.dataset_digest"] == "from-meta"
