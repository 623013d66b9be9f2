"""The label-free quality check failed a canary whose score PSI was just above ``max_psi`` with
"PSI 0.200 > 0.2" — the shown value at the limit. Now it is shown with the decimals that tell it
from the limit (the same rule as the error rate and p99 of judge())."""

from unittest import mock

import numpy as np
import pandas as pd

from ctloop.config import QualityRules
from ctloop.serving import analysis


def test_a_psi_just_above_the_limit():
    rng = np.random.default_rng(1)
    logs = pd.DataFrame({"model_version": ["1"] * 300 + ["2"] * 300, "revision": ["r1"] * 300 + ["r2"] * 300,
                         "prediction_1": rng.random(600), "response": ['{"predictions": [1]}'] * 600})
    with mock.patch.object(analysis, "psi", return_value=0.20004):
        passed, reason, _ = analysis.quality_check(logs, None, canary_revision="r2", stable_revision="r1",
                                                   canary_version="2", stable_version="1", rules=QualityRules())
    assert not passed and "PSI 0.20004 > 0.2" in reason, reason
