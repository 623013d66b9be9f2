"""Review of the fixunseen merge (a34ef049), low finding 1: a note recorded and said again with
``warnings.warn_explicit(message, category, filename, lineno)`` (retrain's kept candidate, backtest's notes shown
before a schedule's refusal, a comparison worker's notes) got no ``module``, so Python took the file's path, less
``.py``, as the module's name (CPython 3.11.7 ``Lib/warnings.py``, ``warn_explicit``: ``module = filename or
"<unknown>"``; ``warn`` passes its frame's ``__name__``). A filter on the module that raised the note
(``filterwarnings("ignore", module=r"ctloop\\.components\\.train")``), which silences a direct ``train_core.run``,
never matched it. Each is now said with the name of the module loaded from its file (``retrain.warn_at``)."""

from __future__ import annotations

import pickle
import queue
import warnings
from types import SimpleNamespace

import pytest

from ctloop import backtest
from ctloop.components.train import core as train_core
from ctloop.errors import ConfigError
from ctloop.retrain import warn_at

TRAIN = r"ctloop\.components\.train"


def said(module_filter: str | None, say) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if module_filter:
            warnings.filterwarnings("ignore", module=module_filter)
        say()
    return [str(w.message) for w in caught]


def test_a_note_said_again_at_its_file_takes_its_module_s_name():
    def say():
        warn_at("a note of the trainer", UserWarning, train_core.__file__, 7)

    assert said(None, say) == ["a note of the trainer"]
    assert said(TRAIN, say) == []
    assert said(r"ctloop\.retrain", say) == ["a note of the trainer"]  # the file's module, not the caller's


def test_a_file_no_module_came_from_keeps_its_path_as_before():
    def say():
        warn_at("a worker's note", UserWarning, "...ain/core.py", 7)  # cut to its end (_send_note)

    assert said(TRAIN, say) == ["a worker's note"]
    assert said(r"\.\.\.ain/core", say) == []  # warn_explicit's own name: the path less .py


def test_a_comparison_worker_s_note_honours_a_module_filter():
    def say():
        notes: queue.Queue = queue.Queue()
        notes.put(("a worker's trainer note", pickle.dumps(UserWarning), train_core.__file__, 7))
        backtest._show_notes(notes)

    assert said(None, say) == ["a worker's trainer note"]
    assert said(TRAIN, say) == []


def test_the_notes_shown_before_a_schedule_s_refusal_honour_a_module_filter(monkeypatch):
    def prepared(frame, cfg):  # the replay's preparation warns from the trainer's file
        warnings.warn_explicit("a trainer note", UserWarning, train_core.__file__, 7)
        return None, None, None, None

    def refused(*args):
        raise ConfigError("every:1000 never comes")

    monkeypatch.setattr(backtest, "_prepared", prepared)
    monkeypatch.setattr(backtest, "_checked", lambda data, cfg, step: (None, None, SimpleNamespace(bounds=[]), 0))
    monkeypatch.setattr(backtest, "_train_windows", lambda *args: (1, "rows"))
    monkeypatch.setattr(backtest, "_ready", lambda *args: (None, None))
    monkeypatch.setattr(backtest, "_check_schedule_comes", refused)

    def say():
        with pytest.raises(ConfigError, match="never comes"):
            backtest._check_schedules(None, SimpleNamespace(window="1d"), ["every:1000"])

    assert said(None, say) == ["a trainer note"]
    assert said(TRAIN, say) == []
