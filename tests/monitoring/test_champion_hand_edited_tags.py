"""A champion tag ctloop reads back — its gate metric (``ctloop.metric.challenger.*``), its gain
over the champion it replaced (``*.delta``, ``*.ci_low``) or ``ctloop.champion_since`` — edited by
hand in the MLflow UI into something else was a ValueError traceback in every monitoring run. Now
it is one RegistryError naming the model, version, tag and value."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from ctloop.errors import RegistryError
from ctloop.monitoring import champion


class RegistryDouble:
    """The three calls :func:`champion.load` makes of ``ctloop.registry.Registry``."""

    def __init__(self, tags):
        self.tags = tags

    def champion(self, model_name):
        return SimpleNamespace(version="3", tags=self.tags)

    def load_meta(self, model_name, version):
        return {"task": "classification", "features": ["a"], "classes": [0, 1]}

    def load_reference(self, model_name, version):
        return None


@pytest.mark.parametrize(("key", "value"), [("ctloop.metric.challenger.roc_auc", "0,81"),
                                            ("ctloop.metric.roc_auc.delta", "high"),
                                            ("ctloop.champion_since", "last tuesday"),
                                            ("ctloop.champion_since", "99999-01-01")])
def test_a_hand_edited_tag_is_one_registry_error_naming_it(key, value):
    with pytest.raises(RegistryError, match=rf"model 'm' version 3: tag {key} is {value!r}"):
        champion.load(RegistryDouble({key: value}), "m", with_reference=False)


def test_tags_ctloop_wrote_are_read():
    found = champion.load(RegistryDouble({"ctloop.metric.challenger.roc_auc": "0.81", "ctloop.metric.roc_auc.delta":
                                          "nan", "ctloop.champion_since": "2026-12-01T00:00:00+00:00"}), "m")
    assert found.gate_metrics["roc_auc"] == 0.81 and found.since == pd.Timestamp("2026-12-01", tz="UTC")
    assert champion.load(RegistryDouble({}), "m").since == pd.Timestamp("1970-01-01", tz="UTC")
