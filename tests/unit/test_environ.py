"""ctloop.environ.setenv: set inside the block, the previous state back after (also on error)."""

from __future__ import annotations

import os

import pytest

from ctloop.environ import setenv

NAME = "CTLOOP_TEST_SETENV"


def test_an_absent_variable_is_removed_again(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    with setenv(NAME, "inside"):
        assert os.environ[NAME] == "inside"
    assert NAME not in os.environ


def test_a_set_variable_gets_its_value_back_after_an_error(monkeypatch):
    monkeypatch.setenv(NAME, "before")
    with pytest.raises(RuntimeError), setenv(NAME, "inside"):
        assert os.environ[NAME] == "inside"
        raise RuntimeError("boom")
    assert os.environ[NAME] == "before"
