"""Round 58's review: ``allowed: [2024-01-01T10:00:00Z]`` (a time to YAML) was advised as "quote it
('2024-01-01 10:00:00+00:00')", YAML's reading, not what the file writes: quoted so, the value matches no row
written as the file writes it. The contract sees only YAML's reading, so the refusal says it is a time to YAML and to
quote it as written, with no quote of its own."""

from __future__ import annotations

import pytest
import yaml

from ctloop.contract import DataContract
from ctloop.errors import ConfigError


@pytest.mark.parametrize(
    "written", ["2024-01-01T10:00:00Z", "2024-01-01 10:00:00", "2024-1-1 10:00:00.5+02:00"]
)
def test_a_time_in_allowed_is_told_to_be_quoted_as_written(written):
    spec = yaml.safe_load(f"columns: {{t: {{allowed: [x, {written}]}}}}")
    with pytest.raises(ConfigError) as refused:
        DataContract.from_dict(spec)
    assert str(refused.value) == (
        "contract.columns.t.allowed[1]: a time to YAML, not text: quote it as the file writes it"
    ), str(refused.value)
