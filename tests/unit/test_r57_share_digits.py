"""A drift share is printed with as many decimals as its threshold is written with, wherever it is
compared (round 57 review): detect_drift's reason read "share 0.67 < 0.667" for 2 of 3 columns
(2/3 is below 0.667, and rounds up) and "share 0.33 >= 0.333" for 1 of 3."""

from __future__ import annotations

import pytest

from ctloop.drift.engine import ColumnDrift, finish
from ctloop.metrics import share_text


def _verdict(drifted: int, of: int, share: float) -> str:
    results = [ColumnDrift(f"c{i}", "numerical", "ks", 0.01 if i < drifted else 0.5, 0.05, i < drifted)
               for i in range(of)]
    return finish(results, drift_share=share, correction=None).reason


@pytest.mark.parametrize(("drifted", "share", "said"), [
    (2, 0.667, "share 0.667 < 0.667"),
    (1, 0.333, "share 0.333 >= 0.333"),
    (2, 0.5, "share 0.67 >= 0.5"),
])
def test_detect_drift_s_reason_prints_the_share_with_the_threshold_s_digits(drifted, share, said):
    assert said in _verdict(drifted, 3, share)


@pytest.mark.parametrize(("threshold", "text"), [
    (0.5, "0.33"), (0.333, "0.333"), (1e-3, "0.333"), (5e-05, "0.33333"), (1e-07, "0.333333"),
    (0.1 + 0.2, "0.333333"),
])
def test_share_text_takes_the_threshold_s_decimals_up_to_6(threshold, text):
    assert share_text(1 / 3, threshold) == text
