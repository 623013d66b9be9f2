"""Behind a proxy that drops ``?filter=``, an idempotency key's lookup is bounded.

KFP 2.17 answers ``GET /runs?filter={description EQUALS <mark>}`` with the key's runs alone (``model/run.go``
``runAPIToModelFieldMap``: ``description``). A proxy that drops the query's ``filter`` answers every run of
the experiment (or, for ``ctloop approve``, of the namespace), and ``Platform.keyed_run`` paged through all
of them: a namespace of years of recurring runs cost one request per 100 runs on every trigger, without end.
Now it reads at most ``KEY_SCAN`` runs of other descriptions (newest first, as it asks: a key among them
is still found), then stops with a one-line error that names the filter, and starts nothing.

Through the KFP API double (tests/doubles/kfp_api.py, KFP 2.17.0 list paging: ``list/list.go``)."""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.errors import PlatformError
from ctloop.ops import platform as platform_module
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli
from tests.ops.test_fix42h5_keyed_run import drop_filters

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

SCAN = 30  # a smaller bound than the default: the same code, 10 pages of 3 instead of 10 of 100


@pytest.fixture
def small_scan(monkeypatch):
    monkeypatch.setattr(platform_module, "KEY_SCAN", SCAN, raising=False)
    monkeypatch.setattr(platform_module, "PAGE", 3)


def _trigger(kfp, key: str) -> int:
    return main(
        [
            "trigger",
            "--host",
            kfp.url,
            "--experiment",
            "credit-ct",
            "--idempotency-key",
            key,
            *TRIGGER_PARAMS,
        ]
    )


def _runs(kfp, n: int, key: str = "") -> None:
    """``n`` runs of the experiment ``credit-ct`` (made when missing), the last one keyed with ``key``."""
    exp = next(
        (e for e in kfp.state.experiments.values() if e["display_name"] == "credit-ct"), None
    )
    exp_id = exp["experiment_id"] if exp else Platform(host=kfp.url).ensure_experiment("credit-ct")
    for i in range(n):
        rid = kfp.add_run(exp_id, f"scheduled-{i}", "SUCCEEDED")
    if key:
        kfp.state.runs[rid]["description"] = f"ctloop-idempotency-key:{key}"


def _lookup(kfp, key: str):
    platform = Platform(host=kfp.url)
    return platform.keyed_run(platform.find_experiment("credit-ct"), key)


def test_past_the_bound_the_trigger_stops_with_the_filter_named(
    monkeypatch, tmp_path, capsys, small_scan
):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _runs(kfp, 1, key="nightly-1")
        _runs(kfp, SCAN + 5)
        drop_filters(kfp)
        before, calls = len(kfp.state.runs), len(kfp.calls)
        capsys.readouterr()
        assert _trigger(kfp, "nightly-1") == 2
        assert len(kfp.state.runs) == before  # nothing started
        pages = [c for c in kfp.calls[calls:] if c.method == "GET" and c.path.endswith("/runs")]
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert (
        f"answered {SCAN} runs whose description is not 'ctloop-idempotency-key:nightly-1'" in err
    )
    assert "fix: let ?filter= through to the KFP API" in err
    assert len(pages) == SCAN // 3


def test_a_key_among_the_newest_is_found_behind_the_proxy(monkeypatch, tmp_path, small_scan):
    # the double lists runs oldest first unless asked for ``created_at desc`` (2.17.0 list.go): a lookup
    # that did not ask would read the SCAN + 5 older runs first and give up
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _runs(kfp, SCAN + 5)
        _runs(kfp, 1, key="nightly-1")
        _runs(kfp, SCAN - 1)
        drop_filters(kfp)
        assert _lookup(kfp, "nightly-1").description == "ctloop-idempotency-key:nightly-1"


def test_with_the_filter_honoured_an_old_key_is_found(monkeypatch, tmp_path, small_scan):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _runs(kfp, 1, key="nightly-1")
        _runs(kfp, SCAN * 3)
        assert _lookup(kfp, "nightly-1").description == "ctloop-idempotency-key:nightly-1"
        assert _lookup(kfp, "nightly-2") is None


def test_runs_the_filter_answers_for_another_case_do_not_count(monkeypatch, tmp_path, small_scan):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _runs(kfp, SCAN + 2)
        # what the database's EQUALS answers for build-a1: case aside
        for run in kfp.state.runs.values():
            run["description"] = "ctloop-idempotency-key:BUILD-A1"
        assert _lookup(kfp, "build-a1") is None


def test_an_approvals_namespace_wide_lookup_is_bounded_too(monkeypatch, tmp_path, small_scan):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        _runs(kfp, SCAN + 1)
        drop_filters(kfp)
        with pytest.raises(
            PlatformError, match=r"nothing was started — fix: let \?filter= through"
        ):
            Platform(host=kfp.url).keyed_run("", "approval-key")
