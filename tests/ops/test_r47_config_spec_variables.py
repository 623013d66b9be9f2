"""Round 47, config surface: ``${VAR}`` in ctloop.yaml.

Helm, docker compose and shells expand ``${DATA_BUCKET}``; ctloop reads the file as written. A
``data.uri: ${DATA_BUCKET}/credit.parquet`` was valid (a relative local path) and `apply` scheduled a
run that failed at night on the cluster. Such a value is now refused, naming where and the variable
(never the value: it may hold a secret)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ctloop.errors import ConfigError
from ctloop.ops.spec import parse_spec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ctloop.yaml"


def _example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("where", "value", "said"),
    [
        ("data", "${DATA_BUCKET}/credit.parquet", "${DATA_BUCKET}"),
        ("data", "gs://${BUCKET:-credit}/x.parquet", "${BUCKET:-credit}"),
        ("data", "$DATA_BUCKET/credit.parquet", "$DATA_BUCKET"),
    ],
)
def test_an_unexpanded_variable_is_refused_naming_where(where, value, said):
    data = _example()
    data["models"][0][where]["uri"] = value
    with pytest.raises(ConfigError) as err:
        parse_spec(data, "ctloop.yaml")
    assert f"models[0].data.uri: {said} is not expanded" in str(err.value)
    assert "envsubst" in str(err.value)


def test_the_value_itself_is_not_shown():
    data = _example()
    data["models"][0]["tracking_uri"] = "https://u:S3CRET@mlflow/${PORT}"
    with pytest.raises(ConfigError) as err:
        parse_spec(data, "ctloop.yaml")
    assert "models[0].tracking_uri: ${PORT} is not expanded" in str(
        err.value
    ) and "S3CRET" not in str(err.value)


def test_a_dollar_that_is_no_variable_stays():
    data = _example()
    data["models"][0]["data"]["uri"] = "gs://bucket/price$/x.parquet"  # an object name may hold '$'
    data["kfp"]["experiment"] = "cost-in-$"
    assert (
        parse_spec(data, "ctloop.yaml").models[0].section("data").uri
        == "gs://bucket/price$/x.parquet"
    )
