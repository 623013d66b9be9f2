"""``retrain`` and ``drifted`` of a pushed window are published as 0/1 by their truth value: the
text ``"false"`` (a window read back from JSON text or a KFP string parameter) or a NaN was
published as 1 — "retrain decided" / "column drifted" for a window that decided neither, and the
drift alert fired on it. Now a value that is not a yes/no is a ConfigError naming the field, as
``push_window``'s docstring promises for a window that is not a judged window."""

import numpy as np
import pytest

from ctloop.errors import ConfigError
from ctloop.monitoring.prometheus import window_samples
from tests.monitoring.test_monitoring_metrics import window


def _value(samples, name, **labels):
    return next(v for n, lab, v in samples if n == f"ctloop_monitoring_{name}" and labels.items() <= lab.items())


@pytest.mark.parametrize("change, field", [
    ({"retrain": "false"}, "retrain"),
    ({"retrain": "no"}, "retrain"),
    ({"retrain": float("nan")}, "retrain"),
    ({"retrain": 0.5}, "retrain"),
    ({"drifted": {"age": "False"}}, "drifted.age"),
    ({"drifted": {"age": float("nan")}}, "drifted.age"),
])
def test_a_flag_that_is_no_yes_or_no_is_refused(change, field):
    with pytest.raises(ConfigError, match=rf"window\['{field}'\] must be true or false"):
        window_samples(window(0, **change), now=0.0)


@pytest.mark.parametrize("flag, published", [(True, 1.0), (False, 0.0), (np.bool_(True), 1.0), (1, 1.0),
                                             (0, 0.0), (None, 0.0)])
def test_yes_and_no_are_published(flag, published):
    samples = window_samples(window(0, retrain=flag, drifted={"age": flag}), now=0.0)
    assert _value(samples, "retrain") == published
    assert _value(samples, "column_drifted", column="age") == published
