"""The monitoring window's counts (``rows``, ``realized_rows``) must be numbers: NaN in one was
published as the text ``None`` (the real Pushgateway then refuses the whole push: every series
of the window lost) or raised a TypeError traceback. Now a ConfigError naming the field."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.monitoring.prometheus import exposition, window_samples


def window(hour: int = 0, **over) -> dict:
    """A judged window, as tests/monitoring/test_monitoring_metrics.py's ``window``."""
    return {"window_end": "2026-12-02T10:00:00+00:00", "champion_version": "3", "rows": 1000,
            "drift_share": 0.1, "drift_scores": {"income": 0.2}, "drifted": {"income": False},
            "realized": None, "realized_metric": "roc_auc", "realized_rows": 0, "gate_value": 0.8,
            "retrain": False, "rule": "none", **over}


@pytest.mark.parametrize("field, over", [
    ("rows", {}),
    ("realized_rows", {"realized": 0.81}),  # with a realized value: compared with min_labels
    ("realized_rows", {}),
])
def test_a_count_that_is_nan_is_a_config_error_naming_it(field, over):
    with pytest.raises(ConfigError, match=rf"window\['{field}'\] must be a number, got nan"):
        exposition(window_samples(window(0, **{field: float("nan")}, **over), now=0.0))


def test_an_optional_value_that_is_nan_is_still_an_absent_series():
    """Unchanged: NaN in an optional value means "not computed" (test_absent_values_...)."""
    text = exposition(window_samples(window(0, drift_share=float("nan")), now=0.0))
    assert "ctloop_monitoring_drift_share" not in text and " None" not in text
