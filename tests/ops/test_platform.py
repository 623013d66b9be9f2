"""upload / schedule / apply / runs through the real kfp.Client against KfpApiDouble."""

import re

import pytest
import yaml

from ctloop._version import __version__
from ctloop.cli import main
from ctloop.cli.ops import apply_spec
from ctloop.errors import ConfigError, PlatformError
from ctloop.ops.platform import Platform, decisions_from_tasks
from ctloop.ops.spec import load_spec, parse_spec
from tests.doubles.kfp_api import KfpApiDouble
from tests.helpers import REPO

EXAMPLE = REPO / "examples" / "ctloop.yaml"
pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.fixture
def kfp(monkeypatch):
    monkeypatch.delenv("KFP_TOKEN", raising=False)
    monkeypatch.delenv("KF_PIPELINES_ENDPOINT", raising=False)
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", "/nonexistent/token")
    with KfpApiDouble() as double:
        yield double


def _apply(double, spec, dry_run=False, out=None):
    return apply_spec(
        spec,
        platform_factory=lambda _: Platform(host=double.url),
        image=None,
        dry_run=dry_run,
        out=out or (lambda *_: None),
    )


def _changed(mutate):
    data = yaml.safe_load(EXAMPLE.read_text())
    mutate(data)
    return parse_spec(data)


def _recurring_posts(double, start=0):
    return [
        c.body
        for c in double.calls[start:]
        if c.method == "POST" and c.path.endswith("/recurringruns")
    ]


# ---------------------------------------------------------------------------- upload
def test_upload_twice_is_a_noop(kfp, capsys):
    assert main(["upload", "--host", kfp.url]) == 0
    assert "created" in capsys.readouterr().out
    upload = next(c for c in kfp.calls if c.path.endswith("/pipelines/upload"))
    assert upload.body["uploadfile.filename"].endswith(".yaml")
    assert yaml.safe_load_all(upload.body["uploadfile"]).__next__()["pipelineInfo"]["name"]
    n = len(kfp.writes())
    assert main(["upload", "--host", kfp.url]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert len(kfp.writes()) == n  # nothing written the second time


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """One compiled pipeline and two variants with other images (other content, same commit)."""
    from ctloop.cli.ops import _compile_one
    from ctloop.compiler import rewrite_images

    out = tmp_path_factory.mktemp("packages")
    base = _compile_one(out, None)
    variants = [base]
    for tag in ("1.0.0", "2.0.0"):
        path = out / f"ct-{tag}.yaml"
        path.write_text(rewrite_images(base.read_text(), f"registry.example.com/ml/ctloop:{tag}"))
        variants.append(path)
    return variants


def test_changed_content_adds_a_version_named_from_package_and_commit(kfp, packages):
    platform = Platform(host=kfp.url)
    first, v1, v2 = packages
    assert platform.ensure_pipeline("ct", first).action == "created"
    a = platform.ensure_pipeline("ct", v1)
    b = platform.ensure_pipeline("ct", v2)
    assert (a.action, b.action) == ("new-version", "new-version")
    names = [c.query["name"] for c in kfp.calls if c.path.endswith("/upload_version")]
    assert names == [a.version_name, b.version_name]
    base = re.escape(__version__) + r"-([0-9a-f]{7,}(-dirty)?|nogit)"
    assert re.fullmatch(base, names[0]), names  # <package version>-<git short sha>[-dirty]
    assert re.fullmatch(base + r"-[0-9a-f]{10}", names[1]), names  # same commit: + content hash
    (pid,) = kfp.state.pipelines
    assert {c.query["pipelineid"] for c in kfp.calls if c.path.endswith("/upload_version")} == {pid}
    # any content uploaded before is found again by its hash: a no-op, whatever its age
    n = len(kfp.writes())
    assert platform.ensure_pipeline("ct", v1).version_id == a.version_id
    assert platform.ensure_pipeline("ct", first).action == "unchanged"
    assert platform.ensure_pipeline("ct", v2, commit="abc1234").action == "unchanged"
    assert len(kfp.writes()) == n


def test_explicit_commit_names_the_version(kfp, packages):
    platform = Platform(host=kfp.url)
    platform.ensure_pipeline("ct", packages[0])
    result = platform.ensure_pipeline("ct", packages[1], commit="abc1234")
    assert result.version_name == f"{__version__}-abc1234"


def test_upload_dry_run_writes_nothing(kfp, capsys):
    assert main(["upload", "--host", kfp.url, "--dry-run"]) == 0
    assert "would-create" in capsys.readouterr().out
    assert kfp.writes() == []


# ---------------------------------------------------------------------------- schedule
CT = ["--param", "model_name=credit", "--param", "data.uri=gs://bucket/credit.parquet", "--param", "data.target=y",
      "--param", "data.time_column=t"]


def test_schedule_defaults_and_utc(kfp, capsys):
    assert (
        main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", *CT, "--param", "data.window=90D"]) == 0
    )
    out = capsys.readouterr().out
    assert "every day at 03:00:00 UTC" in out
    (body,) = _recurring_posts(kfp)
    assert body["trigger"]["cron_schedule"]["cron"] == "0 0 3 * * *"
    assert body["no_catchup"] is True and int(body["max_concurrency"]) == 1
    assert body["mode"] == "ENABLE"
    assert body["runtime_config"]["parameters"]["data"] == {"uri": "gs://bucket/credit.parquet", "target": "y",
                                                             "time_column": "t", "window": "90D"}
    assert body["experiment_id"] in kfp.state.experiments
    assert body["pipeline_version_reference"]["pipeline_version_id"]  # pinned version
    assert "UTC" in body["description"]


def test_schedule_refuses_a_pipeline_whose_required_values_are_missing(kfp, capsys):
    """A scheduled run must not fail at night for a value nobody set (no demo defaults either)."""
    assert main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", "--param", "model_name=credit",
                 "--param", "data.uri=gs://bucket/credit.parquet"]) == 2
    err = capsys.readouterr().err
    assert "data.target: required" in err and "data.time_column: required" in err
    assert kfp.calls == []
    assert main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *"]) == 2
    err = capsys.readouterr().err
    assert "model_name: required by the pipeline" in err and "data: required by the pipeline" in err
    assert kfp.calls == []


def test_schedule_refuses_five_fields_before_any_call(kfp, capsys):
    assert main(["schedule", "--host", kfp.url, "--cron", "0 3 * * *"]) == 2
    err = capsys.readouterr().err
    assert "seconds first" in err and '"0 0 3 * * *"' in err
    assert kfp.calls == []


def test_schedule_rejects_out_of_range_concurrency(kfp, capsys):
    assert (
        main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", *CT, "--max-concurrency", "11"])
        == 2
    )
    assert "1-10" in capsys.readouterr().err
    assert _recurring_posts(kfp) == []


def test_rescheduling_replaces_create_before_delete(kfp, capsys):
    assert main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", *CT]) == 0
    (old,) = kfp.state.recurring
    start = len(kfp.calls)
    assert main(["schedule", "--host", kfp.url, "--cron", "0 0 4 * * *", *CT]) == 0
    assert "replaced" in capsys.readouterr().out
    writes = [(c.method, c.path) for c in kfp.calls[start:] if c.method in ("POST", "DELETE")]
    assert writes == [
        ("POST", "/apis/v2beta1/recurringruns"),
        ("POST", f"/apis/v2beta1/recurringruns/{old}:disable"),
        ("DELETE", f"/apis/v2beta1/recurringruns/{old}"),
    ]


def test_schedule_the_monitoring_pipeline_hourly(kfp):
    argv = ["schedule", "--host", kfp.url, "--pipeline", "monitoring", "--cron", "0 5 * * * *"]
    assert main([*argv, "--param", "model_name=credit", "--param", "monitoring.log_root=gs://logs/ctloop",
                 "--param", 'training_parameters={"data": {"uri": "gs://b/t.parquet", "target": "y", '
                 '"time_column": "t"}}']) == 0
    (body,) = _recurring_posts(kfp)
    assert body["display_name"] == "monitoring-schedule"
    assert body["runtime_config"]["parameters"]["monitoring"] == {"log_root": "gs://logs/ctloop"}
    assert any(p["display_name"] == "monitoring" for p in kfp.state.pipelines.values())


# ---------------------------------------------------------------------------- apply
def test_apply_dry_run_then_apply_then_noop(kfp):
    spec = load_spec(EXAMPLE)
    lines = []
    plan = _apply(kfp, spec, dry_run=True, out=lines.append)
    assert [a["action"] for a in plan] == ["would-create"] * 5  # 2 pipelines, 3 schedules
    assert any("experiment credit-continuous-training: would-create" in x for x in lines)
    assert kfp.writes() == []

    first = _apply(kfp, spec)
    assert [a["action"] for a in first] == ["created"] * 5
    assert {p["display_name"] for p in kfp.state.pipelines.values()} == {"continuous-training", "monitoring"}
    bodies = {b["display_name"]: b for b in _recurring_posts(kfp)}
    assert set(bodies) == {"ct-credit-default", "monitor-credit-default", "ct-loss-given-default"}
    credit = bodies["ct-credit-default"]
    assert credit["trigger"]["cron_schedule"]["cron"] == "0 0 3 * * *"
    assert credit["service_account"] == "ctloop-pipeline-runner"
    params = credit["runtime_config"]["parameters"]
    assert params["model_name"] == "credit-default" and params["gate"]["thresholds"]["roc_auc"] == 0.72
    assert bodies["ct-loss-given-default"]["runtime_config"]["parameters"]["training"]["task"] == "regression"
    monitor = bodies["monitor-credit-default"]
    assert monitor["trigger"]["cron_schedule"]["cron"] == "0 5 * * * *"
    assert monitor["runtime_config"]["parameters"]["training_parameters"]["data"] == params["data"]

    n = len(kfp.writes())
    again = _apply(kfp, spec)
    assert [a["action"] for a in again] == ["unchanged"] * 5
    assert len(kfp.writes()) == n
    assert [a["action"] for a in _apply(kfp, spec, dry_run=True)] == ["unchanged"] * 5


def test_changed_spec_replaces_only_that_schedule_create_before_delete(kfp):
    _apply(kfp, load_spec(EXAMPLE))
    old = {r["display_name"]: rid for rid, r in kfp.state.recurring.items()}
    spec = _changed(lambda d: d["models"][0]["schedule"].update(cron="0 0 5 * * *"))
    n = len(kfp.calls)
    assert [a["action"] for a in _apply(kfp, spec, dry_run=True)] == [
        "unchanged", "unchanged", "would-replace", "unchanged", "unchanged"]
    assert [c for c in kfp.calls[n:] if c.method != "GET"] == []

    start = len(kfp.calls)
    result = _apply(kfp, spec)
    assert [a["action"] for a in result] == ["unchanged", "unchanged", "replaced", "unchanged", "unchanged"]
    writes = [(c.method, c.path) for c in kfp.calls[start:] if c.method in ("POST", "DELETE")]
    rid = old["ct-credit-default"]
    assert writes == [
        ("POST", "/apis/v2beta1/recurringruns"),
        ("POST", f"/apis/v2beta1/recurringruns/{rid}:disable"),
        ("DELETE", f"/apis/v2beta1/recurringruns/{rid}"),
    ]
    live = [r for r in kfp.state.recurring.values() if r["display_name"] == "ct-credit-default"]
    assert len(live) == 1 and live[0]["trigger"]["cron_schedule"]["cron"] == "0 0 5 * * *"
    assert old["ct-loss-given-default"] in kfp.state.recurring  # untouched


def test_new_pipeline_content_moves_every_schedule_to_the_new_version(kfp):
    _apply(kfp, load_spec(EXAMPLE))
    spec = _changed(lambda d: d["platform"].update(image="registry.example.com/ml/ctloop:9.9.9"))
    result = _apply(kfp, spec)
    assert [a["action"] for a in result] == ["new-version", "new-version", "replaced", "replaced", "replaced"]
    newest = {pid: kfp.state.versions[pid][-1]["pipeline_version_id"] for pid in kfp.state.pipelines}
    refs = {r["pipeline_version_reference"]["pipeline_version_id"] for r in kfp.state.recurring.values()}
    assert refs == set(newest.values())


def test_in_flight_run_keeps_the_old_schedule_until_it_ends(kfp):
    _apply(kfp, load_spec(EXAMPLE))
    old = next(
        rid for rid, r in kfp.state.recurring.items() if r["display_name"] == "ct-credit-default"
    )
    exp = kfp.state.recurring[old]["experiment_id"]
    run = kfp.add_run(exp, "ct-credit-default-run", "RUNNING", recurring_run_id=old)
    spec = _changed(lambda d: d["models"][0]["schedule"].update(cron="0 0 6 * * *"))
    lines = []
    _apply(kfp, spec, out=lines.append)
    assert kfp.state.recurring[old]["status"] == "DISABLED"  # not deleted: its run keeps going
    assert not any(c.method == "DELETE" for c in kfp.calls)
    assert any(old in x and "in flight" in x for x in lines)
    # the run ends; the next apply of the same spec deletes the leftover and changes nothing else
    kfp.set_run_state(run, "SUCCEEDED")
    result = _apply(kfp, spec)
    assert [a["action"] for a in result] == ["unchanged"] * 5
    assert old not in kfp.state.recurring
    assert [c.path for c in kfp.calls if c.method == "DELETE"] == [
        f"/apis/v2beta1/recurringruns/{old}"
    ]


def test_disabled_schedule_is_reconciled_not_recreated(kfp):
    spec = _changed(lambda d: d["models"][0]["schedule"].update(enabled=False))
    _apply(kfp, spec)
    (body,) = [b for b in _recurring_posts(kfp) if b["display_name"] == "ct-credit-default"]
    assert body["mode"] == "DISABLE"
    n = len(kfp.writes())
    assert [a["action"] for a in _apply(kfp, spec)] == ["unchanged"] * 5
    assert len(kfp.writes()) == n
    # someone enabled it by hand: apply restores the declared state without recreating it
    rid = next(
        r for r, v in kfp.state.recurring.items() if v["display_name"] == "ct-credit-default"
    )
    kfp.state.recurring[rid]["status"] = "ENABLED"
    assert [a["action"] for a in _apply(kfp, spec)][1] == "disabled"
    assert kfp.state.recurring[rid]["status"] == "DISABLED" and len(kfp.state.recurring) == 2


def test_every_section_field_reaches_the_pipeline_and_bad_ones_stop_apply_before_any_call(kfp):
    spec = _changed(lambda d: d["models"][1]["data"].update(format="csv"))
    _apply(kfp, spec)
    body = next(b for b in _recurring_posts(kfp) if b["display_name"] == "ct-loss-given-default")
    assert body["runtime_config"]["parameters"]["data"]["format"] == "csv"
    kfp.calls.clear()
    with pytest.raises(ConfigError, match=r"models\[1\]\.data\.format: must be one of"):
        _apply(kfp, _changed(lambda d: d["models"][1]["data"].update(format="xlsx")))
    assert kfp.calls == []


# ---------------------------------------------------------------------------- auth and errors
def test_token_flag_and_env_are_sent_as_bearer(kfp, monkeypatch):
    assert main(["upload", "--host", kfp.url, "--token", "t0k3n", "--dry-run"]) == 0
    assert kfp.calls and all(c.headers.get("authorization") == "Bearer t0k3n" for c in kfp.calls)
    kfp.calls.clear()
    monkeypatch.setenv("KFP_TOKEN", "from-env")
    assert main(["upload", "--host", kfp.url, "--dry-run"]) == 0
    assert all(c.headers.get("authorization") == "Bearer from-env" for c in kfp.calls)


def test_in_cluster_service_account_token_file_is_used_with_a_host(kfp, monkeypatch, tmp_path):
    token = tmp_path / "token"
    token.write_text("projected-sa-token")
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(token))
    assert main(["upload", "--host", kfp.url, "--dry-run"]) == 0
    assert kfp.calls and all(
        c.headers.get("authorization") == "Bearer projected-sa-token" for c in kfp.calls
    )


def test_api_errors_become_platform_errors(kfp):
    platform = Platform(host=kfp.url)
    with pytest.raises(PlatformError, match=r"create recurring run failed: HTTP 400.*pipeline"):
        platform.reconcile_schedule(
            experiment_id=platform.ensure_experiment("e"),
            job_name="j",
            pipeline_id="nope",
            version_id="v",
            cron="0 0 3 * * *",
            params={},
        )


def test_unreachable_host_is_one_clear_line(capsys):
    assert main(["runs", "--host", "http://127.0.0.1:9", "--experiment", ""]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach KFP at http://127.0.0.1:9") and "--host" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------------------- runs
def test_decisions_from_run_details():
    ct = [
        ("prepare-data", "SUCCEEDED"),
        ("detect-drift", "SUCCEEDED"),
        ("retrain", "SUCCEEDED"),
        ("keep-champion", "SKIPPED"),
        ("approved", "SUCCEEDED"),
        ("rejected", "SKIPPED"),
        ("canary-passed", "SKIPPED"),
        ("canary-failed", "SUCCEEDED"),
        ("rollback-model", "SUCCEEDED"),
    ]
    assert decisions_from_tasks(ct) == ["gate approved", "canary rolled back"]
    assert decisions_from_tasks([("retrain", "SUCCEEDED"), ("rejected", "SUCCEEDED")]) == [
        "gate rejected"
    ]
    assert decisions_from_tasks([("keep-champion", "SUCCEEDED")]) == ["no retrain (champion kept)"]
    assert decisions_from_tasks([("retrain", "RUNNING"), ("train-model", "FAILED")]) == [
        "retrain",
        "failed: train-model",
    ]
    assert decisions_from_tasks([]) == []


def test_runs_lists_state_and_decisions(kfp, capsys):
    _apply(kfp, load_spec(EXAMPLE))
    exp = next(iter(kfp.state.experiments))
    kfp.add_run(
        exp,
        "ct-credit-default-1",
        "SUCCEEDED",
        tasks=[("retrain", "SUCCEEDED"), ("approved", "SUCCEEDED"), ("canary-passed", "SUCCEEDED")],
    )
    kfp.add_run(exp, "ct-credit-default-2", "FAILED", tasks=[("prepare-data", "FAILED")])
    capsys.readouterr()  # kfp.Client prints upload links
    assert main(["runs", "--host", kfp.url, "--experiment", "credit-continuous-training"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("created (UTC)")
    assert (
        "ct-credit-default-2" in out[1] and "FAILED" in out[1] and "failed: prepare-data" in out[1]
    )
    assert "ct-credit-default-1" in out[2] and "gate approved, canary promoted" in out[2]


def test_runs_unknown_experiment_says_how_to_fix(kfp, capsys):
    assert main(["runs", "--host", kfp.url, "--experiment", "nope"]) == 2
    assert "kfp.experiment" in capsys.readouterr().err
