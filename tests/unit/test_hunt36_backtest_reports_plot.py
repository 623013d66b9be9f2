"""``ctloop labels report --output``: the plot labels its lines (and bars) with the model versions or
revisions of the inference log, producer data. Text between two ``$`` is TeX to matplotlib
(3.11 ``mathtext``): a version such as ``v$^$`` failed the PNG's save with a ValueError traceback,
after the table was printed. It is drawn as written."""

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.labels.store import ingest_labels

T0 = pd.Timestamp("2026-02-01T10:00:00Z")


@pytest.fixture
def roots(tmp_path):
    d = tmp_path / "log" / "model=m" / f"date={T0:%Y-%m-%d}" / "revision=m-00001"
    d.mkdir(parents=True)
    pd.DataFrame({"request_id": [f"q{i}" for i in range(6)], "instance": 0, "model_version": "v$^$",
                  "revision": "m-00001", "has_request": True, "has_response": True,
                  "prediction_0": [0.1, 0.8, 0.3, 0.6, 0.2, 0.9], "prediction_1": [0.9, 0.2, 0.7, 0.4, 0.8, 0.1],
                  "time": [(T0 + pd.Timedelta(seconds=i)).isoformat() for i in range(6)]}
                 ).to_parquet(d / "part-0.parquet", index=False)
    (tmp_path / "labels.csv").write_text("request_id,label\n" + "".join(f"q{i},{i % 2}\n" for i in range(6)))
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "store"))
    return tmp_path


@pytest.mark.parametrize("window", [[], ["--window", "1h"]])
def test_a_model_version_holding_dollar_signs_is_plotted_as_written(roots, capsys, window):
    code = main(["labels", "report", "--log-root", str(roots / "log"), "--store", str(roots / "store"),
                 "--model-name", "m", "--start", "2026-02-01T00:00:00Z", "--end", "2026-02-02T00:00:00Z",
                 "--output", str(roots / "out"), *window])
    out = capsys.readouterr().out
    assert code == 0 and "v$^$" in out
    assert (roots / "out" / "realized.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow  # a sqlite MLflow registry: its migrations take most of 15 s here
def test_a_registered_model_named_with_dollar_signs_gets_its_history_plot(tmp_path, capsys):
    """MLflow takes ``fraud$^$`` as a model name (``ctloop.registry.check_model_name``); the
    history plot's title, "monitoring history of fraud$^$", failed the same way."""
    from mlflow import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri, registry_uri=uri)
    client.create_registered_model("fraud$^$")
    client.create_model_version("fraud$^$", source=str(tmp_path), run_id=None)
    code = main(["monitor", "history", "--model-name", "fraud$^$", "--tracking-uri", uri,
                 "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "monitor-history.png").read_bytes()[:4] == b"\x89PNG"
