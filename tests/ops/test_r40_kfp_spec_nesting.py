"""A ``ctloop.yaml`` nested hundreds of levels deep, or holding itself through an alias, was a
RecursionError traceback (exit 1) from ``ctloop apply``.

PyYAML's composer and constructor recurse once per level, and so do ``_expanded_size`` and
``ctloop.config``'s checks (a RecursionError from about 500 levels); an alias inside its own anchor
(``&x [*x]``, which PyYAML builds as a list holding itself) recursed forever. Now such a spec is
refused in one line naming the file (exit 2).
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.params import MAX_NESTING
from ctloop.ops.spec import load_spec

HEAD = ("apiVersion: ctloop.dev/v1alpha2\nkind: ContinuousTraining\nmodels:\n  - name: credit\n"
        "    data: {uri: gs://b/c.parquet, target: y, time_column: t}\n    gate: {thresholds: {roc_auc: 0.7}}\n")


def _spec(tmp_path, training: str):
    path = tmp_path / "ctloop.yaml"
    path.write_text(HEAD + f"    training: {{hyperparameters: {{categorical_features: {training}}}}}\n")
    return path


@pytest.mark.parametrize("training", ["[" * 600 + "]" * 600, "[" * 3000 + "]" * 3000, "&x [*x]"],
                         ids=["600-levels", "3000-levels", "self-alias"])
def test_apply_refuses_it_in_one_line(tmp_path, capsys, monkeypatch, training):
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:0.1.0")
    path = _spec(tmp_path, training)
    code = main(["apply", "-f", str(path), "--dry-run", "--host", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err[-600:]
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and str(path) in lines[0] and str(MAX_NESTING) in lines[0], lines


def test_a_shallower_spec_still_loads(tmp_path):
    depth = MAX_NESTING - 10
    spec = load_spec(_spec(tmp_path, "[" * depth + "1" + "]" * depth))
    assert spec.models[0].name == "credit"


def test_many_aliases_of_one_anchor_are_checked_quickly(tmp_path):
    path = tmp_path / "ctloop.yaml"
    lines = ["a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]  # 10**9 values expanded
    path.write_text("\n".join(lines) + "\n" + HEAD)
    with pytest.raises(ConfigError):  # refused (an unknown root key, or the expansion limit), in time
        load_spec(path)
