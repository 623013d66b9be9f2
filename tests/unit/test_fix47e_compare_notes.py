"""``ctloop backtest --compare ... --jobs N``: the notes on the data (warnings) of the replays'
processes came back only with a replay's report. A replay that failed (a bug in the user's
estimator, no window that can train) or an interrupt lost every note, though one process
(``--jobs 1``) printed them; and a warning class whose ``__init__`` does not take the text
(scikit-learn's ``InconsistentVersionWarning``, keywords only) crashed the comparison with a
TypeError after all the replays, discarding every report. The notes come back as they are
raised now, are shown before an error is raised, and showing one never fails the comparison."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.linear_model import LogisticRegression

from ctloop.backtest import BacktestConfig, compare
from ctloop.config import GateConfig, TrainingConfig

ID_NOTE = "'record_id' has a different value in every row"


class _Boom(LogisticRegression):
    """A user's estimator with a bug: ``fit`` raises (imported by the replays' processes)."""

    def fit(self, X, y, sample_weight=None):
        raise RuntimeError("boom: a bug in the user's estimator")


class _Pretrained(LogisticRegression):
    """A user's estimator that unpickles a component saved by another scikit-learn release in
    ``fit``: scikit-learn 1.7's ``BaseEstimator.__setstate__`` (sklearn/base.py) warns exactly so."""

    def fit(self, X, y, sample_weight=None):
        version = InconsistentVersionWarning(estimator_name="StandardScaler", current_sklearn_version="1.9.1",
                                             original_sklearn_version="1.5.2")
        warnings.warn(version)  # noqa: B028 - as scikit-learn does
        return super().fit(X, y, sample_weight=sample_weight)


def _telemetry(n: int = 300, seed: int = 47) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "ts": pd.Timestamp("2024-03-01") + pd.to_timedelta(np.sort(rng.random(n)) * 3, unit="D"),
        "record_id": [f"SHT-{i:07d}" for i in range(n)],
        "f1": rng.integers(30, 60, n),
        "f5": rng.normal(40, 10, n),
    })
    frame["anomaly"] = (frame["f1"] > 52) | (rng.random(n) < 0.05)
    return frame


def _config(estimator: str, **training) -> BacktestConfig:
    return BacktestConfig(target="anomaly", time_column="ts", window="1D", train_window="1D",
                          training=TrainingConfig(estimator=estimator, **training),
                          gate=GateConfig(thresholds={"roc_auc": 0.5}, bootstrap_rounds=5))


def _texts(caught, part: str) -> list[str]:
    return [str(w.message) for w in caught if part in str(w.message)]


def test_notes_of_the_replays_processes_are_shown_once_and_a_keywords_only_warning_does_not_crash():
    estimator = f"{__name__}:_Pretrained"
    cfg = _config(estimator, trusted_types=[f"{__name__}._Pretrained"])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        reports = compare(_telemetry(), cfg, ["never", "always"], jobs=2)
    assert set(reports) == {"never", "always"}
    assert reports["always"].retrains > 0
    assert len(_texts(seen, ID_NOTE)) == 1, _texts(seen, ID_NOTE)  # both processes raised it: shown once
    version = [w for w in seen if "Trying to unpickle estimator StandardScaler" in str(w.message)]
    assert len(version) == 1, [str(w.message) for w in seen]
    assert version[0].category is UserWarning  # its class cannot be rebuilt from the text
    assert version[0].filename == __file__  # where it was raised, in the replay's process


def test_a_failing_replay_still_shows_the_notes_of_the_data():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(RuntimeError, match="boom"):
            compare(_telemetry(), _config(f"{__name__}:_Boom"), ["never", "always"], jobs=2)
    assert len(_texts(seen, ID_NOTE)) == 1, [str(w.message) for w in seen]


def test_showing_a_note_never_fails_the_comparison():
    """An ``error`` filter in this process, a category that cannot be rebuilt here: the note is
    shown as a UserWarning, or not at all, and the comparison goes on."""
    import pickle
    import queue

    from ctloop.backtest import _send_note, _show_notes

    notes: queue.Queue = queue.Queue()
    _send_note(notes, InconsistentVersionWarning(estimator_name="A", current_sklearn_version="1",
                                                 original_sklearn_version="0"),
               InconsistentVersionWarning, "model.py", 3)
    _send_note(notes, "a runtime note", RuntimeWarning, "model.py", 4)
    notes.put(("an unknown class", b"not a pickle", "model.py", 5))
    sent = [notes.get_nowait() for _ in range(3)]
    assert [s[1] is None for s in sent] == [True, False, False]
    assert pickle.loads(sent[1][1]) is RuntimeWarning
    for item in sent:
        notes.put(item)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.filterwarnings("error", category=RuntimeWarning)
        _show_notes(notes)
    assert [(str(w.message), w.category) for w in seen] == [
        ("Trying to unpickle estimator A from version 0 when using version 1. This might lead to breaking code or "
         "invalid results. Use at your own risk. For more info please refer to:\n"
         "https://scikit-learn.org/stable/model_persistence.html#security-maintainability-limitations",
         UserWarning),
        ("a runtime note", UserWarning),  # an error filter on RuntimeWarning: shown as a UserWarning
        ("an unknown class", UserWarning)]
    assert notes.empty()
