"""``split_traffic``/``quality_check`` on a log frame that names versions but has no ``revision``
column (a frame built by hand or read from another store): with no stable version to select by
(no champion, or the champion is the canary's own version) the stable side was selected by
``logs["revision"]`` — a KeyError traceback. Now the stable side is empty and the quality check
fails in one line, as for any canary without a stable side to compare with."""

import pandas as pd

from ctloop.config import QualityRules
from ctloop.serving.analysis import quality_check, split_traffic

LOGS = pd.DataFrame({"model_version": ["2", "1", "2"], "prediction_1": [0.1, 0.2, 0.3],
                     "response": ['{"predictions": [1]}'] * 3})


def test_no_stable_version_and_no_revision_column_is_an_empty_stable_side():
    canary, stable, how = split_traffic(LOGS, canary_version="2", stable_version="", stable_revision="r-00001")
    assert how == "model_version" and len(canary) == 2 and len(stable) == 0


def test_the_quality_check_fails_in_one_line():
    passed, reason, measured = quality_check(LOGS, None, canary_revision="r-00002", stable_revision="r-00001",
                                             canary_version="2", stable_version="", rules=QualityRules(min_rows=1))
    assert not passed and "too little logged traffic" in reason, reason
    assert measured["stable_logged"] == 0
