"""``ctloop demo --rows 1000`` (the flag takes 1 to 5,000,000) ran its first pipeline for a minute,
which failed on the data contract's min_rows (500) in its 120-day window and advised "widen
`window` or move `as_of`", settings the demo does not take. It is refused before anything runs,
naming --rows and a count that fits."""

import pytest

import ctloop.local
import ctloop.taskserver
from ctloop.cli import main


@pytest.fixture
def no_pipeline(monkeypatch):
    def ran(*_args, **_kwargs):
        pytest.fail("a pipeline ran")

    monkeypatch.setattr(ctloop.local, "run_pipeline_locally", ran)
    monkeypatch.setattr(ctloop.taskserver, "warm_start_supported", lambda: False)


@pytest.mark.parametrize(("rows", "run", "held"), [(1000, "first model", 353), (1500, "after the shock", 498)])
def test_rows_too_few_for_a_runs_window_are_refused_before_any_run(tmp_path, capsys, no_pipeline, rows, run, held):
    code = main(["demo", "--workdir", str(tmp_path / "demo"), "--rows", str(rows)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"error: --rows {rows}: the demo's run {run!r} trains on the 120D to 2025-")
    assert err.strip().endswith(f"which hold {held} rows, and its data contract needs 500: use --rows 1650 or more")
    assert not (tmp_path / "demo").exists()


def test_the_suggested_rows_pass_the_check():
    from ctloop.demo import _check_rows
    from ctloop.synthetic import make_credit_data

    _check_rows(make_credit_data(n_rows=1650, seed=7), 1650)
