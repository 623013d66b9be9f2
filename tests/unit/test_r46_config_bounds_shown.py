"""A range's bound was shown with ``:g``: ``--seed -1`` said "must be in [0, 4.29497e+09]" — a
rounded number that is not the bound (2**32 - 1 = 4294967295) — and ``bootstrap_rounds: 0`` said
"[1, 1e+06]". Whole bounds are shown exactly now; fractional ones as before."""

from __future__ import annotations

import pytest

from ctloop import config as C
from ctloop.cli import main


@pytest.mark.parametrize(
    ("section", "value", "said"),
    [
        (C.TrainingConfig, {"seed": -1}, "training.seed: must be in [0, 4294967295], got -1"),
        (
            C.GateConfig,
            {"bootstrap_rounds": 0},
            "gate.bootstrap_rounds: must be in [1, 1000000], got 0",
        ),
        (C.GateConfig, {"confidence": 1}, "gate.confidence: must be in [0.5, 1), got 1"),
        (C.DriftConfig, {"share": 0}, "drift.share: must be in (0, 1], got 0"),
    ],
)
def test_a_bound_is_shown_as_it_is(section, value, said):
    with pytest.raises(C.ConfigError) as caught:
        section.from_dict(value)
    assert said in str(caught.value), caught.value


def test_the_flag_says_the_exact_bound(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["backtest", "--seed", "-1"])
    assert caught.value.code == 2
    assert "argument --seed: must be in [0, 4294967295], got '-1'" in capsys.readouterr().err
