"""Fix 47c: which ``$`` in ctloop.yaml is an unexpanded environment variable.

Round 47 refused ``$NAME`` at the start of every text value, so a contract's
``allowed: ['$USD', '$EUR']`` (currency codes, ticker symbols) could not be written at all. Now
``${NAME}`` is refused wherever it is (no value means it), and the bare ``$NAME`` only in the
fields that name a place: a data or log URI, the tracking URI, the KFP host, the image."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ctloop.errors import ConfigError
from ctloop.ops.spec import parse_spec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ctloop.yaml"


def _example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def _columns(data: dict) -> dict:
    return data["models"][0]["data"]["contract"]["columns"]


def test_dollar_words_in_a_contract_are_values():
    data = _example()
    _columns(data)["region"] = {"dtype": "category", "allowed": ["$USD", "$EUR", "GBP"]}
    spec = parse_spec(data, "ctloop.yaml")
    assert "$USD" in str(spec.models[0].section("data").contract)


def test_a_braced_variable_in_a_contract_is_still_refused():
    data = _example()
    _columns(data)["region"] = {"dtype": "category", "allowed": ["${REGIONS}"]}
    with pytest.raises(ConfigError, match=r"allowed\[0\]: \$\{REGIONS\} is not expanded"):
        parse_spec(data, "ctloop.yaml")


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("models", 0, "tracking_uri"), "$MLFLOW_URI", "models[0].tracking_uri"),
        (
            ("models", 0, "monitoring", "log_root"),
            "$LOG_ROOT/credit",
            "models[0].monitoring.log_root",
        ),
        (("kfp", "host"), "$KFP_HOST", "kfp.host"),
        (("platform", "image"), "$CTLOOP_IMAGE", "platform.image"),
    ],
    ids=["tracking_uri", "log_root", "kfp.host", "image"],
)
def test_a_bare_variable_in_a_location_is_refused(path, value, where):
    data = _example()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ConfigError) as err:
        parse_spec(data, "ctloop.yaml")
    assert f"{where}: {value.split('/')[0]} is not expanded" in str(err.value)
