"""Probe (H4 round 56): two promotions of different versions of one model at once. MLflow aliases are
last-writer-wins, so the promotion lock (``<model>.ctloop-promotion-lock``, ``MlflowRegistry._locked``) must
cover every alias write a promotion makes — ``champion`` (the commit), ``challenger`` (taken off the new
champion, or moved to a newer version: ``drop_challenger``) and ``previous-champion`` — or the two promotions'
writes interleave and ``previous-champion`` can name the champion itself. Each alias write of either promotion
is checked to happen while its own lease holds the lock (the lock's owner tag read from the server just
before the write), and the end state is one chain of committed promotions. Two registry clients with owners
of their own on two threads, against the session's MLflow server: the lock is a registered model on the
server, so a second process contends exactly as a second client does (processes would cost ~2 s of imports
each; a forked one would share MLflow's pooled HTTP connection with its parent). Result: covered, nothing to
fix."""

from __future__ import annotations

import threading
import uuid

import pytest

from ctloop.registry import (
    CHALLENGER,
    CHAMPION,
    LOCK_SUFFIX,
    PREVIOUS_CHAMPION,
    TAG_LOCK_OWNER,
    TAG_WAS_CHAMPION,
    MlflowRegistry,
)
from tests.integration.test_r55_challenger_eligible import _by_hand

pytestmark = pytest.mark.slow


class _Checked:
    """The registry's client, whose alias writes are recorded with the lock's owner as the server had it then."""

    def __init__(self, reg: MlflowRegistry, name: str, writes: list):
        self._client, self._name, self._owner, self._writes = reg.client, name, reg.owner, writes

    def __getattr__(self, attr):
        value = getattr(self._client, attr)
        if attr not in ("set_registered_model_alias", "delete_registered_model_alias"):
            return value

        def write(name, alias, *rest):
            lock = self._client.get_registered_model(f"{self._name}{LOCK_SUFFIX}").tags.get(
                TAG_LOCK_OWNER
            )
            self._writes.append((self._owner, alias, lock))
            return value(name, alias, *rest)

        return write


def test_two_concurrent_promotions_write_every_alias_under_the_lock(mlflow_url):
    setup = MlflowRegistry(mlflow_url)
    experiment = setup.client.create_experiment(f"r56-race-{uuid.uuid4().hex[:8]}")
    name = f"m-{uuid.uuid4().hex[:8]}"
    setup.client.create_registered_model(name)
    for _ in (1, 2, 3):
        setup.client.set_model_version_tag(
            name, _by_hand(setup, experiment, name), "ctloop.gate_decision", "approved"
        )
    # v1 champion as a promotion leaves it (a promotion's ~100 requests are not what this test is about)
    setup.client.set_registered_model_alias(name, CHAMPION, "1")
    setup.client.set_model_version_tag(name, "1", TAG_WAS_CHAMPION, "true")
    setup.client.set_registered_model_alias(
        name, CHALLENGER, "3"
    )  # as a registration of v3 leaves it
    writes: list = []
    start, errors = threading.Barrier(2), []

    def promote(version: str) -> None:
        reg = MlflowRegistry(mlflow_url)
        reg.client = _Checked(reg, name, writes)
        start.wait()
        try:
            reg.promote(name, version, reason=f"v{version} by hand")
        except BaseException as exc:  # noqa: BLE001 - said below
            errors.append(exc)

    threads = [threading.Thread(target=promote, args=(v,)) for v in ("2", "3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    # every alias write of both promotions under its own lease (champion, previous-champion, challenger)
    assert {alias for _, alias, _ in writes} >= {CHAMPION, PREVIOUS_CHAMPION, CHALLENGER}, writes
    assert all(owner == lock for owner, _, lock in writes), writes
    # one chain: v1, then the first promotion's version, then the second's
    history = [(h["version"], h["previous_champion"]) for h in setup.champion_history(name)]
    first, last = history[0][0], history[-1][0]
    assert history == [(first, "1"), (last, first)] and {first, last} == {"2", "3"}, history
    assert setup.aliases(name) == {CHAMPION: last, PREVIOUS_CHAMPION: first}, setup.aliases(name)
    assert setup.inspect(name).consistent, setup.inspect(name).problems
