"""upload / schedule / apply / runs / trigger through the real kfp.Client against KfpApiDouble.

The double's answers follow kubeflow/pipelines 2.17.0 (``backend/src/apiserver/main.go``
healthz, ``backend/src/common/util/error.go`` error bodies) and what sits in front of a Kubeflow
install (kubeflow/manifests ``common/oauth2-proxy``): see tests/doubles/kfp_api.py.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ctloop._version import __version__
from ctloop.cli import main
from ctloop.cli.ops import apply_spec
from ctloop.errors import ConfigError, PlatformError
from ctloop.ops.platform import DECISION_TASKS, Platform, decisions_from_tasks
from ctloop.ops.spec import load_spec, parse_spec
from tests.doubles.kfp_api import KfpApiDouble
from tests.fixtures.servers import SHUTDOWN_POLL_S
from tests.helpers import REPO

EXAMPLE = REPO / "examples" / "ctloop.yaml"
pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    # every apply builds, compiles and measures the spec's pipelines: remembered by all inputs (tests/ops/conftest.py)
    pytest.mark.usefixtures("pipelines_memo"),
]


IMAGE = "registry.example.com/ml/ctloop:0.1.0"


def isolate_kfp_env(monkeypatch, tmp_path) -> None:
    """No credentials, host or image from the developer's environment; HOME without kfp context."""
    for name in ("KFP_TOKEN", "KFP_TOKEN_FILE", "KF_PIPELINES_ENDPOINT", "KUBECONFIG",
                 "KUBERNETES_SERVICE_HOST", "CTLOOP_IMAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", "/nonexistent/token")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr("kfp.client.Client._LOCAL_KFP_CONTEXT",
                        str(tmp_path / "home" / ".config" / "kfp" / "context.json"))


@pytest.fixture
def kfp_env(monkeypatch, tmp_path):
    """No credentials, host or image from the developer's environment; HOME without kfp context."""
    isolate_kfp_env(monkeypatch, tmp_path)


@pytest.fixture
def kfp(kfp_env, monkeypatch):
    monkeypatch.setenv("CTLOOP_IMAGE", IMAGE)  # cluster commands refuse the placeholder image
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


def test_a_retrain_runs_the_version_the_models_schedule_runs_not_the_newest_upload(kfp, packages):
    """Image A, then B, then A again: apply pins ct-<model> to A's version (found by its hash),
    but a monitoring trigger started the newest upload, B — the image rolled back from. Two specs
    of other images sharing the pipeline do not re-upload each other's versions either."""
    platform = Platform(host=kfp.url)
    a, b = packages[1], packages[2]
    first = platform.ensure_pipeline("continuous-training", a)
    platform.ensure_pipeline("continuous-training", b)
    back = platform.ensure_pipeline("continuous-training", a)
    assert (back.action, back.version_id) == ("unchanged", first.version_id)
    exp = platform.ensure_experiment("ct")
    platform.reconcile_schedule(experiment_id=exp, job_name="ct-credit", pipeline_id=back.pipeline_id,
                                version_id=back.version_id, cron="0 0 3 * * *", params={})
    run = platform.create_run("continuous-training", experiment="ct", run_name="retrain", schedule="ct-credit")
    assert kfp.state.runs[run]["pipeline_version_reference"]["pipeline_version_id"] == first.version_id
    other = platform.create_run("continuous-training", experiment="ct", run_name="r", schedule="ct-unscheduled")
    assert kfp.state.runs[other]["pipeline_version_reference"]["pipeline_version_id"] != first.version_id  # newest
    assert len(next(iter(kfp.state.versions.values()))) == 2


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
    """Refused by argparse with ScheduleConfig's rule (KFP allows 1-10) before KFP is called at all."""
    with pytest.raises(SystemExit) as info:
        main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", *CT, "--max-concurrency", "11"])
    assert info.value.code == 2
    assert "argument --max-concurrency: must be in [1, 10], got '11'" in capsys.readouterr().err
    assert kfp.calls == []


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


def test_schedule_the_batch_scoring_pipeline_nightly(kfp):
    argv = ["schedule", "--host", kfp.url, "--pipeline", "batch-scoring", "--cron", "0 0 2 * * *"]
    assert main([*argv, "--param", "model_name=credit"]) == 2  # scoring.data/output have no default
    assert _recurring_posts(kfp) == []
    assert main([*argv, "--param", "model_name=credit", "--param", "scoring.data=gs://b/applications/",
                 "--param", "scoring.output=gs://b/scores", "--param", "scoring.batch_rows=50000"]) == 0
    (body,) = _recurring_posts(kfp)
    assert body["display_name"] == "batch-scoring-schedule"
    assert body["runtime_config"]["parameters"]["scoring"] == {"data": "gs://b/applications/",
                                                                "output": "gs://b/scores", "batch_rows": 50000}
    assert any(p["display_name"] == "batch-scoring" for p in kfp.state.pipelines.values())


# ---------------------------------------------------------------------------- apply
def test_apply_schedules_batch_scoring_from_a_scoring_section(kfp):
    spec = parse_spec({"apiVersion": "ctloop.dev/v1alpha2", "kind": "ContinuousTraining", "models": [
        {"name": "credit", "data": {"uri": "gs://b/t.parquet", "target": "y", "time_column": "t"},
         "gate": {"thresholds": {"roc_auc": 0.7}},
         "scoring": {"data": "gs://b/applications/", "output": "gs://b/scores", "id_column": "application_id",
                     "schedule": {"cron": "0 0 2 * * *"}}}]})
    lines = []
    actions = _apply(kfp, spec, out=lines.append)
    assert [a["action"] for a in actions] == ["created"] * 3  # two pipelines, one schedule
    (body,) = _recurring_posts(kfp)
    assert body["display_name"] == "score-credit"
    assert body["runtime_config"]["parameters"]["scoring"] == {
        "data": "gs://b/applications/", "output": "gs://b/scores", "id_column": "application_id",
        "alias": "champion", "batch_rows": 100000, "log_root": ""}
    assert {p["display_name"] for p in kfp.state.pipelines.values()} == {"continuous-training", "batch-scoring"}
    assert not any("no schedule declared" in line for line in lines)
    with pytest.raises(ConfigError, match=r"models\[0\]\.scoring\.output: "):
        parse_spec({"apiVersion": "ctloop.dev/v1alpha2", "kind": "ContinuousTraining", "models": [
            {"name": "credit", "data": {"uri": "gs://b/t.parquet", "target": "y", "time_column": "t"},
             "gate": {"thresholds": {"roc_auc": 0.7}}, "scoring": {"data": "gs://b/applications/"}}]})


def test_apply_dry_run_then_apply_then_noop(kfp):
    spec = load_spec(EXAMPLE)
    lines = []
    plan = _apply(kfp, spec, dry_run=True, out=lines.append)
    # 3 pipelines (rollout: credit-default's approvals start it), 3 schedules
    assert [a["action"] for a in plan] == ["would-create"] * 6
    assert any("experiment credit-continuous-training: would-create" in x for x in lines)
    assert kfp.writes() == []

    first = _apply(kfp, spec)
    assert [a["action"] for a in first] == ["created"] * 6
    assert {p["display_name"] for p in kfp.state.pipelines.values()} == {"continuous-training", "monitoring", "rollout"}
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
    assert [a["action"] for a in again] == ["unchanged"] * 6
    assert len(kfp.writes()) == n
    assert [a["action"] for a in _apply(kfp, spec, dry_run=True)] == ["unchanged"] * 6


def test_changed_spec_replaces_only_that_schedule_create_before_delete(kfp):
    _apply(kfp, load_spec(EXAMPLE))
    old = {r["display_name"]: rid for rid, r in kfp.state.recurring.items()}
    spec = _changed(lambda d: d["models"][0]["schedule"].update(cron="0 0 5 * * *"))
    n = len(kfp.calls)
    assert [a["action"] for a in _apply(kfp, spec, dry_run=True)] == [
        "unchanged", "unchanged", "unchanged", "would-replace", "unchanged", "unchanged"]
    assert [c for c in kfp.calls[n:] if c.method != "GET"] == []

    start = len(kfp.calls)
    result = _apply(kfp, spec)
    assert [a["action"] for a in result] == ["unchanged", "unchanged", "unchanged", "replaced", "unchanged", "unchanged"]
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
    assert [a["action"] for a in result] == ["new-version"] * 3 + ["replaced"] * 3
    newest = {p["display_name"]: kfp.state.versions[pid][-1]["pipeline_version_id"]
              for pid, p in kfp.state.pipelines.items()}
    refs = {r["pipeline_version_reference"]["pipeline_version_id"] for r in kfp.state.recurring.values()}
    assert refs == {newest["continuous-training"], newest["monitoring"]}
    (credit,) = [r for r in kfp.state.recurring.values() if r["display_name"] == "ct-credit-default"]
    assert "ctloop-pin:rollout=" in credit["description"] and newest["rollout"] in credit["description"]


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
    assert [a["action"] for a in result] == ["unchanged"] * 6
    assert old not in kfp.state.recurring
    assert [c.path for c in kfp.calls if c.method == "DELETE"] == [
        f"/apis/v2beta1/recurringruns/{old}"
    ]


def test_a_schedules_active_run_behind_a_page_of_newer_runs_still_keeps_it(kfp):
    """Only the newest 100 runs were read: an old schedule's run still RUNNING behind 100 newer
    ones was missed, the schedule deleted, and with it (its ScheduledWorkflow owns the run's
    Workflow) the running training run."""
    from ctloop.ops.platform import PAGE

    _apply(kfp, load_spec(EXAMPLE))
    old = next(rid for rid, r in kfp.state.recurring.items() if r["display_name"] == "ct-credit-default")
    exp = kfp.state.recurring[old]["experiment_id"]
    kfp.add_run(exp, "ct-credit-default-long", "RUNNING", recurring_run_id=old)
    for i in range(PAGE):
        kfp.add_run(exp, f"other-{i}", "SUCCEEDED")
    lines = []
    _apply(kfp, _changed(lambda d: d["models"][0]["schedule"].update(cron="0 0 6 * * *")), out=lines.append)
    assert old in kfp.state.recurring and kfp.state.recurring[old]["status"] == "DISABLED"
    assert any(old in x and "in flight" in x for x in lines)
    assert len([c for c in kfp.calls if c.path.endswith("/runs") and c.method == "GET"]) >= 2  # paged


@pytest.mark.parametrize("change", ["experiment renamed", "schedule removed"])
def test_schedules_the_spec_no_longer_declares_are_named_and_pruned_on_request(kfp, change):
    """kfp.experiment renamed (or a model's schedule removed): the old ct-/monitor- schedules
    stayed ENABLED beside the new ones without a word — two training runs per cron tick."""
    _apply(kfp, load_spec(EXAMPLE))
    spec = _changed((lambda d: d["kfp"].update(experiment="ctloop-v2")) if change == "experiment renamed"
                    else (lambda d: (d["models"][1].pop("schedule"), d["defaults"].pop("schedule"))))
    gone = {rid for rid, r in kfp.state.recurring.items()
            if change == "experiment renamed" or r["display_name"].endswith("loss-given-default")}
    lines = []
    result = _apply(kfp, spec, out=lines.append)
    assert {a["recurring_run_id"] for a in result if a["action"] == "foreign"} == gone
    assert all(kfp.state.recurring[rid]["status"] == "ENABLED" for rid in gone)  # listed, left as they were
    assert any("not declared in this spec, still scheduled; `ctloop apply --prune` retires it" in x for x in lines)
    n = len(kfp.writes())
    plan = apply_spec(spec, platform_factory=lambda _: Platform(host=kfp.url), image=None, dry_run=True,
                      out=lambda *_: None, prune=True)
    assert {a["recurring_run_id"] for a in plan if a["action"] == "would-retire"} == gone and len(kfp.writes()) == n
    result = apply_spec(spec, platform_factory=lambda _: Platform(host=kfp.url), image=None, dry_run=False,
                        out=lambda *_: None, prune=True)
    assert {a["recurring_run_id"] for a in result if a["action"] == "retired"} == gone
    assert not gone & set(kfp.state.recurring)
    declared = {"ct-credit-default", "monitor-credit-default"} | (
        {"ct-loss-given-default"} if change == "experiment renamed" else set())
    assert sorted(r["display_name"] for r in kfp.state.recurring.values()) == sorted(declared)
    assert not [a for a in _apply(kfp, spec) if a["action"] in ("foreign", "retired")]


def test_prune_leaves_the_schedules_of_another_spec_in_the_namespace_alone(kfp):
    """Two spec files share a KFP namespace (one model each): pruning with one retired the other's
    schedules, and every apply of one told the user to prune the other's."""
    team_a = _changed(lambda d: d["models"].pop(1))
    team_b = _changed(lambda d: d["models"].pop(0))
    _apply(kfp, team_a)
    _apply(kfp, team_b)
    before = {rid: r["status"] for rid, r in kfp.state.recurring.items()}
    result = apply_spec(team_a, platform_factory=lambda _: Platform(host=kfp.url), image=None, dry_run=False,
                        out=lambda *_: None, prune=True)
    assert not [a for a in result if a["action"] in ("foreign", "retired", "kept-in-flight")]
    assert {rid: r["status"] for rid, r in kfp.state.recurring.items()} == before


def test_disabled_schedule_is_reconciled_not_recreated(kfp):
    spec = _changed(lambda d: d["models"][0]["schedule"].update(enabled=False))
    _apply(kfp, spec)
    (body,) = [b for b in _recurring_posts(kfp) if b["display_name"] == "ct-credit-default"]
    assert body["mode"] == "DISABLE"
    n, schedules = len(kfp.writes()), len(kfp.state.recurring)
    assert [a["action"] for a in _apply(kfp, spec)] == ["unchanged"] * 6
    assert len(kfp.writes()) == n
    # someone enabled it by hand: apply restores the declared state without recreating it
    rid = next(
        r for r, v in kfp.state.recurring.items() if v["display_name"] == "ct-credit-default"
    )
    kfp.state.recurring[rid]["status"] = "ENABLED"
    assert [a["action"] for a in _apply(kfp, spec)][3] == "disabled"  # 3 pipelines first
    assert kfp.state.recurring[rid]["status"] == "DISABLED" and len(kfp.state.recurring) == schedules


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
    assert decisions_from_tasks(ct) == ["gate approved", DECISION_TASKS["canary-failed"]]
    assert decisions_from_tasks([("retrain", "SUCCEEDED"), ("rejected", "SUCCEEDED")]) == [
        "gate rejected"
    ]
    assert decisions_from_tasks([("keep-champion", "SUCCEEDED")]) == ["no retrain (champion kept)"]
    assert decisions_from_tasks([("retrain", "RUNNING"), ("train-model", "FAILED")]) == [
        "retrain",
        "failed: train-model",
    ]
    assert decisions_from_tasks([]) == []
    assert decisions_from_tasks([("canary-held", "SUCCEEDED")]) == ["canary held (changed by hand during the analysis)"]


def test_every_named_branch_of_the_pipelines_shows_a_decision():
    """A branch added to a pipeline (canary-held) without a DECISION_TASKS entry ran unseen by
    ``ctloop runs``; loops and the exit handler are no decisions."""
    import re

    from ctloop.ops.platform import DECISION_TASKS, STRUCTURAL_BRANCHES

    names = {name for path in (REPO / "pipelines").glob("*.py")
             for name in re.findall(r"dsl\.(?:If|Elif|Else)\(.*?name=\"([^\"]+)\"", path.read_text())}
    assert {"canary-held", "canary-failed", "retrain"} <= names
    assert names - STRUCTURAL_BRANCHES <= set(DECISION_TASKS), sorted(names - STRUCTURAL_BRANCHES - set(DECISION_TASKS))


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


# ---------------------------------------------------------------------------- auth: one line, fast
def _healthz_calls(double):
    return [c for c in double.calls if c.path.endswith("/apis/v2beta1/healthz")]


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err  # no traceback, no retry log
    assert lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


AUTH_CASES = {
    # name: (double kwargs, extra argv, host attribute, expected fragments)
    "401 without a token": (
        {"tokens": {"good": "ok"}}, [], "url",
        ["needs authentication: HTTP 401", "--token", "--token-file", "create token default-editor"],
    ),
    "401 expired token": (
        {"tokens": {"good": "ok"}}, ["--token", "expired"], "url",
        ["rejected the token from --token: HTTP 401", "Jwt verification fails", "fresh one"],
    ),
    "403 ingress denial": (
        {"tokens": {"good": "ingress-deny"}}, ["--token", "good"], "url",
        ["refused the identity of --token: HTTP 403", "RBAC: access denied", "--namespace"],
    ),
    "403 sign-in page": (
        {"tokens": {"good": "ok"}, "unauthenticated": "403"}, [], "url",
        ["sign-in page (HTTP 403, 'Sign In')", "authenticating proxy", "--token"],
    ),
    "302 to the dex login page": (
        {"tokens": {"good": "ok"}, "unauthenticated": "302"}, [], "url",
        ["redirected to a login page (/dex/auth?client_id=", "Dex/oauth2-proxy", "--token"],
    ),
    "404 missing path prefix": (
        {"path_prefix": "/pipeline"}, [], "root_url",
        ["no KFP API at http://127.0.0.1:", "HTTP 404", "/pipeline"],
    ),
}


@pytest.mark.parametrize("via", ["--host", "KF_PIPELINES_ENDPOINT"])
@pytest.mark.parametrize("case", list(AUTH_CASES))
def test_auth_failures_are_one_line_with_the_fix(kfp_env, capsys, monkeypatch, case, via):
    """The issue: against 401/403/404 `ctloop runs` printed five healthz tracebacks (167 lines,
    27 s: kfp.Client retries healthz 5 times, 5 s apart) and then advised to check --host.
    With --host ctloop probes healthz itself before loading kfp; with the endpoint from the
    environment kfp.Client finds the host and its (bounded) healthz answers."""
    kwargs, argv, host_attr, expected = AUTH_CASES[case]
    with KfpApiDouble(**kwargs) as double:
        host = getattr(double, host_attr)
        if via == "--host":
            argv = ["--host", host, *argv]
        else:
            monkeypatch.setenv("KF_PIPELINES_ENDPOINT", host)
        code = main(["runs", "--experiment", "", *argv])
        assert code == 2
        line = _one_line_error(capsys)
        for fragment in expected:
            assert fragment in line, (fragment, line)
        assert "check --host (e.g." not in line or "404" in line
        # one request: no retries, no 5 s sleeps; a 404 asks the neighbouring URL once (test_r52_kfp_host_path)
        nearby = case == "404 missing path prefix"
        assert len(_healthz_calls(double)) == 1 + nearby
        assert not any(c.path.endswith("/runs") for c in double.calls)


def test_authorised_at_the_ingress_but_denied_by_kfp_rbac(kfp_env, capsys):
    """healthz is open; the API server's SubjectAccessReview denies the list (403 PermissionDenied)."""
    with KfpApiDouble(tokens={"t": "kfp-deny"}) as double:
        assert main(["runs", "--host", double.url, "--token", "t", "--experiment", "ct"]) == 2
        line = _one_line_error(capsys)
    assert "list experiments failed" in line and "HTTP 403" in line
    assert "is not authorized" in line and "--namespace <profile>" in line


def test_a_good_token_passes_every_gate(kfp_env, monkeypatch):
    monkeypatch.setenv("CTLOOP_IMAGE", IMAGE)
    with KfpApiDouble(tokens={"good": "ok"}, unauthenticated="302", path_prefix="/pipeline") as d:
        assert main(["upload", "--host", d.url, "--token", "good"]) == 0
        assert any(c.path == "/pipeline/apis/v2beta1/pipelines/upload" for c in d.calls)


def test_token_file_is_read_before_every_request(kfp, tmp_path, monkeypatch):
    """A projected service-account token rotates: the file is re-read, never cached."""
    token = tmp_path / "token"
    token.write_text("first\n")
    platform = Platform(host=kfp.url, token_file=str(token))
    platform.find_pipeline("ct")
    token.write_text("second")
    platform.find_pipeline("ct")
    sent = [c.headers.get("authorization") for c in kfp.calls]
    assert sent[0] == "Bearer first" and sent[-1] == "Bearer second"
    kfp.calls.clear()
    monkeypatch.setenv("KFP_TOKEN_FILE", str(token))
    assert main(["upload", "--host", kfp.url, "--dry-run"]) == 0
    assert {c.headers.get("authorization") for c in kfp.calls} == {"Bearer second"}


def test_bad_token_options_are_config_errors_before_any_call(kfp, capsys, tmp_path):
    assert main(["runs", "--host", kfp.url, "--token-file", str(tmp_path / "nope")]) == 2
    assert "--token-file" in _one_line_error(capsys)
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert main(["runs", "--host", kfp.url, "--token-file", str(empty)]) == 2
    assert "empty" in _one_line_error(capsys)
    assert main(["runs", "--host", kfp.url, "--token", "a", "--token-file", str(empty)]) == 2
    assert "not both" in _one_line_error(capsys)
    assert kfp.calls == []


def test_the_kfp_clients_saved_credentials_are_used(kfp, tmp_path):
    """kfp.Client's own context file (``kfp`` CLI / set_user_namespace) with an auth header."""
    from kfp.client import Client

    context = Path(Client._LOCAL_KFP_CONTEXT)
    context.parent.mkdir(parents=True)
    context.write_text(json.dumps({
        "namespace": "", "client_authentication_header_name": "Authorization",
        "client_authentication_header_value": "Bearer from-context",
    }))
    Platform(host=kfp.url).find_pipeline("ct")
    assert {c.headers.get("authorization") for c in kfp.calls} == {"Bearer from-context"}


def test_no_host_and_nothing_to_discover_is_a_config_error(kfp_env, capsys):
    assert main(["runs", "--experiment", ""]) == 2
    line = _one_line_error(capsys)
    assert "no KFP host" in line and "--host" in line and "KF_PIPELINES_ENDPOINT" in line


def test_a_slow_api_times_out_in_one_line(kfp_env, capsys):
    with KfpApiDouble(delay=2.0) as double:
        assert main(["runs", "--host", double.url, "--timeout", "0.3", "--experiment", ""]) == 2
        line = _one_line_error(capsys)
    assert "no answer within 0.3 s" in line


def test_a_web_page_instead_of_the_api(kfp_env, capsys):
    """e.g. --host pointing at a UI or dashboard that answers every path with HTML."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    class Page(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_GET(self):
            data = b"<!DOCTYPE html><html><head><title>Kubeflow Central Dashboard</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert main(["runs", "--host", url, "--experiment", ""]) == 2
    finally:
        server.shutdown()
        server.server_close()
    line = _one_line_error(capsys)
    assert "HTML page ('Kubeflow Central Dashboard'), not the KFP API" in line and "/pipeline" in line


# ---------------------------------------------------------------------------- multi-user
def test_multi_user_needs_a_namespace_and_uses_it(kfp_env, capsys, monkeypatch):
    monkeypatch.setenv("CTLOOP_IMAGE", IMAGE)
    with KfpApiDouble(multi_user=True) as double:
        assert main(["runs", "--host", double.url, "--experiment", ""]) == 2
        line = _one_line_error(capsys)
        assert "multi-user" in line and "--namespace <profile>" in line
        assert not any(c.path.endswith("/runs") for c in double.calls)  # refused before the call
        argv = ["schedule", "--host", double.url, "--cron", "0 0 3 * * *", *CT]
        assert main([*argv, "--namespace", "team-credit"]) == 0
        (exp,) = double.state.experiments.values()
        assert exp["namespace"] == "team-credit"
        capsys.readouterr()
        assert main(["runs", "--host", double.url, "--namespace", "team-credit"]) == 0
        listed = [c for c in double.calls if c.method == "GET" and c.path.endswith("/experiments")]
        assert listed[-1].query["namespace"] == "team-credit"


# ---------------------------------------------------------------------------- backend version
def test_parse_version():
    from ctloop.ops.platform import parse_version

    assert parse_version("2.15.0") == (2, 15, 0) and parse_version("v0.20.0") == (0, 20, 0)
    assert parse_version("1.21.1-rc.1") == (1, 21, 1) and parse_version("2.14") == (2, 14, 0)
    assert [parse_version(x) for x in ("unknown", "master", "devel", "", None)] == [None] * 5


@pytest.mark.parametrize("argv", [
    ["upload"],
    ["schedule", "--cron", "0 0 3 * * *", *CT],
    ["trigger", *CT],
])
def test_old_backend_is_refused_before_anything_is_written(kfp_env, capsys, monkeypatch, argv):
    """Backend 2.14 ignores `optional` on ConfigMap/Secret env refs (kubeflow/pipelines #12216 is
    first in 2.15.0): every task of a run with a missing key would fail at 3 AM."""
    monkeypatch.setenv("CTLOOP_IMAGE", IMAGE)
    with KfpApiDouble(tag_name="2.14.4") as double:
        assert main([argv[0], "--host", double.url, *argv[1:]]) == 2
        line = _one_line_error(capsys)
        assert "2.14.4" in line and ">= 2.15.0" in line and "CreateContainerConfigError" in line
        assert "--allow-old-backend" in line and "ctloop doctor" in line
        assert double.writes() == []
        assert main([argv[0], "--host", double.url, *argv[1:], "--allow-old-backend"]) == 0
        assert "warning: the KFP backend" in capsys.readouterr().err
        assert double.writes()


def test_apply_refuses_an_old_backend(kfp_env, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("CTLOOP_IMAGE", IMAGE)
    spec = tmp_path / "ctloop.yaml"
    data = yaml.safe_load(EXAMPLE.read_text())
    data["kfp"].pop("namespace")
    with KfpApiDouble(tag_name="2.14.0") as double:
        data["kfp"]["host"] = double.url
        spec.write_text(yaml.safe_dump(data))
        assert main(["apply", "-f", str(spec)]) == 2
        assert "2.14.0" in capsys.readouterr().err
        assert double.writes() == []


def test_unknown_backend_version_is_a_warning(kfp, capsys):
    kfp.tag_name = "unknown"  # a dev build of the API server
    assert main(["upload", "--host", kfp.url]) == 0
    captured = capsys.readouterr()
    assert "does not say its release (tag_name 'unknown')" in captured.err
    assert "created" in captured.out


def test_platform_reads_the_backend_from_healthz(kfp):
    platform = Platform(host=kfp.url, namespace="ns")  # with a namespace kfp.Client skips healthz
    assert platform.backend.tag_name == "2.17.0" and platform.backend.version == (2, 17, 0)
    assert platform.backend.multi_user is False
    assert len(_healthz_calls(kfp)) == 1


# ---------------------------------------------------------------------------- image precedence
def test_cluster_commands_refuse_the_placeholder_image(kfp_env, capsys):
    from ctloop.image import DEFAULT_IMAGE

    with KfpApiDouble() as double:
        for argv in (["upload"], ["schedule", "--cron", "0 0 3 * * *", *CT]):
            assert main([argv[0], "--host", double.url, *argv[1:]]) == 2
            line = _one_line_error(capsys)
            assert DEFAULT_IMAGE in line and "make image push IMAGE=" in line
            assert "--image" in line and "CTLOOP_IMAGE" in line and "platform.image" in line
        assert double.calls == []  # refused before connecting


def test_image_flag_wins_over_the_environment(kfp, monkeypatch):
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:from-env")
    assert main(["upload", "--host", kfp.url, "--image", "registry.example.com/ml/ctloop:flag"]) == 0
    upload = next(c for c in kfp.calls if c.path.endswith("/pipelines/upload"))
    text = upload.body["uploadfile"].decode()
    assert "registry.example.com/ml/ctloop:flag" in text and "from-env" not in text


def test_apply_takes_the_environment_over_the_spec_image(kfp, capsys, monkeypatch, tmp_path):
    spec = tmp_path / "ctloop.yaml"
    data = yaml.safe_load(EXAMPLE.read_text())
    data["kfp"].pop("namespace")
    data["kfp"].update(host=kfp.url)
    data["platform"]["image"] = "registry.example.com/ml/ctloop:from-spec"
    spec.write_text(yaml.safe_dump(data))
    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:from-env")
    assert main(["apply", "-f", str(spec)]) == 0
    upload = next(c for c in kfp.calls if c.path.endswith("/pipelines/upload"))
    assert "ctloop:from-env" in upload.body["uploadfile"].decode()
    monkeypatch.delenv("CTLOOP_IMAGE")
    assert main(["apply", "-f", str(spec)]) == 0
    versions = [c for c in kfp.calls if c.path.endswith("/upload_version")]
    assert "ctloop:from-spec" in versions[-1].body["uploadfile"].decode()


# ---------------------------------------------------------------------------- create_run / trigger
def test_create_run_starts_the_newest_uploaded_version_or_a_package(kfp, tmp_path):
    from ctloop.cli.ops import _compile_one

    platform = Platform(host=kfp.url)
    with pytest.raises(PlatformError, match="'continuous-training' is not uploaded to KFP.*ctloop apply"):
        platform.create_run("continuous-training", experiment="ct", run_name="r0")
    old = _compile_one(tmp_path / "old", None)
    platform.ensure_pipeline("continuous-training", old)
    newer = platform.ensure_pipeline("continuous-training", _compile_one(tmp_path / "new", IMAGE))
    run_id = platform.create_run("continuous-training", experiment="ct", params={"model_name": "m"}, run_name="r1")
    body = kfp.state.runs[run_id]
    assert body["display_name"] == "r1" and body["runtime_config"]["parameters"]["model_name"] == "m"
    assert body["pipeline_version_reference"]["pipeline_version_id"] == newer.version_id  # the newest upload
    assert body["experiment_id"] in kfp.state.experiments
    assert IMAGE in json.dumps(kfp.version_package(newer.version_id))
    assert platform.create_run(old, experiment="ct", run_name="r2") in kfp.state.runs  # a compiled file
    assert len(kfp.state.experiments) == 1


RUNTIME_SCRIPT = """
import os, sys
import kfp.dsl.executor_main  # what a KFP task imports first, with _KFP_RUNTIME=true
from kfp import dsl
assert os.environ["_KFP_RUNTIME"] == "true" and not hasattr(dsl, "pipeline")
from ctloop.ops.platform import Platform
run_id = Platform(host=sys.argv[1]).create_run(
    "continuous-training", experiment="ct", params={"model_name": "m", "drift": {"force_retrain": True}},
    run_name="retrain-m")
assert os.environ["_KFP_RUNTIME"] == "true"  # restored
print(run_id)
"""


def test_create_run_works_inside_a_kfp_task(kfp, tmp_path):
    """In a task kfp runs with _KFP_RUNTIME=true: kfp.dsl has no component/pipeline/If and
    ``import kfp.client`` fails, which is why trigger_training used to start a subprocess."""
    from ctloop.cli.ops import _compile_one

    uploaded = Platform(host=kfp.url).ensure_pipeline("continuous-training", _compile_one(tmp_path, IMAGE))
    env = {**os.environ, "_KFP_RUNTIME": "true"}
    proc = subprocess.run([sys.executable, "-c", RUNTIME_SCRIPT, kfp.url], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_id = proc.stdout.strip().splitlines()[-1]
    body = kfp.state.runs[run_id]
    assert body["pipeline_version_reference"]["pipeline_version_id"] == uploaded.version_id
    assert body["runtime_config"]["parameters"]["drift"] == {"force_retrain": True}


def test_trigger_prints_the_run_id(kfp, capsys):
    params = json.dumps({"model_name": "m", "data": {"uri": "gs://b/t.parquet", "target": "y", "time_column": "t"}})
    assert main(["trigger", "--host", kfp.url, "--params", params, "--run-name", "by-hand"]) == 0
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert out.startswith("run_id=") and kfp.state.runs[out[7:]]["display_name"] == "by-hand"
    assert main(["trigger", "--host", kfp.url, "--params", "[1]"]) == 2
    assert "JSON object" in _one_line_error(capsys)


# ---------------------------------------------------------------------------- spec ownership
def _named(name, mutate=lambda d: None):
    def change(d):
        d["metadata"] = {"name": name}
        mutate(d)
    return _changed(change)


def test_a_model_removed_from_a_named_spec_has_its_schedules_named_and_pruned_and_no_other_specs(kfp):
    """A model removed from the spec kept its ct-/monitor- schedules (they were attributed to the
    spec by its current models' names only): training went on for a model nobody declares. A spec
    with metadata.name marks its schedules (ctloop-spec:<name>); apply names a removed model's,
    --prune retires them; another spec's schedules in the namespace (also one of a model of the
    same name in its own experiment) are never touched."""
    team_a = _named("team-a")
    team_b = _named("team-b", lambda d: (d["kfp"].update(experiment="team-b-ct"), d["models"].pop(1)))
    _apply(kfp, team_a)
    _apply(kfp, team_b)
    assert all("ctloop-spec:team-" in r["description"] for r in kfp.state.recurring.values())
    theirs = {rid: r["status"] for rid, r in kfp.state.recurring.items() if "ctloop-spec:team-b" in r["description"]}
    assert len(theirs) == 2  # ct-credit-default and monitor-credit-default of team b
    gone = {rid for rid, r in kfp.state.recurring.items() if r["display_name"] == "ct-loss-given-default"}
    removed = _named("team-a", lambda d: d["models"].pop(1))
    lines = []
    result = _apply(kfp, removed, out=lines.append)
    assert {a["recurring_run_id"] for a in result if a["action"] == "foreign"} == gone
    assert any("ct-loss-given-default" in x and "not declared in this spec" in x for x in lines)
    result = apply_spec(removed, platform_factory=lambda _: Platform(host=kfp.url), image=None, dry_run=False,
                        out=lambda *_: None, prune=True)
    assert {a["recurring_run_id"] for a in result if a["action"] == "retired"} == gone
    assert not gone & set(kfp.state.recurring)
    assert {rid: r["status"] for rid, r in kfp.state.recurring.items() if rid in theirs} == theirs
    # team b prunes too: team a's schedules stay
    ours = {rid for rid, r in kfp.state.recurring.items() if "ctloop-spec:team-a" in r["description"]}
    apply_spec(team_b, platform_factory=lambda _: Platform(host=kfp.url), image=None, dry_run=False,
               out=lambda *_: None, prune=True)
    assert ours <= set(kfp.state.recurring) and theirs.keys() <= set(kfp.state.recurring)


def test_metadata_name_is_checked():
    with pytest.raises(ConfigError, match=r"metadata.name: .*DNS-1123.*got 'Team A'"):
        _named("Team A")
    with pytest.raises(ConfigError, match=r"metadata.owner: unknown key"):
        _changed(lambda d: d.update(metadata={"owner": "x"}))
    assert _named("team-a").name == "team-a" and load_spec(EXAMPLE).name == ""


# ---------------------------------------------------------------------------- namespaced pipelines
def _team(namespace, tag):
    return _changed(lambda d: (d["kfp"].update(namespace=namespace, experiment="credit-ct"),
                               d["platform"].update(image=f"registry.example.com/ml/ctloop:{tag}")))


def test_multi_user_apply_uploads_each_teams_pipelines_into_its_profile_namespace(kfp_env):
    """Multi-user KFP 2.17 keeps pipelines per namespace (v2beta1 pipeline.proto Pipeline.namespace;
    pipeline_upload_server.go UploadPipeline reads ?namespace=, names are unique per namespace):
    ctloop uploaded shared pipelines, so two teams' specs added versions to one pipeline and a run
    without a pinned version started the other team's newest upload."""
    with KfpApiDouble(multi_user=True) as kfp:
        factory = lambda kfpc: Platform(host=kfp.url, namespace=kfpc.namespace)  # noqa: E731
        for spec in (_team("team-a", "1.0.0"), _team("team-b", "2.0.0")):
            apply_spec(spec, platform_factory=factory, image=None, dry_run=False, out=lambda *_: None)
        before = {rid: r["status"] for rid, r in kfp.state.recurring.items()}
        again = apply_spec(_team("team-b", "2.0.0"), platform_factory=factory, image=None, dry_run=False,
                           out=lambda *_: None, prune=True)
        assert [a["action"] for a in again] == ["unchanged"] * 6
        assert {rid: r["status"] for rid, r in kfp.state.recurring.items()} == before
        uploads = [c for c in kfp.calls if c.path.endswith("/pipelines/upload")]
        assert sorted({c.query.get("namespace") for c in uploads}) == ["team-a", "team-b"]
        by_ns = {}
        for pid, p in kfp.state.pipelines.items():
            by_ns.setdefault(p["namespace"], {})[p["display_name"]] = pid
        assert set(by_ns) == {"team-a", "team-b"} and by_ns["team-a"].keys() == by_ns["team-b"].keys()
        assert all(len(v) == 1 for v in kfp.state.versions.values())  # nobody added a version to another's
        assert sorted(e["namespace"] for e in kfp.state.experiments.values()) == ["team-a", "team-b"]
        run = Platform(host=kfp.url, namespace="team-a").create_run(
            "continuous-training", experiment="credit-ct", run_name="by-hand")
        ref = kfp.state.runs[run]["pipeline_version_reference"]
        assert ref["pipeline_id"] == by_ns["team-a"]["continuous-training"]
        assert "ctloop:1.0.0" in json.dumps(kfp.version_package(ref["pipeline_version_id"]))


def test_single_user_apply_keeps_uploading_shared_pipelines(kfp):
    _apply(kfp, _team("team-a", "1.0.0"))
    assert {p["namespace"] for p in kfp.state.pipelines.values()} == {""}
    assert all("namespace" not in c.query for c in kfp.calls if c.path.endswith("/pipelines/upload"))


def test_apply_and_a_run_on_a_server_that_requires_namespaces_for_pipelines(kfp_env):
    """With REQUIRE_NAMESPACE_FOR_PIPELINES a list of the shared pipelines is refused (HTTP 400,
    ValidateNamespaceRequired in pipeline_server.go ListPipelines, 2.17.0): apply created its
    schedules and then failed on that lookup (the foreign-schedule check and --prune never ran),
    and a run without a pinned version failed the same way. There are no shared pipelines to find
    there."""
    with KfpApiDouble(multi_user=True, require_namespace_for_pipelines=True) as kfp:
        factory = lambda kfpc: Platform(host=kfp.url, namespace=kfpc.namespace)  # noqa: E731
        first = apply_spec(_team("team-a", "1.0.0"), platform_factory=factory, image=None, dry_run=False,
                           out=lambda *_: None, prune=True)
        assert first and all(a["action"] in ("created", "uploaded") for a in first), first
        again = apply_spec(_team("team-a", "1.0.0"), platform_factory=factory, image=None, dry_run=False,
                           out=lambda *_: None, prune=True)
        assert [a["action"] for a in again] == ["unchanged"] * len(again)
        run = Platform(host=kfp.url, namespace="team-a").create_run(
            "continuous-training", experiment="credit-ct", run_name="by-hand")
        assert kfp.state.runs[run]["pipeline_version_reference"]["pipeline_id"] in kfp.state.pipelines


def test_an_upload_the_namespace_refuses_is_one_line_with_the_fix(kfp_env, capsys, tmp_path):
    """pipeline_upload_server.go (2.17.0) answers a denied SubjectAccessReview with HTTP 400
    'Failed to create a pipeline' and nothing more."""
    spec = tmp_path / "ctloop.yaml"
    spec.write_text(yaml.safe_dump(yaml.safe_load(EXAMPLE.read_text()) | {"kfp": {"namespace": "team-credit"}}))
    with KfpApiDouble(multi_user=True, pipeline_denied={"team-credit"}) as kfp:
        assert main(["apply", "-f", str(spec), "--host", kfp.url]) == 2
        line = _one_line_error(capsys)
        assert "Failed to create a pipeline" in line and "namespace 'team-credit'" in line
        assert "default-editor" in line and not kfp.state.pipelines
    with KfpApiDouble(multi_user=True, require_namespace_for_pipelines=True) as kfp:
        assert main(["upload", "--host", kfp.url, "--image", IMAGE]) == 2
        line = _one_line_error(capsys)
        assert "Namespace is required for pipeline operations" in line and "--namespace <profile>" in line


# ---------------------------------------------------------------------------- in a pod (multi-user)
class _Registry:
    """The two calls start_training makes on the registry and the monitoring store (no MLflow)."""

    def __init__(self):
        self.events = []
        self.client = None

    def record_event(self, model_name, version, event):
        self.events.append(event)

    def mark_triggered(self, run_id, kfp_run):
        self.events.append({"marked": run_id})

    def mark_failed(self, run_id, error):
        self.events.append({"failed": error})


def test_a_monitoring_trigger_in_a_pod_starts_its_run_in_the_pods_namespace(kfp_env, monkeypatch, tmp_path):
    """Multi-user KFP refuses an experiment or a run without a namespace (2.17.0
    backend/src/apiserver/server/experiment_server.go canAccessExperiment: 'An experiment cannot have
    an empty namespace in multi-user mode'; run_server.go: 'A run cannot have an empty namespace').
    trigger_training builds Platform(host=kfp_host) with no namespace and the monitoring parameters
    carry none: in its pod the namespace is the service account's (the kubelet's namespace file),
    the profile whose schedule started the monitoring run."""
    from ctloop.monitoring.trigger import start_training

    sa_namespace = tmp_path / "serviceaccount" / "namespace"
    sa_namespace.parent.mkdir()
    sa_namespace.write_text("team-a")
    monkeypatch.setattr("ctloop.ops.platform.SA_NAMESPACE_PATH", str(sa_namespace), raising=False)
    with KfpApiDouble(multi_user=True) as kfp:
        for spec in (_team("team-a", "1.0.0"), _team("team-b", "2.0.0")):
            apply_spec(spec, platform_factory=lambda kfpc: Platform(host=kfp.url, namespace=kfpc.namespace),
                       image=None, dry_run=False, out=lambda *_: None)
        registry = _Registry()
        run_id = start_training(registry, registry, lambda: Platform(host=kfp.url), model_name="credit-default",
                                reason="drift", params={}, experiment="credit-ct")
        experiment = kfp.state.experiments[kfp.state.runs[run_id]["experiment_id"]]
        assert experiment["namespace"] == "team-a" and len(kfp.state.experiments) == 2
        (schedule,) = [r for r in kfp.state.recurring.values() if r["display_name"] == "ct-credit-default"
                       and r["experiment_id"] == experiment["experiment_id"]]
        assert (kfp.state.runs[run_id]["pipeline_version_reference"]["pipeline_version_id"]
                == schedule["pipeline_version_reference"]["pipeline_version_id"])
        # an explicit namespace wins over the pod's
        assert Platform(host=kfp.url, namespace="team-b").namespace == "team-b"
    with KfpApiDouble() as single:  # single-user KFP: no namespace, whatever the pod's
        assert Platform(host=single.url).namespace == ""


def test_kfp_clients_own_pod_namespace_lookup_does_not_write_home(kfp_env, monkeypatch, tmp_path):
    """kfp 2.17.0 Client.__init__ (kfp/client/client.py ~205) reads the pod's namespace on multi-user
    KFP itself and set_user_namespace writes it to ~/.config/kfp/context.json: in a pod whose HOME
    cannot be written that OSError was reported as 'cannot reach KFP'. The namespace is kept in memory."""
    sa_namespace = tmp_path / "namespace"
    sa_namespace.write_text("team-a")
    monkeypatch.setattr("kfp.client.Client._NAMESPACE_PATH", str(sa_namespace))
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    monkeypatch.setattr("kfp.client.Client._LOCAL_KFP_CONTEXT", str(blocked / ".config" / "kfp" / "context.json"))
    with KfpApiDouble(multi_user=True) as kfp:
        assert Platform(host=kfp.url).namespace == "team-a"
    assert blocked.is_file()


def test_a_namespace_does_not_move_the_in_cluster_or_kubeconfig_api(kfp_env, monkeypatch, tmp_path):
    """Without a host kfp.Client (2.17.0 client.py _load_config) finds the API at
    ml-pipeline.<namespace>.svc:8888 in a cluster and through the kubeconfig's API-server proxy
    api/v1/namespaces/<namespace>/services/ml-pipeline:http/proxy: its ``namespace`` argument is where
    KFP is installed (kubeflow), not the profile. A profile namespace given to it (--namespace,
    kfp.namespace) sent every call to a service that does not exist."""
    proxy = "/api/v1/namespaces/kubeflow/services/ml-pipeline:http/proxy"
    with KfpApiDouble(multi_user=True, path_prefix=proxy) as kfp:
        config = tmp_path / "kubeconfig"
        config.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "c",
            "clusters": [{"name": "c", "cluster": {"server": kfp.root_url}}],
            "users": [{"name": "u", "user": {}}],  # (a token's refresh hook resets kfp's proxy path)
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        }))
        monkeypatch.setenv("KUBECONFIG", str(config))
        # kubernetes reads KUBECONFIG when it is imported
        monkeypatch.setattr("kubernetes.config.kube_config.KUBE_CONFIG_DEFAULT_LOCATION", str(config))
        platform = Platform(namespace="team-a")
        assert platform.namespace == "team-a"
        assert platform.ensure_experiment("credit-ct")
        (exp,) = kfp.state.experiments.values()
        assert exp["namespace"] == "team-a"


def test_a_pod_without_the_pipelines_token_is_told_about_the_poddefault(kfp_env, monkeypatch, tmp_path):
    """A KFP task pod that calls the API without the projected pipelines token (no PodDefault
    access-ml-pipeline in its profile) got "send a bearer token: --token ..." — flags a task has not."""
    sa_namespace = tmp_path / "namespace"
    sa_namespace.write_text("team-a")
    monkeypatch.setattr("ctloop.ops.platform.SA_NAMESPACE_PATH", str(sa_namespace), raising=False)
    with KfpApiDouble(multi_user=True, tokens={"good": "ok"}) as kfp:
        with pytest.raises(PlatformError) as info:
            Platform(host=kfp.url)
    line = str(info.value)
    assert "HTTP 401" in line and "no pipelines token at /nonexistent/token" in line
    assert "PodDefault access-ml-pipeline in namespace team-a" in line and "--token" not in line


def test_a_kfp_api_error_is_named_by_its_message(kfp):
    # KFP 2.17.0 serves v2beta1 through grpc-gateway v2.28.0 with its default error handler
    # (backend/src/apiserver/main.go; runtime/errors.go DefaultHTTPErrorHandler): the body is a
    # google.rpc.Status {code (gRPC), message, details}, with no v1-style "error" field
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{kfp.url}/apis/v2beta1/experiments/nope", timeout=5)
    body = json.loads(info.value.read())
    assert info.value.code == 404 and body["code"] == 5 and set(body) == {"code", "message", "details"}
    platform = Platform(host=kfp.url)
    with pytest.raises(PlatformError, match=r"HTTP 404 .*nope"):
        platform._call("get experiment", platform.client.get_experiment, "nope")
