"""Promotions against a REAL ``mlflow server`` (tests/fixtures/servers.py) behind a TCP proxy that
cuts the connection at each registry write in turn, as if the server died right there
(tests/fixtures/cutting_proxy.py); and two promoters racing.

The invariant (ctloop.registry's module docstring): after a crash every reader — ``champion()``
with its tags, ``champion_history()``, the audit log — shows either the state before the
promotion or the one after it; whatever lags (alias ``previous-champion``, the former champion's
tags, the record's run status) is reported by ``inspect()`` and finished by ``repair()``, which
never flips the outcome.
"""

from __future__ import annotations

import threading
import time
import uuid
from urllib.parse import urlparse

import pytest

from ctloop import tracking
from ctloop.errors import RegistryError
from ctloop.registry import (
    LOCK_SUFFIX,
    TAG_CHAMPION_SINCE,
    TAG_PREVIOUS_CHAMPION,
    TAG_WAS_CHAMPION,
    MlflowRegistry,
)
from tests.fixtures.cutting_proxy import CuttingProxy
from tests.integration.registry_support import (
    assert_consistent,
    log_small_model,
    promotes,
    snapshot,
)

pytestmark = pytest.mark.slow

API = "/api/2.0/mlflow"


@pytest.fixture(autouse=True)
def _fail_fast(monkeypatch):
    # MLflow retries a refused connection 7 times with exponential backoff (minutes): here a dead
    # server must stop the promoter at once, as a killed process would stop.
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "60")


@pytest.fixture(scope="module")
def logged(mlflow_url):
    _, run_id, uri, _ = log_small_model(mlflow_url, f"promotion-{uuid.uuid4().hex[:6]}")
    return run_id, uri


@pytest.fixture
def reg(mlflow_url):
    return MlflowRegistry(mlflow_url)


def new_model(reg: MlflowRegistry, logged, versions: int = 2) -> str:
    """A fresh registered model with ``versions`` versions (one logged model) and v1 champion."""
    run_id, uri = logged
    name = f"promo-{uuid.uuid4().hex[:8]}"
    for _ in range(versions):
        reg.register(name, model_uri=uri, run_id=run_id, tags={})
    reg.promote(name, "1", reason="first")
    return name


# The cut promoter's lease, and a wait just past it: its lock is a dead holder's after the wait
# (repair and the next promotion break it) and a live one before. Short, because the crash sweep
# waits it out at every one of its ~15 cut points (1 s each made the sweep ~15 s longer); nothing
# else contends for the lock while the promoter runs, so its own lease ending mid-promotion is moot.
LEASE_S = 0.2
PAST_LEASE_S = LEASE_S + 0.15


def proxied(url: str, lease_s: float = LEASE_S, **cut) -> tuple[CuttingProxy, MlflowRegistry]:
    proxy = CuttingProxy(urlparse(url).port, **cut)
    return proxy, MlflowRegistry(proxy.url, lease_s=lease_s)


def direct(url: str) -> None:
    tracking.configure(url)  # MlflowRegistry(proxy) pointed MLflow's global URI at the proxy


def test_a_promotion_writes_intent_then_commit_then_derived_state(reg, logged, mlflow_url):
    name = new_model(reg, logged)
    # a lease no loaded machine outlives: this promotion's writes are the point, and a lease of LEASE_S
    # that ended mid-promotion (a promotion on a busy machine takes longer) left the lock unreleased
    # by design (MlflowRegistry._release), so the last two writes were not the release's
    proxy, preg = proxied(mlflow_url, lease_s=300.0)
    try:
        assert preg.promote(name, "2", reason="counted") == "1"
    finally:
        proxy.close()
        direct(mlflow_url)
    writes = proxy.writes
    print(
        "\nwrites of one promotion:\n  "
        + "\n  ".join(f"{i + 1:>2} {w}" for i, w in enumerate(writes))
    )
    assert (writes[0].path, writes[0].body["name"]) == (
        f"{API}/registered-models/create",
        name + LOCK_SUFFIX,
    )
    assert writes[1].path == f"{API}/runs/create"  # the intent record, in one write
    assert writes[1].body_tags()["ctloop.audit.state"] == "pending"
    assert (writes[2].path, writes[2].body["alias"]) == (
        f"{API}/registered-models/alias",
        "champion",
    )  # commit
    # unlock: the lock renamed to the name of its own lease (r45: a delete by name could remove the lock
    # of the promotion that broke a lease ended mid-promotion), kept there for the sweep a lease later
    # (fix45f: deleted at once, a waiter that read the lease before could rename the next holder's lock)
    assert (writes[-2].path, writes[-2].body["name"]) == (f"{API}/registered-models/rename", name + LOCK_SUFFIX)
    # fix45f2: then tagged as released under that name (a clean promotion's lock is no broken one)
    assert (writes[-1].path, writes[-1].body["key"]) == (f"{API}/registered-models/set-tag", "ctloop.lock.released")
    assert len(writes) >= 12
    assert_consistent(reg, name)


def test_a_crash_at_any_write_leaves_old_or_new_and_repair_completes_it(reg, logged, mlflow_url):
    name = new_model(reg, logged)
    reg.promote(name, "2", reason="warm-up")
    reg.promote(name, "1", reason="warm-up back")  # from here on every promotion is a re-promotion
    # The repairs run with the promoter's short lease, so each repair's sweep removes the locks the
    # repair before it broke and released (a lease old by then). With the default lease they piled up,
    # two a cut, until the first promotion that reached its own sweep, and that sweep added ~6 cut
    # points, each one more delete of the same loop over them (~1.5 s of CPU each). The cut in that
    # sweep is the last case below, on the lock the previous promotion released, as every promotion
    # finds it.
    fixer = MlflowRegistry(mlflow_url, lease_s=LEASE_S)

    lease_over = 0.0  # when the cut promoter's lease has surely ended (time.monotonic())

    def attempt(old: dict, cut, reason: str) -> tuple[CuttingProxy, RegistryError | None, dict]:
        """A promotion away from the champion of ``old`` through a proxy that cuts after write
        ``cut``; the proxy, the promotion's error and the snapshot it leaves when it completes."""
        nonlocal lease_over
        target = "2" if old["champion"] == "1" else "1"
        step = (target, old["champion"], reason)
        new = {
            "champion": target,
            "history": old["history"] + [step],
            "audit": old["audit"] + [step],
        }
        proxy, preg = proxied(mlflow_url, cut=cut, when="after")
        error = None
        try:
            preg.promote(name, target, reason=reason, pipeline_run=f"run-{reason.split()[-1]}")
        except RegistryError as exc:
            error = exc
        finally:
            proxy.close()
            direct(mlflow_url)
        # the promoter's last lease began before its last write: over PAST_LEASE_S after it
        lease_over = time.monotonic() + PAST_LEASE_S
        return proxy, error, new

    def repaired(old: dict, new: dict, proxy: CuttingProxy) -> tuple[str, int, dict]:
        """After a cut: the readers show ``old`` or ``new``, and repair completes it without
        flipping it. Returns the outcome, the number of problems inspect() saw before the repair
        and the repaired snapshot."""
        state = reg.inspect(name)
        if state.consistent and state.lock is None:
            seen = assert_consistent(reg, name, state)  # inspect() calls it consistent only when it is
        else:
            seen = snapshot(reg, name)
        assert seen in (old, new), f"after a cut at {proxy.cut_request}: {seen}"
        # the dead promoter's lease ends (the reads above took part of it: the wait was a whole one)
        time.sleep(max(0.0, lease_over - time.monotonic()))
        fixer.repair(name)
        # its snapshot: the next cut's starting state (nothing writes in between)
        after = assert_consistent(reg, name)
        assert after == seen, "repair flipped the outcome"
        return ("new" if seen == new else "old"), len(state.problems), after

    outcomes = []
    k = 0
    old = snapshot(reg, name)
    while True:
        k += 1
        proxy, error, new = attempt(old, k, f"cut after write {k}")
        if not proxy.cut_request:  # k is past the last write: the promotion ran to the end
            assert error is None and snapshot(reg, name) == new
            assert_consistent(reg, name)
            break
        outcome, problems, old = repaired(old, new, proxy)
        outcomes.append((k, proxy.cut_request, outcome, problems))
    # the cut in the sweep after the unlock: the lock the promotion above released is a lease old
    # now, and the next promotion's sweep deletes it (a crash there leaves the new state)
    time.sleep(max(0.0, lease_over - time.monotonic()))
    deletes = lambda w: w.path.endswith("/registered-models/delete")  # noqa: E731
    proxy, error, swept = attempt(new, deletes, "cut in the sweep")
    assert proxy.cut_request, f"the promotion after a released lock deleted nothing ({error!r}): {proxy.writes}"
    sweep = repaired(new, swept, proxy)
    print(
        "\n"
        + "\n".join(
            f"cut after write {k:>2} {w:<80} -> {o} ({p} problem(s) before repair)"
            for k, w, o, p in outcomes
        )
        + f"\ncut in the sweep {proxy.cut_request} -> {sweep[0]} ({sweep[1]} problem(s))"
    )
    assert k - 1 == len(outcomes) >= 12
    assert {o for _, _, o, _ in outcomes} == {"old", "new"}
    commit = next(i for i, (_, w, _, _) in enumerate(outcomes) if '"alias": "champion"' in w)
    assert [o for _, _, o, _ in outcomes] == ["old"] * commit + ["new"] * (len(outcomes) - commit)
    # the promotion was complete and unlocked before its sweep
    assert sweep[:2] == ("new", 0), sweep


def test_killed_at_the_champion_alias_no_reader_reports_the_promotion(reg, logged, mlflow_url):
    """Issue 13: killed at the `champion` alias, v2 already carried was_champion, champion_since
    and previous_champion, and `ctloop audit` reported a promotion that never happened."""
    name = new_model(reg, logged)
    proxy = CuttingProxy(
        urlparse(mlflow_url).port, cut=lambda w: w.body.get("alias") == "champion", when="before"
    )
    try:
        with pytest.raises(RegistryError):
            MlflowRegistry(proxy.url).promote(name, "2", reason="never happened")
    finally:
        proxy.close()
        direct(mlflow_url)
    assert reg.champion(name).version == "1"
    assert [h["version"] for h in reg.champion_history(name)] == ["1"]
    assert promotes(reg, name) == [("1", "", "first")]
    tags = reg.get_version(name, "2").tags
    assert not {TAG_WAS_CHAMPION, TAG_CHAMPION_SINCE, TAG_PREVIOUS_CHAMPION} & set(tags), tags
    assert any("never committed" in p for p in reg.inspect(name).problems)
    reg.repair(name, break_lock=True)  # the operator knows the promoter is dead
    assert_consistent(reg, name)
    assert [
        (e["event"], e["version"]) for e in reg.audit_log(name) if e["event"].startswith("promote")
    ] == [("promote", "1"), ("promote_aborted", "2")]


def test_killed_at_previous_champion_the_promotion_is_recorded_and_completed(
    reg, logged, mlflow_url
):
    """Issue 13: killed at `previous-champion`, the champion was v2 with no rollback target and
    no audit record."""
    name = new_model(reg, logged)
    proxy = CuttingProxy(
        urlparse(mlflow_url).port,
        cut=lambda w: w.body.get("alias") == "previous-champion",
        when="before",
    )
    try:
        with pytest.raises(RegistryError, match="committed"):
            MlflowRegistry(proxy.url).promote(name, "2", reason="better")
    finally:
        proxy.close()
        direct(mlflow_url)
    champion = reg.champion(name)
    assert champion.version == "2" and champion.tags[TAG_PREVIOUS_CHAMPION] == "1"
    assert promotes(reg, name) == [("1", "", "first"), ("2", "1", "better")]
    assert [h["version"] for h in reg.champion_history(name)] == ["1", "2"]
    assert any("previous-champion" in p for p in reg.inspect(name).problems)
    reg.repair(name, break_lock=True)
    assert reg.aliases(name)["previous-champion"] == "1"
    assert_consistent(reg, name)


def test_the_next_promotion_and_registration_settle_a_crash_by_themselves(reg, logged, mlflow_url):
    name = new_model(reg, logged, versions=3)
    # dies right after its intent record: a pending record the alias never confirmed, and its lock
    proxy, preg = proxied(mlflow_url, cut=lambda w: w.path.endswith("/runs/create"), when="after")
    with pytest.raises(RegistryError):
        preg.promote(name, "2", reason="died")
    proxy.close()
    direct(mlflow_url)
    assert reg.inspect(name).lock is not None
    # its lease ends; the next promotion breaks the lock instead of waiting 300 s
    time.sleep(PAST_LEASE_S)
    assert reg.promote(name, "3", reason="next") == "1"
    assert_consistent(reg, name)
    assert [e["event"] for e in reg.audit_log(name) if e["event"].startswith("promote")] == [
        "promote",
        "promote_aborted",
        "promote",
    ]

    # dies right after the commit; the next registration completes it (the lock is free by then)
    proxy, preg = proxied(mlflow_url, cut=lambda w: w.body.get("alias") == "champion", when="after")
    with pytest.raises(RegistryError):
        preg.promote(name, "2", reason="committed, then died")
    proxy.close()
    direct(mlflow_url)
    time.sleep(PAST_LEASE_S)
    assert reg.champion(name).version == "2" and not reg.inspect(name).consistent
    run_id, uri = logged
    reg.register(name, model_uri=uri, run_id=run_id, tags={})
    assert_consistent(reg, name)
    assert reg.aliases(name)["previous-champion"] == "3"


def test_two_promoters_racing_end_consistent(reg, logged, mlflow_url):
    name = new_model(reg, logged, versions=3)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def promote(version: str) -> None:
        mine = MlflowRegistry(mlflow_url)
        barrier.wait()
        try:
            results[version] = mine.promote(name, version, reason=f"race {version}")
        except RegistryError as exc:  # pragma: no cover - reported below
            results[version] = exc

    threads = [threading.Thread(target=promote, args=(v,)) for v in ("2", "3")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(isinstance(r, Exception) for r in results.values()), results
    history = reg.champion_history(name)
    first, second = history[1]["version"], history[2]["version"]
    assert {first, second} == {"2", "3"} and len(history) == 3
    assert history[1]["previous_champion"] == "1" and history[2]["previous_champion"] == first
    assert results == {first: "1", second: first}  # each saw the champion it replaced
    assert_consistent(reg, name)
