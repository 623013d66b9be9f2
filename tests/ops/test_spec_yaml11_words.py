"""YAML 1.1 (PyYAML) reads the plain words yes/no/on/off as booleans. In ``ctloop.yaml`` that
turned a contract's ``allowed: [yes, no]`` into ``[True, False]`` — compared as text with a
column of "yes"/"no", every row broke the contract ("unseen categories ['no', 'yes']; allowed
['False', 'True']") — and a column named ``on`` or ``no`` (a key) into the key ``True``/``False``.
Keys are names, and ``allowed`` values stay the words written (the contract maps them to
True/False for a true/false column).
Everywhere else (``enabled: yes``, a hyperparameter ``warm_start: on``) YAML 1.1 is kept."""

from __future__ import annotations

from pathlib import Path

from ctloop.ops.spec import load_spec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ctloop.yaml"


def _spec(tmp_path, old: str, new: str):
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "ctloop.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_spec(path).models[0]


def test_allowed_words_stay_text(tmp_path):
    model = _spec(tmp_path, "allowed: [north, south, east, west]", "allowed: [yes, no, On, OFF, true]")
    allowed = model.section("data").contract["columns"]["region"]["allowed"]
    # the words as written: a text column holds them so, a true/false column maps them back
    # (tests/unit/test_contract_allowed_true_false.py)
    assert list(allowed) == ["yes", "no", "On", "OFF", "true"]


def test_a_key_that_is_a_yaml11_word_is_its_text(tmp_path):
    model = _spec(tmp_path, "column_thresholds: {income: 0.2}", "column_thresholds: {income: 0.2, no: 0.3, on: 0.1}")
    assert model.section("drift").column_thresholds == {"income": 0.2, "no": 0.3, "on": 0.1}


def test_a_boolean_setting_still_reads_yes(tmp_path):
    model = _spec(tmp_path, "      enabled: true", "      enabled: no")
    assert model.schedule.enabled is False
    model = _spec(tmp_path, "hyperparameters: {max_iter: 300,", "hyperparameters: {warm_start: on, max_iter: 300,")
    assert model.section("training").hyperparameters["warm_start"] is True
