"""Round 58's hunt at the ctloop.yaml boundary (/tmp/r58dt/spec: 93 hostile files through ``load_spec`` and
``plan_schedules``, what ``ctloop apply`` runs before it says a file is valid). Four went through or crashed:

- a contract column name YAML reads as no text (``123:``, ``~:``, ``2024-01-01:``) passed the contract check
  (``str(name)``: ``~`` became the column 'None') and ``ctloop apply`` died in ``runtime_config_problem`` with
  ``TypeError: '<' not supported between instances of 'int' and 'str'`` (``json.dumps(sort_keys=True)``);
- ``allowed: [[north], {a: 1}]`` was taken: no text column holds a list;
- an integer of more than 4300 digits (``max: 1000…0``) raised Python's ``ValueError: Exceeds the limit (4300
  digits) for integer string conversion`` out of PyYAML's constructor, a traceback;
- ``hyperparameters: {max_iter: 1000…0}`` (400 digits) passed scikit-learn's constraints and the JSON checks
  (only floats were looked at) and reached KFP, whose API reads a number as a double (protojson,
  google.golang.org/protobuf ``encoding/protojson/decode.go`` ``unmarshalScalar``: ``strconv.ParseFloat``,
  out of range: HTTP 400) after ``apply`` uploaded the pipelines.
Each is now one line naming the key and the value, exit 2, nothing uploaded."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.contract import DataContract
from ctloop.errors import ConfigError
from ctloop.ops.spec import load_spec
from tests.helpers import REPO

EXAMPLE = (REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8")
COLUMN = "          income: {dtype"


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("123", "123 (a number to YAML, not text) is no name: quote it ('123':)"),
        (
            "~",
            "None (null to YAML: `~`, `null` or an empty key) is no name: give the column's name",
        ),
        (
            "2024-01-01",
            "2024-01-01 (a date to YAML, not text) is no name: quote it ('2024-01-01':)",
        ),
    ],
)
def test_a_column_name_yaml_reads_as_no_text_is_refused_naming_it(tmp_path, key, said):
    path = tmp_path / "ctloop.yaml"
    path.write_text(
        EXAMPLE.replace(COLUMN, f"          {key}: {{dtype: int}}\n{COLUMN}"), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as refused:
        load_spec(path)  # was: taken (str(name)), then a TypeError out of ctloop apply
    # the loader's refusal (round 58's review: with the line, and the name as written in the advice)
    line = EXAMPLE[: EXAMPLE.index(COLUMN)].count("\n") + 1
    assert str(refused.value) == f"{path} line {line}: columns: {said}"


@pytest.mark.parametrize(
    ("key", "said"), [("2024-01-01", "2024-01-01 (a date"), ("~", "None (null")]
)
def test_apply_refuses_a_key_that_is_no_text_in_any_parameter_mapping(tmp_path, capsys, key, said):
    path = tmp_path / "ctloop.yaml"
    path.write_text(
        EXAMPLE.replace(
            "{max_iter: 300, learning_rate: 0.05}",
            f"{{max_iter: 300, learning_rate: 0.05, class_weight: {{{key}: 1}}}}",
        ),
        encoding="utf-8",
    )
    # was: TypeError (a date key) or the key 'null' (json.dumps of None) without a word; a column's name
    # (contract.columns, drift.column_thresholds) is refused by the loader, with its line (test_r58_key_as_written)
    assert main(["apply", "-f", str(path), "--dry-run"]) == 2
    out, err = capsys.readouterr()
    assert "valid" not in out and "Traceback" not in err
    assert f"training.hyperparameters.class_weight: the key {said}" in err, err


@pytest.mark.parametrize("allowed", [[["north"]], [{"a": 1}], ["north", ["south"]]])
def test_allowed_values_are_single_values(allowed):
    with pytest.raises(
        ConfigError,
        match=r"contract\.columns\.region\.allowed\[\d\]: .* got \[|contract\.columns"
        r"\.region\.allowed\[\d\]: .* got \{",
    ):
        DataContract.from_dict({"columns": {"region": {"dtype": "category", "allowed": allowed}}})


def test_a_number_of_more_digits_than_python_reads_is_refused_with_its_line(tmp_path):
    path = tmp_path / "ctloop.yaml"
    path.write_text(EXAMPLE.replace("max: 5000000", "max: 1" + "0" * 5000), encoding="utf-8")
    line = EXAMPLE[: EXAMPLE.index("max: 5000000")].count("\n") + 1
    with pytest.raises(ConfigError, match=rf"line {line}: max: a number of 5001 digits"):
        load_spec(
            path
        )  # was: ValueError: Exceeds the limit (4300 digits) for integer string conversion


def test_a_hyperparameter_beyond_a_double_is_refused_before_kfp(tmp_path, capsys):
    path = tmp_path / "ctloop.yaml"
    path.write_text(EXAMPLE.replace("max_iter: 300", "max_iter: 1" + "0" * 400), encoding="utf-8")
    assert main(["apply", "-f", str(path), "--dry-run"]) == 2  # was: valid, then HTTP 400 from KFP
    out, err = capsys.readouterr()
    assert "valid" not in out and "training.hyperparameters.max_iter: 1000" in err, err
    assert "beyond a JSON number KFP reads (a double, at most 1.8e308)" in err, err
