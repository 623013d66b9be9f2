"""A pipeline parameter nested hundreds of levels deep was a RecursionError traceback.

``--param NAME=VALUE`` and ``--params JSON`` (``ctloop trigger``, ``schedule``, ``run --local``) read
VALUE with ``json.loads``, which raises ``RecursionError`` (not a ``JSONDecodeError``) past about a
thousand levels, and ``ctloop.config``'s section checks walk the value recursively, which failed the
same way from about five hundred. Now a value nested deeper than ``MAX_NESTING`` levels is refused in
one line naming the parameter (exit 2), before anything is compiled or sent to KFP.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.params import MAX_NESTING, loads_object, parse_pairs

BASE = ["--param", "model_name=credit", "--param", "data.uri=gs://b/c.parquet", "--param", "data.target=y",
        "--param", "data.time_column=t"]


def _nested(depth: int) -> str:
    return '{"categorical_features": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [600, 3000])
def test_a_deep_param_is_one_line(capsys, depth):
    code = main(["trigger", "--host", "http://127.0.0.1:9", *BASE,
                 "--param", f"training.hyperparameters={_nested(depth)}"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err[-600:]
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and "training.hyperparameters" in lines[0] and str(MAX_NESTING) in lines[0], lines


@pytest.mark.parametrize("depth", [600, 3000])
def test_deep_params_json_is_one_line(capsys, depth):
    code = main(["trigger", "--host", "http://127.0.0.1:9", "--params", "[" * depth + "]" * depth])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err[-600:]
    assert len([x for x in err.splitlines() if x.strip()]) == 1, err[-600:]


def test_the_bound_and_below():
    assert parse_pairs([f"x={'[' * MAX_NESTING}{']' * MAX_NESTING}"])["x"] is not None
    with pytest.raises(ConfigError, match="x"):
        parse_pairs([f"x={'[' * (MAX_NESTING + 1)}{']' * (MAX_NESTING + 1)}"])
    with pytest.raises(ConfigError):
        loads_object('{"a": ' + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "}")
