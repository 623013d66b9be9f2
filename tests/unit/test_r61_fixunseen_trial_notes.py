"""Review of stop 61's eighth unseen batch (82a707a8), retrain.choose_start's trial-fit notes: the kept candidate's
notes were said again with ``warnings.warn(note.message, stacklevel=2)``, so each named retrain's caller as its
source, not the line that raised it (backtest.py says a replay's notes again with ``warnings.warn_explicit`` at
their own location). Now each is said at its own file and line, once, under the caller's filters: an ``error``
filter still raises a kept candidate's note. A trial's note whose model is not kept is dropped, by decision (a
model that never serves; the whole window's model, refit then, says its own notes), even under ``error``."""

from __future__ import annotations

import os
import warnings

import pytest

from ctloop.components.train import core as train_core
from ctloop.retrain import _say_again, choose_start

from .test_r61_unseen_trial_fit_notes import GATE, ID_NOTE, TRAINING, panel


def run(frame, since):
    frame = frame.sort_values("ts", kind="stable").reset_index(drop=True)
    cut = int(len(frame) * 0.8)
    return choose_start(frame.iloc[:cut], frame.iloc[cut:], TRAINING, GATE, target="y", time_column="ts",
                        since=since, holdout_fraction=0.2)


def test_a_kept_candidate_s_note_keeps_its_source_location():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, _, _, choice = run(panel(400, 6, flip_last=True), "1995-01-01T00:00:00Z")
    assert choice.kept, choice.note
    ids = [w for w in caught if ID_NOTE in str(w.message)]
    assert len(ids) == 1, [str(w.message) for w in ids]  # the candidate's one fit (each once: below)
    # train_core's fit warns it (stacklevel=2: its caller there), not retrain's caller (this file)
    assert os.path.samefile(ids[0].filename, train_core.__file__), ids[0].filename
    assert ids[0].category is UserWarning


def test_a_kept_candidate_s_note_still_raises_under_an_error_filter():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r".*an ID\?")
        with pytest.raises(UserWarning, match=r"'country' has a different value in every row"):
            run(panel(400, 6, flip_last=True), "1995-01-01T00:00:00Z")


def test_a_candidate_not_kept_says_nothing_even_under_an_error_filter():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r".*an ID\?")
        _, _, _, choice = run(panel(150, 8, flip_last=False), "1997-01-01T00:00:00Z")
    assert not choice.kept, choice.note


def test_a_note_recorded_twice_is_said_once():
    # the data above warn once; two identical records (a fit warning twice under "always") are said once,
    # a note of another line still said
    def record(lineno):
        return warnings.WarningMessage(ID_NOTE, UserWarning, train_core.__file__, lineno)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _say_again([record(7), record(7), record(8)])
    assert [(str(w.message), w.lineno) for w in caught] == [(ID_NOTE, 7), (ID_NOTE, 8)]


def test_a_module_filter_silences_a_kept_candidate_s_note():
    # review of the fixunseen merge, low finding 1: as it silences a direct train_core.run (its fit warns there)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", module=r"ctloop\.components\.train")
        _, _, _, choice = run(panel(400, 6, flip_last=True), "1995-01-01T00:00:00Z")
    assert choice.kept, choice.note
    assert not [w for w in caught if ID_NOTE in str(w.message)], [str(w.message) for w in caught]
