"""Round 57's third review of the legacy-tag migration (``_migrate_legacy_champions``, ``_legacy_versions``), each
case failing on main (cce72848):

1. a ``ctloop.was_champion=true`` tag that readable promotion records do not confirm, on a version that is no copy,
   was kept as ``true``: every repair of a consistent store took the lock and said the same note again, every
   promotion logged the same warning, and every register read the audit records (``_alias_champions``). Now it is
   rewritten once to ``unconfirmed`` (counted by neither ``_champion_tagged`` nor ``_legacy_versions``), said once;
   records unreadable, it stays ``true``.
2. a registry server that rejects ``tags.`` filters in ``search_model_versions`` made ``_legacy_versions`` raise,
   blocking every promotion and repair; now it lists every version and filters here.
3. a failed tag write in a repair's migration was a log line only; now a note in repair's output too.

MLflow is real (the ``registered`` sqlite store: v1 champion, v2); refused calls are fault injections on the client."""

from __future__ import annotations

from mlflow.exceptions import MlflowException

from ctloop.registry import (
    TAG_WAS_CHAMPION,
)
from tests.fixtures.rollout_store import MODEL, registered
from tests.serving.test_r57_registry_round55_store import was_champion

__all__ = ["registered"]


def test_a_server_refusing_tag_filters_does_not_block_promotion_or_repair(registered, monkeypatch):
    _, reg = registered
    # as round 55 promoted v1
    reg.client.set_model_version_tag(MODEL, "1", TAG_WAS_CHAMPION, "true")
    real = reg.client.search_model_versions
    refused = []

    # fault injection: a server that rejects tags. filters
    def no_tag_filters(filter_string=None, *args, **kwargs):
        if "tags." in (filter_string or ""):
            refused.append(filter_string)
            raise MlflowException(  # the shape of mlflow 3.17.2 utils/search_utils.py's refusal
                "INVALID_PARAMETER_VALUE: Invalid entity type 'tags'"
            )
        return real(filter_string, *args, **kwargs)

    monkeypatch.setattr(reg.client, "search_model_versions", no_tag_filters)
    # was: RegistryError
    assert [str(mv.version) for mv in reg._legacy_versions(MODEL)] == ["1"]
    assert reg.repair(MODEL) == [
        f"v1 tag {TAG_WAS_CHAMPION}: true -> {MODEL} (a promotion record names it champion)"
    ]
    assert refused and was_champion(reg) == {"1": MODEL, "2": None}
    assert reg.repair(MODEL) == []  # (a promotion settles through the same migration)
