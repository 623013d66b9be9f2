"""The unseen streams of docs/backtest-quality.md's stop-47 and stop-48 sections were built by
scratch scripts outside the repository: their numbers could not be rebuilt. They are now
``benchmarks/unseen_streams.py``; its listing needs none of the data packages (``.[bench]``)
(``--help`` as a process: tests/unit/test_bench_help.py)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.helpers import REPO


@pytest.fixture(scope="module")
def unseen():
    spec = importlib.util.spec_from_file_location("bench_unseen_streams", REPO / "benchmarks" / "unseen_streams.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_list_names_every_stream_the_docs_tables_hold_with_its_window(unseen, capsys):
    assert unseen.main(["--list"]) == 0
    listed = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    docs = (REPO / "docs" / "backtest-quality.md").read_text()
    tables = {name for name in listed if f"| {name} |" in docs}
    assert tables == set(listed) - {"seattle_temp_tz_parquet", "default_yesno_spellings"}, tables
    assert "unseen_streams.py --write" in docs
    assert "--window 10D" in listed["seattle_temp_tz"] and "--window 1h" in listed["rbf_codes_hourly"]
    assert "--task regression" in listed["hie_visits_control"]


def test_an_unknown_stream_is_refused_naming_it(unseen, capsys):
    with pytest.raises(SystemExit) as done:
        unseen.main(["--write", "unused", "no_such_stream"])
    assert done.value.code == 2 and "unknown stream(s) no_such_stream" in capsys.readouterr().err
