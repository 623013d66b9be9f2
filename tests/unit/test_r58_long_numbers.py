"""Round 58's review of the hostile-input merge: an integer of more digits than Python converts
(``sys.get_int_max_str_digits()``, 4300) was refused in one line only in ctloop.yaml's loader. ``--param
seed=1000…0`` (``ctloop run``) and ``parse_pairs(['a={max_iter: 1000…0}'])`` (a YAML flow mapping, read again by
``json_of_yaml``) raised Python's ``ValueError: Exceeds the limit (4300 digits) for integer string conversion``,
a traceback (exit 1); ``--seed`` of 400 digits was refused printing all 400."""

from __future__ import annotations

import sys

import pytest

from ctloop.config import json_of_yaml
from ctloop.errors import ConfigError
from ctloop.ops.params import loads_object, parse_pairs
from tests.helpers import run_main

DIGITS = sys.get_int_max_str_digits() + 700  # 5000
LONG = "1" + "0" * (DIGITS - 1)


@pytest.mark.parametrize(
    "raw", [LONG, f"-{LONG}", f"{{max_iter: {LONG}}}", f'{{"max_iter": {LONG}}}', f"[{LONG}]"]
)
def test_a_param_of_too_many_digits_is_one_line(raw):
    with pytest.raises(ConfigError) as caught:
        parse_pairs([f"a={raw}"])
    assert str(caught.value) == (
        f"--param a: a number of {DIGITS} digits: no setting takes one (is it the right value?)"
    )


def test_params_json_of_too_many_digits_is_one_line():
    with pytest.raises(
        ConfigError, match=f"^--params: a number of {DIGITS} digits: no setting takes one"
    ):
        loads_object(f'{{"seed": {LONG}}}')


def test_json_of_yaml_suggests_nothing_for_too_many_digits():
    assert json_of_yaml(f"{{max_iter: {LONG}}}") == ""


def test_ctloop_run_param_of_too_many_digits_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = ["run", "--local", "--pipeline", "continuous-training", "--param", f"seed={LONG}"]
    code, _, err = run_main(argv, capsys, hang_s=30)
    assert code == 2, err[-500:]
    assert err.strip().splitlines() == [
        f"error: --param seed: a number of {DIGITS} digits: no setting takes one (is it the right value?)"
    ]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "argv",
    [
        ["generate-data", "--output", "x.parquet"],
        ["drift", "--reference", "r.csv", "--current", "c.csv"],
    ],
)
def test_a_seed_of_400_digits_is_shown_short(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main([*argv, "--seed", "1" + "0" * 399], capsys, hang_s=30)
    line = err.strip().splitlines()[-1]
    assert code == 2 and "argument --seed:" in line, err[-500:]
    assert "0" * 40 not in line and "(400 characters)" in line, line  # was: all 400 digits
