"""Round 54, the CLI's bad input: each refused in one line of ours, naming the flag (or field) and the
value, exit code 2, nothing written."""

from __future__ import annotations

import pytest

from ctloop.cli import main


def _refused(capsys, argv: list[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (code, err)
    return err.strip()


def _backtest(data, *flags: str) -> list[str]:
    """``ctloop backtest`` of ``data`` (target ``y``, time column ``ts``) with ``flags``."""
    return ["backtest", "--data", str(data), "--target", "y", "--time-column", "ts", *flags]


# --------------------------------------------------------------------------- --time-format in pandas' words
@pytest.mark.parametrize(
    "fmt, said",
    [
        (
            "%s",
            "%s (Unix seconds) is not a directive pandas reads in a time format: leave the format empty and convert",
        ),
        (
            "%Y-%m-%d %Q",
            "%Q is not a directive pandas reads in a time format (Python's strptime directives: %Y %m",
        ),
        ("%d/%d/%Y", "%d is given twice: give each directive once"),
        ("%Y-%m-%d%", "has a % that starts no directive (a literal % is written %%)"),
    ],
)
def test_a_time_format_pandas_cannot_read_is_said_in_our_words(tmp_path, capsys, fmt, said):
    """pandas 2.3.3 ``_libs/tslibs/strptime.pyx`` said "'s' is a bad directive in format '%s'", and
    Python's ``re`` "redefinition of group name 'd' as group 2; was group 1 at position 46"."""
    out = tmp_path / "out"
    err = _refused(
        capsys,
        _backtest(tmp_path / "t.csv", "--window", "7D", "--time-format", fmt, "--output", str(out)),
    )
    assert err.startswith(f"error: --time-format {fmt!r}: {said}"), err
    assert "bad directive" not in err and "group" not in err and not out.exists()


# --------------------------------------------------------------------------- --param model_name by ctloop.yaml's rule
@pytest.mark.parametrize(
    "pipeline", ["continuous-training", "monitoring", "batch-scoring", "rollout"]
)
def test_param_model_name_obeys_the_rule_of_a_model_name_in_ctloop_yaml(pipeline):
    """``ctloop run --local --param model_name=Credit_X`` ran (MLflow's rule only) where ctloop.yaml refuses the
    name (``ctloop.config.model_name``, the one rule: it names the InferenceService and the schedules)."""
    from ctloop.config import model_name
    from ctloop.errors import ConfigError
    from ctloop.ops.params import parse_pairs, pipeline_arguments
    from ctloop.pipelines import all_pipelines

    rule = model_name("Credit_X")
    with pytest.raises(ConfigError) as exc:
        pipeline_arguments(
            all_pipelines()[pipeline], parse_pairs(["model_name=Credit_X"]), require=False
        )
    assert str(exc.value) == f"model_name: {rule}, got 'Credit_X'; e.g. model_name=credit-default"


def test_run_local_refuses_it_before_any_run(tmp_path, capsys):
    err = _refused(
        capsys,
        [
            "run",
            "--local",
            "--workdir",
            str(tmp_path / "w"),
            "--param",
            "model_name=Credit_X",
            "--param",
            "data.uri=x.csv",
            "--param",
            "data.target=y",
            "--param",
            "data.time_column=t",
        ],
    )
    assert (
        err.startswith("error: model_name: must be a valid Kubernetes and MLflow name")
        and "'Credit_X'" in err
    )
    assert not (tmp_path / "w").exists()


def test_training_parameters_model_name_too():
    from ctloop.errors import ConfigError
    from ctloop.ops.params import parse_pairs, pipeline_arguments
    from ctloop.pipelines import all_pipelines

    with pytest.raises(
        ConfigError, match=r"training_parameters\.model_name: must be a valid Kubernetes"
    ):
        pipeline_arguments(
            all_pipelines()["monitoring"],
            parse_pairs(['training_parameters={"model_name": "A_b"}']),
            require=False,
        )


# --------------------------------------------------------------------------- every:N beyond the windows
def test_a_schedule_longer_than_the_replay_is_refused_with_the_number_of_windows():
    """``--policy every:1000`` over 4 daily windows replayed as ``never`` under another name (the first window
    holds 93 of the 100 rows the initial model needs: it trains in window 1)."""
    from ctloop.backtest import run_backtest
    from ctloop.errors import ConfigError
    from tests.unit.test_backtest_inputs import config, frame

    with pytest.raises(ConfigError) as exc:
        run_backtest(frame(), config(policy="every:1000"))
    assert str(exc.value) == (
        "policy every:1000: a retrain every 1,000 windows never comes: --window 1D gives 4 windows, 2 of them after "
        "the initial model's (window 1 at the earliest), so it would replay as never; choose every:N with N <= 2"
    )
    with pytest.raises(
        ConfigError, match="every:3: a retrain every 3 windows never comes"
    ):  # every:2 retrains once
        run_backtest(frame(), config(policy="every:3"))


def test_backtest_cli_says_it_in_one_line(tmp_path, capsys):
    from tests.unit.test_backtest_inputs import frame

    frame().to_csv(tmp_path / "s.csv", index=False)
    err = _refused(
        capsys,
        _backtest(tmp_path / "s.csv", "--window", "1D", "--policy", "every:99999999999999999999",
                  "--output", str(tmp_path / "o")),
    )
    assert "never comes: --window 1D gives 4 windows" in err and not (tmp_path / "o").exists(), err


# --------------------------------------------------------------------------- cron: dates that never come, 29 February
# KFP 2.17.0 parses a schedule with github.com/robfig/cron v1.2.0 (go.mod; backend/src/crd/controller/
# scheduledworkflow/util/cron_schedule.go ``cron.Parse``; v3 is only an indirect dependency): it takes any
# day 1-31 with any month, and with a starred day-of-week (spec.go ``dayMatches``) both day fields must match
@pytest.mark.parametrize(
    "expr, said",
    [
        (
            "0 0 3 31 4,5 *",
            "month April (4) of month field '4,5' has no day 31 (at most 30 days): it never runs then",
        ),
        ("0 0 3 31 APR,MAY ?", "month April (4) of month field 'APR,MAY' has no day 31"),
        (
            "0 0 3 30 1,2 *",
            "month February (2) of month field '1,2' has no day 30 (at most 29 days)",
        ),
        (
            "0 0 3 28,31 4 *",
            "day-of-month 31 of field '28,31' occurs in none of the months '4': it never runs then",
        ),
    ],
)
def test_a_listed_month_or_day_that_never_comes_is_refused(expr, said):
    from ctloop.errors import ConfigError
    from ctloop.ops.cron import validate_cron

    with pytest.raises(ConfigError) as exc:
        validate_cron(expr)
    assert str(exc.value).startswith(f"cron {expr!r}: {said}"), exc.value


@pytest.mark.parametrize(
    "expr",
    [
        "0 0 3 31 * *",
        "0 0 3 31 4-6 *",
        "0 0 3 28,31 4,5 *",
        "0 0 3 31 4 MON",
        "0 0 3 30,31 1-12 *",
        "0 0 3 25-31 2 *",
        "0 0 3 */10 4 *",
    ],
)
def test_a_day_that_comes_in_some_listed_month_is_taken(expr):
    from ctloop.ops.cron import leap_day_warning, validate_cron

    assert validate_cron(expr) == expr and leap_day_warning(expr) is None


@pytest.mark.parametrize("expr", ["0 0 3 29 2 *", "0 0 3 28,29 FEB ?", "0 0 3 29 2-2 *"])  # 1-2: 29 January too
def test_29_february_is_warned_of(expr):
    from ctloop.ops.cron import leap_day_warning, validate_cron

    assert leap_day_warning(validate_cron(expr)) == (
        f"cron {expr!r}: day-of-month 29 in February (month field {expr.split()[4]!r}) comes only in leap years "
        "(once in four years; 2100 has none): for every year give 28 (or day 1 of month 3)"
    )


def test_schedule_warns_of_29_february_before_connecting(capsys):
    code = main(
        [
            "schedule",
            "--cron",
            "0 0 3 29 2 *",
            "--host",
            "http://127.0.0.1:9",
            "--param",
            "model_name=m",
            "--param",
            "data.uri=gs://b/c.csv",
            "--param",
            "data.target=y",
            "--param",
            "data.time_column=t",
        ]
    )
    err = capsys.readouterr().err.splitlines()
    assert code != 0 and err[0].startswith(
        "warning: --cron: cron '0 0 3 29 2 *': day-of-month 29 in February"
    ), err


def test_schedule_refuses_a_month_without_the_day(capsys):
    err = _refused(
        capsys,
        [
            "schedule",
            "--cron",
            "0 0 3 31 4,5 *",
            "--host",
            "http://127.0.0.1:9",
            "--param",
            "model_name=m",
        ],
    )
    assert err.startswith("error: cron '0 0 3 31 4,5 *': month April (4)"), err


# --------------------------------------------------------------------------- the hunt: hostile flags
@pytest.mark.parametrize(
    "argv, said",
    [
        (
            ["generate-data", "--output", "g.csv", "--rows", "0"],
            "ctloop generate-data: error: argument --rows: must be a whole number in 1..5000000, got '0'",
        ),
        (
            ["audit", "--model-name", "m", "--limit", "0"],
            "ctloop audit: error: argument --limit: must be a whole number >= 1",
        ),
        (
            ["monitor", "history", "--model-name", "m", "--limit", "0"],
            "ctloop monitor history: error: argument --limit:",
        ),
        (["nosuch"], "ctloop: error: argument COMMAND: invalid choice: 'nosuch'"),
    ],
)
def test_an_argparse_refusal_is_one_line_without_the_usage(
    tmp_path, monkeypatch, capsys, argv, said
):
    """argparse printed the command's usage (up to twenty lines) before its error line."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.startswith(said) and err.count("\n") == 1, err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "argv, said",
    [
        (
            ["generate-data", "--output", "g.csv", "--rows", "٣٠٠"],
            "ctloop generate-data: error: argument --rows: must be a whole number in 1..5000000 in digits 0-9, got '٣٠٠' "
            "(write 300)",
        ),
        (
            ["audit", "--model-name", "m", "--limit", "３"],
            "ctloop audit: error: argument --limit: must be a whole number >= 1 "
            "in digits 0-9, got '３' (write 3)",
        ),
    ],
)
def test_a_whole_number_in_other_digits_is_refused(tmp_path, monkeypatch, capsys, argv, said):
    """``int('٣٠٠')`` is 300: ``generate-data --rows ٣٠٠`` wrote 300 rows."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(argv)
    command = said.partition(": error:")[0]  # the line ends naming the command's help
    assert capsys.readouterr().err == f"{said} ({command} --help)\n" and not list(tmp_path.iterdir())


@pytest.mark.parametrize("flag", ["--window", "--label-delay", "--train-window"])
def test_a_duration_in_other_digits_is_refused(tmp_path, capsys, flag):
    """``--window ٧D`` replayed 7-day windows (re's ``\\d`` and ``float`` read any script's digits)."""
    args = {"--window": "7D", flag: "٧D"}
    err = _refused(
        capsys,
        _backtest(tmp_path / "t.csv", *[x for kv in args.items() for x in kv], "--output", str(tmp_path / "o")),
    )
    assert err == f"error: {flag} '٧D' has digits other than 0-9: write 7D", err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["generate-data", "--rows", "10", "--output", "-"],
        _backtest("c.csv", "--window", "7D", "--output", "-"),
        ["drift", "--reference", "a.csv", "--current", "b.csv", "--output", "-"],
        ["compile", "--output-dir", "-"],
    ],
)
def test_dash_as_an_output_is_refused_where_no_standard_output_is_written(
    tmp_path, monkeypatch, capsys, argv
):
    """``generate-data --output -`` wrote a file named ``-``; ``config docs --output -`` prints (below)."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(argv)
    err = capsys.readouterr().err
    assert err.endswith(
        f": '-' (standard output) is not supported here: name a file or directory (ctloop {argv[0]} --help)\n"
    ), err
    assert not list(tmp_path.iterdir())


def test_config_docs_still_prints_for_dash(capsys):
    assert main(["config", "docs", "--output", "-"]) == 0
    assert capsys.readouterr().out.startswith("#")
