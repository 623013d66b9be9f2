"""``ctloop run --local`` with a character beyond U+FFFF (an emoji) in a parameter, say a data path.

``pipeline_arguments`` refuses such a character because kubeflow/pipelines 2.17.0 cannot store it in a
run (``backend/src/apiserver/client/sql.go`` ``CreateMySQLConfig``: MySQL ``charset=utf8``). A local
run goes through the same function but never reaches KFP's database, and was refused with "KFP would
fail with HTTP 500". Now only the KFP paths (``schedule``, ``trigger``, ``apply``) refuse it; a local
run takes it. A NaN stays refused locally too: kfp 2.17.0 ``kfp/local/executor_input_utils.py``
hands a task its parameters through ``json_format.MessageToDict``, which raises on a NaN
``Value.number_value`` ("Fail to serialize NaN"), a traceback in the middle of the run.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main

PARAMS = ["--param", "data.target=default", "--param", "data.time_column=application_date",
          "--param", "model_name=credit", "--cold"]


class Started(Exception):
    pass


@pytest.fixture
def started(monkeypatch):
    seen = {}

    def run_pipeline_locally(func, params, **kwargs):
        seen.update(params)
        raise Started

    monkeypatch.setattr("ctloop.local.run_pipeline_locally", run_pipeline_locally)
    return seen


def test_a_data_path_with_an_emoji_runs_locally(tmp_path, monkeypatch, started, capsys):
    folder = tmp_path / "daten \U0001F680"
    folder.mkdir()
    table = folder / "credit.csv"
    table.write_text("application_date,x,default\n2025-01-01,1,0\n2025-01-02,2,1\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Started):
        main(["run", "--local", "--data", str(table), *PARAMS])
    assert "\U0001F680" in started["data"]["uri"]


def test_a_nan_is_still_refused_locally(tmp_path, monkeypatch, started, capsys):
    table = tmp_path / "credit.csv"
    table.write_text("application_date,x,default\n2025-01-01,1,0\n2025-01-02,2,1\n")
    monkeypatch.chdir(tmp_path)
    code = main(["run", "--local", "--data", str(table), *PARAMS, "--param",
                 'training.hyperparameters={"monotonic_cst": [1, NaN]}'])
    assert code == 2 and not started
    err = capsys.readouterr().err
    assert "training.hyperparameters.monotonic_cst[1]" in err and "NaN" in err and "KFP refuses" not in err
