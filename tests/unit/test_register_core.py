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


def test_registration_id_is_one_per_task_and_none_outside_kfp():
    """Round 54: what identifies one register_model task in each of its KFP retries (the placeholders its
    driver fills in once, kubeflow/pipelines 2.17.0 ``backend/src/v2/driver/resolve.go`` ~436-446)."""
    from ctloop.components.register.core import registration_id

    task = {"model_name": "m", "model_uri": "models:/m-1", "pipeline_run_id": "run-1",
            "pipeline_task_name": "register-model", "pipeline_task_id": "17"}
    first = registration_id(**task)
    assert len(first) == 32 and int(first, 16) >= 0
    assert registration_id(**task) == first  # every attempt of the task
    others = [registration_id(**{**task, key: value}) for key, value in
              [("pipeline_run_id", "run-2"), ("pipeline_task_id", "18"), ("pipeline_task_name", "register-model-2"),
               ("model_uri", "models:/m-2"), ("model_name", "n")]]
    assert len({first, *others, registration_id(**task, step="register-event")}) == 7
    # outside KFP (a placeholder empty or not filled in): "" (each call registers anew)
    assert registration_id(**{**task, "pipeline_task_id": ""}) == ""
    assert registration_id(**{**task, "pipeline_run_id": "{{$.pipeline_job_uuid}}"}) == ""
