"""Round 58's review of the hostile-input merge: a contract column name YAML reads as no text was refused with
advice quoting YAML's reading, not what was written (``1_000:`` → "quote it ('1000':)", ``0x1A:`` → '26',
``1.50:`` → '1.5'): following it renamed the column. The spec loader now refuses it where the text as written
and its line are known, and the advice, followed, names the column written."""

from __future__ import annotations

import re

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.spec import load_spec
from tests.helpers import REPO

EXAMPLE = (REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8")
COLUMN = "          income: {dtype"


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("1_000", "a number"),
        ("0x1A", "a number"),
        ("1.50", "a number"),
        ("1e3", "a number"),
        ("2024-01-01 10:00:00", "a date"),
    ],
)
def test_the_advice_quotes_the_name_as_written(tmp_path, key, kind):
    path = tmp_path / "ctloop.yaml"
    text = EXAMPLE.replace(COLUMN, f"          {key}: {{dtype: int}}\n{COLUMN}")
    path.write_text(text, encoding="utf-8")
    line = text[: text.index(f"          {key}:")].count("\n") + 1
    with pytest.raises(ConfigError) as refused:
        load_spec(path)
    said = str(refused.value)
    assert said == (
        f"{path} line {line}: columns: {key} ({kind} to YAML, not text) is no name: quote it ('{key}':)"
    ), said
    quoted = re.search(r"quote it \((.*):\)$", said).group(1)
    path.write_text(
        EXAMPLE.replace(COLUMN, f"          {quoted}: {{dtype: int}}\n{COLUMN}"), encoding="utf-8"
    )
    contract = load_spec(path).models[0].section("data").contract
    assert key in contract["columns"], list(
        contract["columns"]
    )  # the advice names the column written


def test_a_column_threshold_key_is_refused_as_written(tmp_path):
    path = tmp_path / "ctloop.yaml"
    text = EXAMPLE.replace("column_thresholds: {income: 0.2}", "column_thresholds: {0x1A: 0.2}")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"line \d+: column_thresholds: 0x1A \(a number to YAML, not text\) "
    ):
        load_spec(path)
