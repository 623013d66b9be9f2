"""``ctloop generate-data`` and ``ctloop demo`` sizes: a row count the synthetic generator cannot
hold in memory is one usage line (exit 2), not numpy's ArrayMemoryError traceback (exit 1)."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize("command", [["generate-data", "--output", "{tmp}/x.csv"], ["demo", "--workdir", "{tmp}/w"]])
def test_a_row_count_beyond_the_generators_bound_is_a_usage_error(tmp_path, capsys, command):
    argv = [a.format(tmp=tmp_path) for a in command]
    with pytest.raises(SystemExit) as info:
        main([*argv, "--rows", "99999999999999"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "argument --rows: must be a whole number in 1..5000000, got " \
        "'99999999999999'" in err, err
    assert not list(tmp_path.iterdir())
