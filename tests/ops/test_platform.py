"""upload / schedule / apply through the real kfp.Client against KfpApiDouble (tests/doubles)."""

import re

import pytest
import yaml

from ctloop.cli import main
from ctloop.cli.ops import apply_spec
from ctloop.ops.platform import Platform
from ctloop.ops.spec import load_spec, parse_spec
from tests.doubles.kfp_api import KfpApiDouble
from tests.helpers import REPO

EXAMPLE = REPO / "examples" / "ctloop.yaml"


@pytest.fixture
def kfp():
    with KfpApiDouble() as double:
        yield double


def _apply(double, spec, dry_run=False):
    return apply_spec(spec, platform_factory=lambda _: Platform(host=double.url), image=None, dry_run=dry_run,
                      out=lambda *_: None)


def posts(double):
    return [(c.method, c.path) for c in double.writes()]


def test_upload_twice_is_a_noop(kfp, capsys):
    assert main(["upload", "--host", kfp.url]) == 0
    first = capsys.readouterr().out
    assert "created" in first
    upload = next(c for c in kfp.calls if c.path.endswith("/pipelines/upload"))
    assert b"pipelineInfo" in upload.body["uploadfile"]  # the multipart file is the compiled IR
    n = len(kfp.writes())
    assert main(["upload", "--host", kfp.url]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert len(kfp.writes()) == n  # nothing written the second time


def test_upload_changed_content_adds_a_named_version(kfp, capsys):
    assert main(["upload", "--host", kfp.url]) == 0
    assert main(["upload", "--host", kfp.url, "--image", "registry.example.com/ml/ctloop:0.1.0"]) == 0
    out = capsys.readouterr().out
    assert "new-version" in out
    version = next(c for c in kfp.calls if c.path.endswith("/upload_version"))
    assert re.fullmatch(r"v\d+\.\d+\.\d+-[0-9a-z-]+-[0-9a-f]{10}", version.query["name"])
    assert version.query["pipelineid"] == next(iter(kfp.state.pipelines))


def test_schedule_defaults(kfp, capsys):
    assert main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", "--param", "window=90D"]) == 0
    out = capsys.readouterr().out
    assert "every day at 03:00:00 UTC" in out
    body = next(c.body for c in kfp.calls if c.path.endswith("/recurringruns") and c.method == "POST")
    assert body["trigger"]["cron_schedule"]["cron"] == "0 0 3 * * *"
    assert body["no_catchup"] is True and int(body["max_concurrency"]) == 1
    assert body["runtime_config"]["parameters"]["window"] == "90D"
    assert body["experiment_id"] in kfp.state.experiments


def test_schedule_refuses_five_fields_before_any_call(kfp, capsys):
    assert main(["schedule", "--host", kfp.url, "--cron", "0 3 * * *"]) == 2
    assert "seconds first" in capsys.readouterr().err
    assert kfp.writes() == []


def test_apply_twice_is_a_noop_and_dry_run_changes_nothing(kfp):
    spec = load_spec(EXAMPLE)
    plan = _apply(kfp, spec, dry_run=True)
    assert {a["action"] for a in plan} <= {"would-create", "would-replace"}
    assert kfp.writes() == []

    first = _apply(kfp, spec)
    assert [a["action"] for a in first] == ["created", "created", "created"]
    assert len(kfp.state.recurring) == 2
    n = len(kfp.writes())
    again = _apply(kfp, spec)
    assert [a["action"] for a in again] == ["unchanged", "unchanged", "unchanged"]
    assert len(kfp.writes()) == n


def test_changed_spec_replaces_schedule_create_before_delete(kfp):
    spec = load_spec(EXAMPLE)
    _apply(kfp, spec)
    old_ids = {r["display_name"]: rid for rid, r in kfp.state.recurring.items()}
    data = yaml.safe_load(EXAMPLE.read_text())
    data["models"][0]["schedule"]["cron"] = "0 0 5 * * *"
    start = len(kfp.calls)
    result = _apply(kfp, parse_spec(data))
    assert [a["action"] for a in result] == ["unchanged", "replaced", "unchanged"]
    writes = [(c.method, c.path) for c in kfp.calls[start:] if c.method in ("POST", "DELETE")]
    old = old_ids["ct-credit-default"]
    create = writes.index(("POST", "/apis/v2beta1/recurringruns"))
    disable = writes.index(("POST", f"/apis/v2beta1/recurringruns/{old}:disable"))
    delete = writes.index(("DELETE", f"/apis/v2beta1/recurringruns/{old}"))
    assert create < disable < delete
    live = [r for r in kfp.state.recurring.values() if r["display_name"] == "ct-credit-default"]
    assert len(live) == 1 and live[0]["trigger"]["cron_schedule"]["cron"] == "0 0 5 * * *"


def test_in_flight_run_keeps_the_old_schedule_disabled(kfp):
    spec = load_spec(EXAMPLE)
    _apply(kfp, spec)
    old = next(rid for rid, r in kfp.state.recurring.items() if r["display_name"] == "ct-credit-default")
    kfp.add_run(kfp.state.recurring[old]["experiment_id"], "ct-credit-default-run", "RUNNING", recurring_run_id=old)
    data = yaml.safe_load(EXAMPLE.read_text())
    data["models"][0]["schedule"]["cron"] = "0 0 6 * * *"
    _apply(kfp, parse_spec(data))
    assert kfp.state.recurring[old]["status"] == "DISABLED"  # not deleted: its run keeps going
    assert not any(c.method == "DELETE" and c.path.endswith(old) for c in kfp.calls)


def test_runs_lists_recent_runs(kfp, capsys):
    _apply(kfp, load_spec(EXAMPLE))
    exp = next(iter(kfp.state.experiments))
    kfp.add_run(exp, "ct-credit-default-2026-11-22", "SUCCEEDED")
    assert main(["runs", "--host", kfp.url, "--experiment", "credit-continuous-training"]) == 0
    out = capsys.readouterr().out
    assert "SUCCEEDED" in out and "ct-credit-default-2026-11-22" in out


def test_no_secret_value_in_compiled_yaml(tmp_path, monkeypatch):
    from ctloop.compiler import compile_all

    secret = "s3cr3t-p4ssw0rd-value"
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", secret)
    monkeypatch.setenv("KFP_TOKEN", secret)
    for path in compile_all(tmp_path):
        text = path.read_text()
        assert secret not in text
        assert "ctloop-mlflow" in text and "ctloop-settings" in text  # referenced by name only


def test_schedule_the_monitoring_pipeline_hourly(kfp, capsys):
    assert main(["schedule", "--host", kfp.url, "--pipeline", "monitoring", "--cron", "0 5 * * * *",
                 "--param", "log_root=gs://logs/ctloop"]) == 0
    body = next(c.body for c in kfp.calls if c.path.endswith("/recurringruns") and c.method == "POST")
    assert body["display_name"] == "monitoring-schedule"
    assert body["runtime_config"]["parameters"]["log_root"] == "gs://logs/ctloop"
    assert any(p["display_name"] == "monitoring" for p in kfp.state.pipelines.values())
