"""The "quote it" hint for a text field was given for numbers only. YAML 1.1 (PyYAML) reads an
unquoted ``on``/``off``/``yes``/``no``/``true``/``false`` as a boolean and ``2024-10-01`` as a date
(``2024-10-01 10:00:00`` as a date and time): ``target: on`` or ``time_column: 2024-10-01`` in
ctloop.yaml was ``expected text, got True`` with the generic example. The hint now names what YAML
read (``ctloop.config._convert``, which serves every section)."""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from tests.helpers import REPO


def _one_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(("field", "text", "hint"), [
    ("target", "on", "quote it: read as the boolean true; YAML reads an unquoted on, off"),
    ("target", "no", "quote it: read as the boolean false; YAML reads an unquoted on, off"),
    ("time_column", "2024-10-01", "quote it: YAML read it as a date)"),
    ("time_column", "2024-10-01 10:00:00", "quote it: YAML read it as a date and time"),
])
def test_a_yaml_boolean_or_date_for_a_text_field(tmp_path, capsys, field, text, hint):
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["models"] = [data["models"][0]]
    data["models"][0]["data"][field] = "PLACEHOLDER"
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data).replace("PLACEHOLDER", text))  # unquoted, as a person writes it
    assert main(["apply", "-f", str(path), "--dry-run", "--host", "http://127.0.0.1:1"]) == 2
    line = _one_error(capsys)
    assert f"models[0].data.{field}: expected text ({hint}" in line, line
