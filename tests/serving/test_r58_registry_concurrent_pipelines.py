"""Two continuous-training runs of one model at once, with no InferenceService (``rollout.inference_service`` empty:
a registry promotion only): run A registered v3 and run B v4, both gated against champion v1. B promoted v4 first;
then A's ``promote_model`` made v3 champion over v4 (main 4f1e0ea7: the promotion lock serialises the two, and the
alias is last-writer-wins), a model never compared with v4, recorded as "v3 replaced v4" with A's reason about v1,
while the challenger rule and ``ctloop approve`` pass a version older than a champion over for good. Neither run was
told. Now A's promotion is refused under the lock (checked before any traffic moves too), in one line naming v4, the
run that promoted it and the way to release v3 anyway; nothing is written. A promotion by hand (``ctloop rollout
promote``, ``by_hand``) is still the override. MLflow is real (the ``registered`` sqlite store: v1 champion, v2)."""

from __future__ import annotations

import pytest

from ctloop.config import RolloutConfig
from ctloop.errors import RegistryError
from ctloop.registry import CHAMPION
from ctloop.serving import release
from tests.fixtures.rollout_store import MODEL, register_from_v2, registered
from tests.integration.registry_support import history

__all__ = ["registered"]


def _promote(reg, version: str, run: str, **kw):
    return release.promote(reg, None, model_name=MODEL, version=version, reason=f"{run}: v{version} beats v1",
                           cfg=RolloutConfig(), run_id=run, **kw)  # fmt: skip


def test_a_pipeline_does_not_promote_a_version_older_than_a_champion_promoted_meanwhile(registered):
    _, reg = registered
    v3 = register_from_v2(reg, tags={"ctloop.gate_decision": "approved"}, registration_id="3" * 32)
    v4 = register_from_v2(reg, tags={"ctloop.gate_decision": "approved"}, registration_id="4" * 32)
    assert _promote(reg, v4, "run-B") == "1"
    before = history(reg, MODEL)
    with pytest.raises(RegistryError) as caught:
        _promote(reg, v3, "run-A")  # was: "4", v3 champion
    text = str(caught.value)
    assert "\n" not in text and text.startswith(
        f"not promoting {MODEL} v3: v4, newer, is champion"
    ), text
    assert "pipeline run run-B" in text and "nothing was changed" in text, text
    assert "ctloop rollout promote" in text and "--version 3" in text, text
    assert reg.aliases(MODEL)[CHAMPION] == "4" and history(reg, MODEL) == before
    assert reg.inspect(MODEL).consistent
    # by hand: the override
    assert _promote(reg, v3, "run-hand", by_hand=True) == "4"
    assert reg.aliases(MODEL)[CHAMPION] == "3"
