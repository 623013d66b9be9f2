"""The refusals naming a scratch-named file ('_'/'.' first) quote its listed name: a name holding a
newline split the library's message into two lines (the CLI escapes its own line; a component's
log does not) (review F1)."""

from __future__ import annotations

import pytest

from ctloop.drift.streaming import open_source
from ctloop.errors import DataSourceError


@pytest.mark.parametrize("pattern", ["", "*.csv"])
def test_a_newline_in_a_scratch_name_stays_escaped(tmp_path, pattern):
    (tmp_path / "g").mkdir()
    (tmp_path / "g" / "_x\nerror: injected.csv").write_text("a\n1\n")
    with pytest.raises(DataSourceError) as err:
        open_source(str(tmp_path / "g" / pattern) if pattern else str(tmp_path / "g"))
    assert "\n" not in str(err.value) and "\\n" in str(err.value)
