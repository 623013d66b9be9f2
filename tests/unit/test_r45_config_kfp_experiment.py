"""``kfp.experiment: ""`` (or blank) validated — ``apply --dry-run`` printed "valid" — and was refused
only when ``apply`` reached the KFP API (``ops.platform.check_name``; the 2.17 API server answers an
experiment without a name with HTTP 500). It is refused where ctloop.yaml is validated."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.spec import parse_spec


@pytest.mark.parametrize("name", ["", "   "], ids=["empty", "blank"])
def test_a_blank_experiment_is_refused_by_the_spec(name):
    doc = {
        "apiVersion": "ctloop.dev/v1alpha2",
        "kind": "ContinuousTraining",
        "kfp": {"experiment": name},
        "models": [
            {
                "name": "credit",
                "data": {"uri": "/tmp/x.parquet", "target": "y", "time_column": "t"},
                "gate": {"thresholds": {"roc_auc": 0.7}},
            }
        ],
    }
    with pytest.raises(ConfigError, match=rf"kfp\.experiment: must not be blank, got {name!r}"):
        parse_spec(doc, "ctloop.yaml")
