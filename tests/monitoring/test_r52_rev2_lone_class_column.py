"""A lone float column named like a class's output (``prediction_output_0``) holding hard 0.0/1.0
labels was offered as a score by its name alone (the round 52 review, finding 6): whole floats are
probabilities (a pure-leaf tree's) only when another logged column shares the ``<output>_`` prefix,
an output of every class's probability."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.labels.realized import score_offers

HARD = (np.random.default_rng(3).uniform(size=50) > 0.5).astype(float)


def test_a_lone_column_of_whole_floats_is_not_offered():
    offered, refused = score_offers(pd.DataFrame({"prediction_output_0": HARD}))
    assert offered == []
    assert refused == ["prediction_output_0 (whole numbers: class labels, not probabilities)"]


def test_whole_floats_of_a_per_class_output_are_offered():
    frame = pd.DataFrame({"prediction_output_0": 1 - HARD, "prediction_output_1": HARD})
    assert score_offers(frame)[0] == ["prediction_output_1"]
    # judged alone (a --score-column passed by hand), its sibling still read from the frame
    assert score_offers(frame, columns=["prediction_output_1"]) == (["prediction_output_1"], [])
