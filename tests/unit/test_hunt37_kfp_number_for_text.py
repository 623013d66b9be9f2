"""A number given where a text field is expected is refused with the fix: quote it.

YAML and JSON read an unquoted ``2024`` or ``07.10`` as a number (``7.1``): ``target: 2024`` in
ctloop.yaml, ``--params '{"data": {"target": 2024}}'`` or ``--param 'data={"target": 2024}'`` was
``data.target: expected text, got 2024`` with the generic example ``target: default``, which does
not say what is wrong with 2024. The same check (``ctloop.config._convert``) serves every section.
"""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from tests.helpers import REPO

HINT = "expected text (quote it: YAML and JSON read it as a number)"


def _one_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_a_number_in_the_spec_for_a_text_field(tmp_path, capsys):
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["models"] = [data["models"][0]]
    data["models"][0]["data"]["target"] = 2024
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["apply", "-f", str(path), "--dry-run", "--host", "http://127.0.0.1:1"]) == 2
    assert f"models[0].data.target: {HINT}, got 2024" in _one_error(capsys)


@pytest.mark.parametrize("argv", [
    ["--params", '{"model_name": "m", "data": {"uri": "x.csv", "target": 2024, "time_column": "t"}}'],
    ["--param", "model_name=m", "--param", 'data={"uri": "x.csv", "target": 2024, "time_column": "t"}'],
])
def test_a_json_number_for_a_text_field(argv, capsys, monkeypatch):
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:0.1.0")
    assert main(["trigger", *argv, "--host", "http://127.0.0.1:1"]) == 2
    assert f"data.target: {HINT}, got 2024" in _one_error(capsys)


def test_other_wrong_types_keep_their_message():
    from ctloop.config import DataConfig

    errors: list[str] = []
    DataConfig.parse({"uri": "x.csv", "target": ["a"], "time_column": True}, "data", errors)
    assert any("data.target: expected text, got ['a']" in e for e in errors), errors
    # a boolean for text: the quote-it hint (tests/unit/test_fix37d_config_quote_hint.py)
    assert any("data.time_column: expected text (quote it: read as the boolean true;" in e for e in errors), errors
