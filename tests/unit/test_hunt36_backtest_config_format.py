"""``ctloop backtest --config ctloop.yaml --model NAME`` read the model's ``data.uri`` without its
``data.format``: a table the pipeline's prepare_data reads (``events.dat`` with ``format: csv``)
was "cannot tell the format of 'events.dat'". An explicit --data is still read by its own name."""

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main

SPEC = """\
apiVersion: ctloop.dev/v1alpha2
kind: ContinuousTraining
models:
  - name: m
    data: {{uri: {uri}, format: {fmt}, target: y, time_column: ts}}
    training: {{estimator: logistic_regression}}
    gate: {{thresholds: {{roc_auc: 0.5}}, bootstrap_rounds: 20}}
    monitoring: {{log_root: /nonexistent/logs, window: 1D}}
"""


def frame(rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.random(rows)) * 4, unit="D")
    a = rng.normal(size=rows)
    return pd.DataFrame({"ts": ts, "a": a, "y": (a + rng.normal(0, 0.7, rows) > 0).astype(int)})


@pytest.mark.parametrize(("name", "fmt"), [("events.dat", "csv"), ("events.bin", "parquet")])
def test_the_models_data_format_reads_a_name_without_an_extension(tmp_path, capsys, name, fmt):
    path = tmp_path / name
    frame().to_csv(path, index=False) if fmt == "csv" else frame().to_parquet(path, index=False)
    (tmp_path / "ctloop.yaml").write_text(SPEC.format(uri=path, fmt=fmt))
    code = main(["backtest", "--config", str(tmp_path / "ctloop.yaml"), "--model", "m", "--policy", "never",
                 "--train-window", "1D", "--quiet", "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "backtest.json").is_file()


def test_an_explicit_data_flag_is_read_by_its_own_name(tmp_path, capsys):
    frame().to_parquet(tmp_path / "events.parquet", index=False)
    (tmp_path / "ctloop.yaml").write_text(SPEC.format(uri=tmp_path / "events.dat", fmt="csv"))
    code = main(["backtest", "--config", str(tmp_path / "ctloop.yaml"), "--model", "m", "--policy", "never",
                 "--data", str(tmp_path / "events.parquet"), "--train-window", "1D", "--quiet",
                 "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
