"""Round 47, config surface: values a scheduled run could never use, refused when given.

- A storage location holding a control character (``--param 'data.uri=gs://b/x.parquet<newline>'``,
  a quoted ``"...\\n"`` in ctloop.yaml): ``storage.parse`` kept it in the object key, the schedule
  was made, and every run found no such object.
- The MLflow ``tracking_uri`` of ``ctloop schedule``/``trigger`` (``--param tracking_uri=...``) and of
  a model in ctloop.yaml: ``nosuch://x`` was scheduled, and every run failed at its first MLflow
  step; ``ctloop run --local`` and ``--tracking-uri`` already checked it by this rule.
"""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from ctloop.config import DataConfig, MonitoringConfig
from ctloop.errors import ConfigError
from tests.helpers import REPO

DATA = ["--param", "model_name=m", "--param", "data.target=y", "--param", "data.time_column=t"]


@pytest.mark.parametrize(
    "bad",
    ["gs://b/x.parquet\n", "s3://b/x\r.csv", "data/x\x00.csv"],
    ids=["newline", "carriage-return", "nul"],
)
def test_a_location_with_a_control_character_is_refused(bad):
    with pytest.raises(
        ConfigError, match=r"data\.uri: holds a control character .*a pasted newline\?"
    ):
        DataConfig.from_dict({"uri": bad, "target": "y", "time_column": "t"}, "data")
    with pytest.raises(ConfigError, match=r"monitoring\.log_root: holds a control character"):
        MonitoringConfig.from_dict({"log_root": bad}, "monitoring")


@pytest.mark.parametrize("command", [["schedule", "--cron", "0 0 3 * * *"], ["trigger"]])
@pytest.mark.parametrize(
    ("uri", "said"),
    [
        ("htps://mlflow", "did you mean https://"),  # a typo (fix47c2)
        ("http://mlflow:5000\n", "without blanks or control characters"),
    ],
    ids=["scheme", "newline"],
)
def test_schedule_and_trigger_check_the_tracking_uri_before_any_call(capsys, command, uri, said):
    code = main(
        [
            *command,
            "--host",
            "http://127.0.0.1:9",
            *DATA,
            "--param",
            "data.uri=gs://b/x.parquet",
            "--param",
            f"tracking_uri={uri}",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: --param tracking_uri: ") and said in err
    assert "cannot reach" not in err  # refused before KFP was asked


def test_apply_checks_each_models_tracking_uri_before_it_says_valid(tmp_path, capsys):
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8"))
    data["models"][1]["tracking_uri"] = "http://mlflow:50o0"
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    code = main(["apply", "-f", str(path), "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 2 and "valid" not in out
    assert "models[1].tracking_uri: is not a URL" in err and "'http://mlflow:50o0'" in err
