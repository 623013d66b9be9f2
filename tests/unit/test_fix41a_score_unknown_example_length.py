"""Review r41a finding 4: the summary line counting a feature's unknown categories quoted its example
value whole (a 5,000-character value made a 5,145-character line); it is now cut as the contract's
messages cut a value (about 40 characters), the trained category it differs from still named."""

from __future__ import annotations

from tests.unit import test_r40_train_score_binary as binary_inputs
from tests.unit.test_r41_model_score_unknown_categories import _score

scorer = binary_inputs.scorer  # a model of 'x' and the text feature 'region' ('north', 'south')


def test_a_long_unknown_value_is_shortened_in_the_summary(scorer, tmp_path):
    result = _score(scorer, tmp_path, ["x" * 5000] * 3, batch_rows=2)
    lines = [line for line in result.summary().splitlines() if line.startswith("unknown categories:")]
    assert len(lines) == 1 and len(lines[0]) < 250 and "'xxx" in lines[0] and "..." in lines[0], lines


def test_a_short_near_miss_is_still_shown_whole(scorer, tmp_path):
    result = _score(scorer, tmp_path, ["North "] * 3)
    assert "'North '; 'north' was trained" in result.summary(), result.summary()
