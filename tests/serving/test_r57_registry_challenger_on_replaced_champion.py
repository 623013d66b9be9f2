"""A champion set by hand while it was challenger loses alias ``challenger`` when a promotion replaces it (round 57).
Found by building the stores of tests/serving/test_r57_registry_round55_store.py with this code: v3 registered
(challenger), set champion by hand in the MLflow UI, v1 promoted back: ``challenger`` stayed on v3, a version the
challenger rule says never (it was champion), and ``registry status`` read consistent, so ``ctloop score --alias
challenger`` or a shadow deployment scored the model just replaced. MLflow is real (the ``registered`` sqlite store)."""

from __future__ import annotations

from ctloop.registry import CHALLENGER, CHAMPION, PREVIOUS_CHAMPION, TAG_GATE_DECISION
from tests.fixtures.rollout_store import MODEL, register_from_v2, registered

__all__ = ["registered"]


def test_a_replaced_hand_set_champion_is_no_challenger(registered):
    _, reg = registered
    assert (
        register_from_v2(reg, tags={TAG_GATE_DECISION: "approved"}, registration_id="3" * 32) == "3"
    )
    reg.client.set_registered_model_alias(
        MODEL, CHAMPION, "3"
    )  # by hand: v3 challenger and champion
    reg.promote(MODEL, "1", reason="v3 misbehaves: back to v1")
    assert reg.aliases(MODEL) == {CHAMPION: "1", PREVIOUS_CHAMPION: "3"}
    # a store a promotion left so before this fix: flagged, and repair takes it off
    reg.client.set_registered_model_alias(MODEL, CHALLENGER, "3")
    state = reg.inspect(MODEL)
    assert state.incomplete == [f"alias {CHALLENGER} names the previous champion v3"], (
        state.incomplete
    )
    assert reg.repair(MODEL) == [
        f"promotion {state.promotion.id}: alias {CHALLENGER}: removed from v3"
    ]
    assert reg.aliases(MODEL) == {CHAMPION: "1", PREVIOUS_CHAMPION: "3"}
