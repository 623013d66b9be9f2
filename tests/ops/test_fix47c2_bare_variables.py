"""Fix 47c2: a bare ``$NAME`` is refused in every text value of ctloop.yaml but a data contract's.

Fix 47c refused the bare ``$NAME`` only under location-like keys, so ``kfp.experiment:
$KFP_EXPERIMENT`` passed and apply made an experiment literally named so, and ``data.target:
$TARGET`` passed to fail only at run time on the cluster. Only the values inside ``data.contract``
(allowed values, a description) may start with ``$``: ``allowed: ['$USD']`` is a currency code."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ctloop.errors import ConfigError
from ctloop.ops.spec import parse_spec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ctloop.yaml"


def _example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _set(data: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {}) if isinstance(data, dict) else data[key]
    data[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("kfp", "experiment"), "$KFP_EXPERIMENT", "kfp.experiment"),
        (("models", 0, "data", "target"), "$TARGET", "models[0].data.target"),
        (("models", 0, "data", "time_column"), "$TIME_COLUMN", "models[0].data.time_column"),
        (("models", 0, "gate", "slice_column"), "$SLICE", "models[0].gate.slice_column"),
        (
            ("models", 0, "monitoring", "score_column"),
            "$SCORE",
            "models[0].monitoring.score_column",
        ),
        (("defaults", "data", "target"), "$TARGET", "defaults.data.target"),
    ],
    ids=["experiment", "target", "time_column", "slice_column", "score_column", "defaults.target"],
)
def test_a_bare_variable_in_a_name_is_refused(path, value, where):
    data = _example()
    _set(data, path, value)
    with pytest.raises(ConfigError) as err:
        parse_spec(data, "ctloop.yaml")
    assert f"{where}: {value} is not expanded" in str(err.value)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (
            ("models", 0, "data", "contract", "columns", "currency"),
            {"dtype": "category", "allowed": ["$USD", "EUR"]},
        ),
        (
            ("models", 0, "data", "contract", "columns", "ticker"),
            {"description": "$AAPL and others"},
        ),
        (
            ("defaults", "data", "contract"),
            {"columns": {"currency": {"dtype": "category", "allowed": ["$USD"]}}},
        ),
    ],
    ids=["allowed", "description", "defaults.contract"],
)
def test_a_dollar_word_in_a_data_contract_stays_a_value(path, value):
    data = _example()
    if path[0] == "defaults":  # the model's own contract would replace it
        del data["models"][0]["data"]["contract"]
    _set(data, path, value)
    spec = parse_spec(data, "ctloop.yaml")
    assert "$" in str(spec.models[0].section("data").contract)


def test_a_bare_variable_as_the_contract_itself_is_refused():
    data = _example()
    data["models"][0]["data"]["contract"] = "$CONTRACT_FILE"
    with pytest.raises(
        ConfigError, match=r"models\[0\]\.data\.contract: \$CONTRACT_FILE is not expanded"
    ):
        parse_spec(data, "ctloop.yaml")
