"""A promotion that outlived its lease recorded the champion of before another promotion as the one it replaced.

``promote`` settles the model under its lock (:meth:`MlflowRegistry._settle`: inspect, abort what never
committed, complete the champion's promotion) and then reads the champion it replaces. Round 48 took that
champion from the settle's inspect, read before the settle's own writes, instead of reading the alias again.
A promotion stalled past its lease there (a read retried against a 503) while a waiter broke its lock and
promoted another version went on from the champion it had read before: its record, its
``previous-champion`` alias and its return value named the champion before the other promotion
(history ``[('1', ''), ('3', '1'), ('2', '1')]``; here, with no champion before, v2 replaced "nothing" and
no ``previous-champion`` alias was set), and a rollback went back past v3. The alias is read again
after the settle (one request), as before round 48.

Against the real MLflow server on loopback (the session's, ``tests/fixtures/servers.py``); the stall is the
other promotion run from inside the settle, right after its inspect read the registry."""

from __future__ import annotations

import uuid

from mlflow import MlflowClient

from ctloop.registry import CHAMPION, PREVIOUS_CHAMPION, MlflowRegistry


def test_a_promotion_stalled_past_its_lease_records_the_champion_it_replaced(mlflow_url):
    client = MlflowClient(mlflow_url, registry_uri=mlflow_url)
    name = f"fix48c-stale-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    for _ in range(2):  # not read: no model is loaded
        client.create_model_version(name, source="s3://ctloop-fix48c/model")
    # a lease that has ended by the time its settle reads the registry: any waiter may break it
    stalled, other = MlflowRegistry(mlflow_url, lease_s=0.01), MlflowRegistry(mlflow_url)
    inspect = stalled._inspect
    replaced = {}

    def inspect_then_stall(model):
        state = inspect(model)  # the settle read the champion (none yet)...
        # ...and stalled while another promotion broke the lock and promoted v1
        if "other" not in replaced:
            replaced["other"] = other.promote(name, "1", reason="other")
        return state

    stalled._inspect = inspect_then_stall
    replaced["stalled"] = stalled.promote(name, "2", reason="stalled")

    assert replaced == {"other": None, "stalled": "1"}, replaced
    history = [(h["version"], h["previous_champion"]) for h in other.champion_history(name)]
    assert history == [("1", ""), ("2", "1")], history
    aliases = other.aliases(name)
    assert (aliases[CHAMPION], aliases.get(PREVIOUS_CHAMPION)) == ("2", "1"), aliases
    state = other.inspect(name)
    assert state.consistent, state.problems
