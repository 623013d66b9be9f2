"""Of two runs one idempotency key started at once, the later one ran on when it was stored first.

Each creator lists the key's runs once its own is stored (``Platform._settle_key``); the earliest sent is the
key's (``keyed_run`` answers it) and a later one terminates itself. A later run stored BEFORE the first (a
store order against the send order: its create reached the API server's database sooner) had its creator
list before the first existed: it kept its run. The first's creator then saw both, and only warned "each
stops itself ... (terminate it in the KFP UI)" — two continuous-training runs of one key ran to the end, both
registering and promoting. Now the first's creator terminates every later run of the key it sees that is
still active (2.17.0 ``api/v2beta1/run.proto`` ``TerminateRun``; ``storage/run_store.go``: PENDING, RUNNING,
PAUSED), and names them. Through the KFP API double (tests/doubles/kfp_api.py)."""

from __future__ import annotations

import uuid

import pytest

from ctloop.ops.platform import KEY_MARK, Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_r43_kfp_concurrent_key import KEY, _create, _states

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def test_the_first_stops_a_later_run_stored_before_it(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        original = kfp.dispatch
        late: list[str] = []

        def dispatch(method, path, query, body):
            if method == "POST" and path.endswith("/runs") and not late:
                # another trigger drew its id 1 ms after this one, but its run is stored first, and its
                # creator listed the key's runs then (only its own: it keeps it)
                late.append(str(uuid.UUID(int=uuid.UUID(body["run_id"]).int + (1 << 80))))
                kfp.state.runs[late[0]] = {
                    **body,
                    "run_id": late[0],
                    "state": "RUNNING",
                    "description": f"{KEY_MARK}{KEY}",
                    "created_at": "2026-12-06T01:00:00Z",
                }
            return original(method, path, query, body)

        kfp.dispatch = dispatch
        kept = _create(Platform(host=kfp.url))
        states = _states(kfp)
        found = Platform(host=kfp.url).keyed_run(kfp.state.runs[kept]["experiment_id"], KEY)
    assert states == {kept: "PENDING", late[0]: "CANCELING"}
    assert found.run_id == kept
    err = capsys.readouterr().err
    assert f"run {kept} is the key's; terminated {late[0]}" in err, err


def test_a_later_run_that_already_ended_is_left_alone(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        original = kfp.dispatch
        late: list[str] = []

        def dispatch(method, path, query, body):
            if method == "POST" and path.endswith("/runs") and not late:
                late.append(str(uuid.UUID(int=uuid.UUID(body["run_id"]).int + (1 << 80))))
                kfp.state.runs[late[0]] = {
                    **body,
                    "run_id": late[0],
                    "state": "CANCELED",  # its creator stopped it already
                    "description": f"{KEY_MARK}{KEY}",
                    "created_at": "2026-12-06T01:00:00Z",
                }
            return original(method, path, query, body)

        kfp.dispatch = dispatch
        _create(Platform(host=kfp.url))
        terminates = [c for c in kfp.calls if c.path.endswith(":terminate")]
    assert not terminates and "could not terminate" not in capsys.readouterr().err
