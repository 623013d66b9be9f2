"""A champion set by hand (the MLflow UI) on a version tagged ``ctloop.was_champion=unconfirmed`` read as "a promotion
record names it champion (restored from MLflow's trash?)": ``inspect`` counted the alias' version among the versions
the records name (main 66a38ab4). Found by round 58's registry review. MLflow is real (the ``registered`` sqlite
store: v1 champion, v2)."""

from __future__ import annotations

from ctloop.registry import CHALLENGER, CHAMPION, TAG_WAS_CHAMPION, UNCONFIRMED_WAS_CHAMPION
from tests.fixtures.rollout_store import MODEL, registered

__all__ = ["registered"]


def test_a_hand_set_unconfirmed_champion_is_not_read_as_restored(registered):
    _, reg = registered
    reg.client.set_model_version_tag(MODEL, "2", TAG_WAS_CHAMPION, UNCONFIRMED_WAS_CHAMPION)
    # by hand: no promotion record names v2
    reg.client.set_registered_model_alias(MODEL, CHAMPION, "2")
    reg.client.delete_registered_model_alias(MODEL, CHALLENGER)
    # was: "v2 tag ctloop.was_champion is unconfirmed, but a promotion record names it champion (restored from
    # MLflow's trash?)": the alias' version counted as a record
    assert not [p for p in reg.inspect(MODEL).problems if "trash" in p], reg.inspect(MODEL).problems
