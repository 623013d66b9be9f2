"""Run by tests/unit/test_temp_cleanup.py as a pytest session of its own (the name does not
match ``test_*.py``: the main session does not collect it). Each test leaves in the temporary
directory what the real suite leaves there: kfp.local's workspace and task copies, mlflow's
sqlite init lock. No ``from __future__ import annotations``: KFP reads the annotations."""

from kfp import dsl, local


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def echo(text: str) -> str:
    return text


def test_a_kfp_local_task(tmp_path):
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path / "root"))
    assert echo(text="hi").output == "hi"


def test_an_mlflow_sqlite_store(sqlite_tracking):
    import mlflow

    from ctloop.tracking import configure

    configure(sqlite_tracking)
    assert mlflow.MlflowClient().search_experiments()
