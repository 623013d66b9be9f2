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
        [
            "backtest",
            "--data",
            str(tmp_path / "t.csv"),
            "--target",
            "y",
            "--time-column",
            "ts",
            "--window",
            "7D",
            "--time-format",
            fmt,
            "--output",
            str(out),
        ],
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
        [
            "backtest",
            "--data",
            str(tmp_path / "s.csv"),
            "--target",
            "y",
            "--time-column",
            "ts",
            "--window",
            "1D",
            "--policy",
            "every:99999999999999999999",
            "--output",
            str(tmp_path / "o"),
        ],
    )
    assert "never comes: --window 1D gives 4 windows" in err and not (tmp_path / "o").exists(), err
