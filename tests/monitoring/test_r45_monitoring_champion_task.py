"""Round 45: a champion whose ``ctloop.task`` tag was edited by hand (``Classification``, a typo)
failed every monitoring run with "task 'Classification' must be classification or regression",
naming neither the model, its version nor the tag. Now one RegistryError naming them, as the
other hand-edited tags are (test_champion_hand_edited_tags.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ctloop.errors import RegistryError
from ctloop.monitoring import champion


class RegistryDouble:
    """The three calls :func:`champion.load` makes of ``ctloop.registry.Registry``."""

    def __init__(self, tags, task="classification"):
        self.tags, self.task = tags, task

    def champion(self, model_name):
        return SimpleNamespace(version="3", tags=self.tags)

    def load_meta(self, model_name, version):
        return {"task": self.task, "features": ["a"], "classes": [0, 1]}

    def load_reference(self, model_name, version):
        return None


@pytest.mark.parametrize("value", ["Classification", "regresion"])
def test_a_hand_edited_task_tag_is_one_registry_error_naming_it(value):
    with pytest.raises(RegistryError, match=rf"model 'm' version 3: tag ctloop.task is {value!r}, not one of "
                       "classification, regression"):
        champion.load(RegistryDouble({"ctloop.task": value}), "m", with_reference=False)


def test_the_task_ctloop_wrote_is_read_from_the_tag_or_the_metadata():
    assert champion.load(RegistryDouble({"ctloop.task": "regression"}), "m").task == "regression"
    assert champion.load(RegistryDouble({}, task="regression"), "m").task == "regression"
    with pytest.raises(RegistryError, match="its metadata's task is 'binary'"):
        champion.load(RegistryDouble({}, task="binary"), "m")
