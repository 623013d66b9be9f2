"""Round 54 review of the CLI work (6c4d9927): each test below was seen failing on main.

1. ``--param model_name`` obeys one rule for every pipeline, the one its steps apply: batch-scoring's
   own step (``components/score/core.py``, ``ctloop score``) refuses a name that is no Kubernetes name
   as the deploying pipelines do, so the early check and the step agree (a per-pipeline MLflow rule
   was tried in this round and reverted: it let ``CreditDefault`` through to a task that refused it).
2./3. cron month fields as robfig/cron v1.2.0 ``parser.go`` ``getRange`` reads them ("N/step" is
   "N-max/step"); the leap-day warning only when 29 February is the only 29th scheduled.
4. other scripts' digits refused by every number flag.
5. an argparse refusal names the command and its --help.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs, pipeline_arguments
from ctloop.pipelines import all_pipelines

DATA = ["data.uri=s3://b/d.csv", "data.target=y", "gate.metric=roc_auc"]


@pytest.fixture(scope="module")
def pipelines():
    return all_pipelines()


@pytest.mark.parametrize("pipeline", ["batch-scoring", "monitoring", "continuous-training", "rollout"])
def test_the_early_check_and_the_scoring_step_refuse_the_same_name(pipelines, pipeline, tmp_path):
    from ctloop.components.score.core import score_batch

    with pytest.raises(ConfigError, match=r"^model_name: must be a valid Kubernetes .*got 'CreditDefault'"):
        pipeline_arguments(pipelines[pipeline], parse_pairs(["model_name=CreditDefault"]), require=False)
    with pytest.raises(ConfigError, match=r"^model_name: 'CreditDefault' must be a valid Kubernetes"):
        score_batch("CreditDefault", {"data": str(tmp_path / "in.csv"), "output": str(tmp_path / "out")},
                    run_id="r1", tracking_uri=str(tmp_path / "mlruns"))
    assert not any(tmp_path.iterdir())  # refused before anything was opened or created

# --------------------------------------------------------------------------- cron month fields (robfig/cron v1.2.0)
# parser.go getRange: "Special handling: "N/step" means "N-max/step"" (robfig/cron v1.2.0, the parser KFP 2.17.0
# schedules with): '1/2' is January, March, ..., November, not January alone; twelve months listed are every month.
@pytest.mark.parametrize("expr", [
    "0 0 3 31 1/2 *", "0 0 3 31 JAN/2 *", "0 0 3 31 1,2,3,4,5,6,7,8,9,10,11,12 *",
    "0 0 3 30,31 JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC ?",
])
def test_a_month_step_or_every_month_listed_reads_as_robfig_does(expr):
    from ctloop.ops.cron import leap_day_warning, validate_cron

    assert validate_cron(expr) == expr and leap_day_warning(expr) is None


def test_a_month_listed_alone_without_the_day_is_still_refused():
    from ctloop.ops.cron import validate_cron

    with pytest.raises(ConfigError, match=r"month February \(2\) of month field '1/2,2' has no day 31"):
        validate_cron("0 0 3 31 1/2,2 *")


@pytest.mark.parametrize("expr", ["0 0 3 29 1-12 *", "0 0 3 29 1/1 *", "0 0 3 29 1-2 *", "0 0 3 29 2,3 *"])
def test_the_29th_of_other_months_too_is_not_warned_of(expr):
    from ctloop.ops.cron import leap_day_warning, validate_cron

    assert leap_day_warning(validate_cron(expr)) is None


@pytest.mark.parametrize("expr", ["0 0 3 29 2 *", "0 0 3 1,29 FEB ?", "0 0 3 29 2/12 *"])
def test_the_29th_of_february_alone_is_warned_of(expr):
    from ctloop.ops.cron import leap_day_warning, validate_cron

    assert "comes only in leap years" in leap_day_warning(validate_cron(expr))


# --------------------------------------------------------------------------- digits of other scripts, every number flag
@pytest.mark.parametrize("text, write", [("٠.٥", "0.5"), ("１e3", "1e3")])
def test_a_float_flag_refuses_other_digits(text, write):
    import argparse

    from ctloop.cli.argtypes import finite_float, seconds, section_field
    from ctloop.config import DriftConfig

    for parse in (finite_float, seconds, section_field(DriftConfig, "report_sample_size")):
        with pytest.raises(argparse.ArgumentTypeError, match=rf"in digits 0-9, got '{text}' \(write {write}\)"):
            parse(text)


@pytest.mark.parametrize("argv", [
    ["logger", "serve", "--root", "r", "--port", "٠"],  # zero: on main the command's own check refuses it,
    ["logger", "serve", "--root", "r", "--flush-rows", "٠"],  # nothing is served or read
    ["logger", "import", "u", "--root", "r", "--max-columns", "０"],
    ["logger", "requeue", "--root", "r", "--max-body-bytes", "٠"],
])
def test_logger_number_flags_refuse_other_digits(tmp_path, monkeypatch, capsys, argv):
    """``type=int`` read '٨٠٨٠' as port 8080 (a zero here, which the command refuses after reading it)."""
    from ctloop.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and len(err.splitlines()) == 1 and "in digits 0-9, got " in err, err
    assert not list(tmp_path.iterdir())


def test_logger_number_flags_still_take_0_9():
    from ctloop.cli.argtypes import in_digits

    assert in_digits(int)(" 8080") == 8080 and in_digits(float)("0.5") == 0.5


# --------------------------------------------------------------------------- argparse refusals name the command and its help
@pytest.mark.parametrize("argv, line", [
    (["backtest", "--windw", "7D"], "ctloop backtest: error: unrecognized arguments: --windw 7D (ctloop backtest --help)"),
    (["logger", "import", "u", "--root", "r", "--bogus"],
     "ctloop logger import: error: unrecognized arguments: --bogus (ctloop logger import --help)"),
    (["rollout", "--bogus", "status", "--isvc", "a", "--namespace", "b"], "ctloop rollout: error: unrecognized arguments: --bogus (ctloop rollout --help)"),
    (["generate-data", "--rows", "0"],
     "ctloop generate-data: error: argument --rows: must be a whole number in 1..5000000, got '0' "
     "(ctloop generate-data --help)"),
    (["--bogus"], "ctloop: error: unrecognized arguments: --bogus (ctloop --help)"),
])
def test_an_argparse_refusal_names_the_command_and_its_help(tmp_path, monkeypatch, capsys, argv, line):
    from ctloop.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    captured = capsys.readouterr()
    assert exc.value.code == 2 and captured.out == "" and captured.err == line + "\n", captured.err
    assert not list(tmp_path.iterdir())


def test_the_one_line_parser_is_written_once():
    from ctloop.cli import rollout

    assert not hasattr(rollout, "_one_line_errors")


@pytest.mark.parametrize("name, text", [("flush_rows", "٥٠٠"), ("flush_seconds", "٠.٥"), ("flush_rows", "５")])
def test_a_sink_variable_in_other_digits_is_refused_as_its_flag_is(name, text):
    """``CTLOOP_LOG_*`` variables are held to the flags' rules (inference_log/settings.py check_number):
    ``int('٥٠٠')`` read 500 there while ``--flush-rows ٥٠٠`` was refused (review of 6b3cc51a)."""
    from ctloop.inference_log.settings import check_number, variable

    with pytest.raises(ConfigError, match=rf"^{variable(name)}=.* must be a (whole|finite) number.* in digits 0-9 "
                                          rf"\(write (500|0\.5|5)\)$"):
        check_number(name, text, f"{variable(name)}={text!r}")


@pytest.mark.parametrize("text", ["٠", "٢.٥", "-٥", "٥ rows"])
def test_a_sink_variable_in_other_digits_suggests_no_value_that_is_refused_too(text):
    """'٠' was told "(write 0)" and then ">= 1" (review of 58273d29): the value written 0-9 is checked first."""
    from ctloop.inference_log.settings import check_number, variable

    with pytest.raises(ConfigError) as caught:
        check_number("flush_rows", text, f"{variable('flush_rows')}={text!r}")
    assert "(write" not in str(caught.value) and "must be a whole number >= 1" in str(caught.value)
