"""A count replayed as classes: doctor visits a year (statsmodels' bundled RAND Health Insurance
Experiment, 0..77 visits, median 1) replayed with ``ctloop backtest`` without ``--task``. The
default task is a classification, so the 52 visit counts became 52 classes, most of them a few
rows each: a 91 s replay, a challenger needing 1,300 labelled rows and a mean ROC AUC of 0.55,
with nothing said about the target. The replay now says the classes look like a count and
names ``--task regression``; text classes and a few numeric codes say nothing."""

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main


def _visits(n: int = 1200, seed: int = 48) -> pd.DataFrame:
    # heavy right tail like the RAND HIE's visits: many 0-3, a few dozens
    rng = np.random.default_rng(seed)
    health = rng.normal(0, 1, n)
    visits = rng.negative_binomial(0.7, 0.7 / (0.7 + np.exp(1.0 + 0.6 * health)), n)
    return pd.DataFrame({
        "ts": pd.Timestamp("2024-03-04") + pd.to_timedelta(np.sort(rng.random(n)) * 4, unit="D"),
        "health": health,
        "coins": rng.choice([0.0, 25.0, 50.0, 95.0], n),
        "target": visits,
    })


def _replay(path, tmp_path, *extra, estimator="logistic_regression"):
    return main(["backtest", "--data", str(path), "--target", "target", "--time-column", "ts", "--window", "1D",
                 "--policy", "never", "--estimator", estimator, "--quiet",
                 "--output", str(tmp_path / "out"), *extra])


def test_a_count_replayed_as_classes_names_task_regression(tmp_path):
    frame = _visits()
    classes = frame["target"].nunique()
    assert classes > 20  # the shape: many whole-number values, most of them rare
    frame.to_csv(tmp_path / "visits.csv", index=False)
    with pytest.warns(UserWarning, match="--task regression") as caught:
        assert _replay(tmp_path / "visits.csv", tmp_path) == 0
    note = next(str(w.message) for w in caught if "--task regression" in str(w.message))
    rare = int((frame["target"].value_counts() < 25).sum())
    assert note.startswith(f"column 'target': {classes} classes of whole numbers "
                           f"({frame['target'].min()} … {frame['target'].max()}), {rare} of them in fewer than 25 rows")


def test_a_regression_text_classes_and_numeric_codes_say_nothing(tmp_path, recwarn):
    frame = _visits()
    frame.to_csv(tmp_path / "visits.csv", index=False)
    assert _replay(tmp_path / "visits.csv", tmp_path, "--task", "regression", "--thresholds", '{"rmse": 100}',
                   estimator="linear_regression") == 0
    # the same counts as text labels ('v0', 'v1', ...) and as four numeric codes: classes, no note
    frame.assign(target="v" + frame["target"].astype(str)).to_csv(tmp_path / "text.csv", index=False)
    assert _replay(tmp_path / "text.csv", tmp_path) == 0
    frame.assign(target=np.minimum(frame["target"], 3) + 1).to_csv(tmp_path / "codes.csv", index=False)
    assert _replay(tmp_path / "codes.csv", tmp_path) == 0
    assert not [w for w in recwarn if "--task regression" in str(w.message)]
