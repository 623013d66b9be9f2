"""Round 47, config surface: what the command line gives twice, or in two ways, is refused, not
decided silently; a flag's value that starts with a dash reaches the flag's own check.

- ``--param model_name=a --param model_name=b``: argparse's ``append`` kept both and the last won.
- ``ctloop run --local --data a.csv --param data.uri=b.csv``: ``--data`` won over the other.
- ``ctloop backtest --label-delay -3D``: argparse took ``-3D`` for an unknown option
  (``argument --label-delay: expected one argument``), naming neither the value nor the rule.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs


@pytest.mark.parametrize(
    ("pairs", "said"),
    [
        (
            ["model_name=a", "model_name=b"],
            "--param model_name: given twice with different values ('a', then 'b')",
        ),
        (["gate.tolerance=0.02", " gate.tolerance =0.03"], "--param gate.tolerance: given twice"),
        (["x=1", "x=true"], "('1', then 'true')"),  # equal in Python, not the same value
        (["x=1", "x=1.0"], "('1', then '1.0')"),
        (['data={"uri": "a"}', 'data={"uri": "b"}'], "--param data: given twice"),
    ],
)
def test_a_parameter_given_twice_with_different_values_is_refused(pairs, said):
    with pytest.raises(ConfigError, match="give it once") as err:
        parse_pairs(pairs)
    assert said in str(err.value)


@pytest.mark.parametrize(
    "pairs",
    [
        ['data={"uri": "a.csv"}', "data.uri=b.csv"],
        ["data.uri=b.csv", 'data={"uri": "a.csv"}'],
    ],
    ids=["whole-first", "field-first"],
)
def test_a_field_given_whole_and_alone_with_different_values_is_refused(pairs):
    # before: the field given alone won over the one in the whole section, whichever came first
    with pytest.raises(
        ConfigError,
        match=r"^--param data.uri: given twice with different values \('a.csv' in "
        r"--param data, then 'b.csv'\); give it once$",
    ):
        parse_pairs(pairs)


def test_a_field_given_whole_and_alone_with_one_value_is_taken():
    assert (
        parse_pairs(['gate={"tolerance": 2e-2, "seed": 1}', "gate.tolerance=0.02", "gate.seed=1"])[
            "gate.seed"
        ]
        == 1
    )
    with pytest.raises(ConfigError, match=r"\('1' in --param gate, then '1.0'\)"):
        parse_pairs(['gate={"seed": 1}', "gate.seed=1.0"])


def test_a_repeated_password_is_not_shown():
    with pytest.raises(ConfigError) as err:
        parse_pairs(
            ["tracking_uri=https://u:S3CRET@mlflow/a", "tracking_uri=https://u:S3CRET@mlflow/b"]
        )
    assert "S3CRET" not in str(err.value)


def test_the_same_value_twice_is_one_value():
    assert parse_pairs(
        ["model_name=a", "model_name=a", 'data={"a": 1, "b": 2}', 'data={"b": 2, "a": 1}']
    ) == {"model_name": "a", "data": {"a": 1, "b": 2}}


@pytest.mark.parametrize("other", ["--param=data.uri=b.csv", '--param=data={"uri": "b.csv"}'])
def test_run_refuses_data_and_another_data_uri(tmp_path, capsys, other):
    code = main(
        [
            "run",
            "--local",
            "--workdir",
            str(tmp_path),
            "--data",
            "a.csv",
            other,
            "--param",
            "model_name=m",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "--data 'a.csv' and --param data" in err and "'b.csv' name two training tables" in err
    assert not list(tmp_path.iterdir())  # nothing ran, nothing written


def test_run_takes_data_and_the_same_data_uri(tmp_path, capsys):
    code = main(
        [
            "run",
            "--local",
            "--workdir",
            str(tmp_path),
            "--data",
            str(tmp_path / "none.csv"),
            f"--param=data.uri={tmp_path / 'none.csv'}",
            "--param",
            "model_name=m",
            "--param",
            "data.target=y",
            "--param",
            "data.time_column=t",
        ]
    )
    assert code == 2
    assert "no such file or directory" in capsys.readouterr().err  # got as far as the table's check


@pytest.mark.parametrize("flag", ["--label-delay", "--window", "--train-window"])
def test_backtest_a_negative_duration_is_named_by_its_flag(capsys, flag):
    argv = [
        "backtest",
        "--data",
        "x.csv",
        "--target",
        "y",
        "--time-column",
        "t",
        "--window",
        "7D",
        flag,
        "-3D",
    ]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert f"{flag} '-3D'" in err and "expected one argument" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_unknown_option_is_still_one():
    with pytest.raises(SystemExit) as exit_:
        main(["backtest", "--window", "-x"])
    assert exit_.value.code == 2


@pytest.mark.parametrize(
    ("raw", "meant"),
    [
        ("{roc_auc: 0.7}", '{"roc_auc": 0.7}'),
        ("{max_iter: 300, learning_rate: 0.05}", '{"max_iter": 300, "learning_rate": 0.05}'),
        ("[north, south]", '["north", "south"]'),
    ],
)
def test_yaml_flow_style_gets_its_json_suggested(raw, meant):
    # ctloop.yaml writes {roc_auc: 0.7}; --param reads JSON, and suggested an unrelated {"tolerance": 0.02}
    with pytest.raises(ConfigError) as err:
        parse_pairs([f"gate.thresholds={raw}"])
    assert str(err.value).endswith(f"did you mean --param 'gate.thresholds={meant}'?")


def test_broken_json_keeps_the_generic_hint():
    with pytest.raises(ConfigError, match=r"quote it for the shell"):
        parse_pairs(['gate.thresholds={"roc_auc": 0.7'])


def test_a_json_flag_given_yaml_flow_style_gets_its_json_suggested(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["compile", "--output-dir", "unused", "--node-selector", "{pool: ml}"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.rstrip().endswith(
        """got '{pool: ml}'; did you mean --node-selector '{"pool": "ml"}'? (ctloop compile --help)"""
    )
