"""``target: null`` (or ``~``) in ctloop.yaml, or ``--param data.target=null``, was ``expected text,
got None`` with no hint: YAML reads an unquoted null as no value, and only quotes keep the word."""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from tests.helpers import REPO
from tests.unit.test_fix37d_config_quote_hint import _one_error


@pytest.mark.parametrize("text", ["null", "~", "NULL"])
def test_a_yaml_null_for_a_text_field_says_quote_it(tmp_path, capsys, text):
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["models"] = [data["models"][0]]
    data["models"][0]["data"]["target"] = "PLACEHOLDER"
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data).replace("PLACEHOLDER", text))
    assert main(["apply", "-f", str(path), "--dry-run", "--host", "http://127.0.0.1:1"]) == 2
    line = _one_error(capsys)
    assert "models[0].data.target: expected text (quote it: YAML reads an unquoted null" in line, line
