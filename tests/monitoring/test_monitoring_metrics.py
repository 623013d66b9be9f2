"""Monitoring windows as Prometheus metrics: push_window against a real Pushgateway, scraped by a
real Prometheus, and the model-quality alerts fed with exactly what was scraped.

Each scenario pushes its windows one simulated hour apart (the publisher's clock is the
simulated time); after every push the test waits for Prometheus to scrape the Pushgateway and
keeps the model's series as stored. Those snapshots become the promtool input series (one sample
a minute; the Pushgateway keeps serving a window until the next push replaces it), so the alerts
are unit-tested on the publisher's real output, not on hand-written series.
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from ctloop.errors import ConfigError
from ctloop.monitoring.prometheus import JOB, exposition, group_url, push_window, window_samples
from tests.fixtures.prometheus import need, prometheus_with, query
from tests.fixtures.servers import daemon, free_port
from tests.manifests.rules_support import QUALITY_RULES, promtool, write_rules
from tests.manifests.support import load_strict

HOUR = 3600


def window(hour: int = 0, **over) -> dict:
    """A judged window ending ``hour`` hours after the epoch (the simulated clock)."""
    base = {
        "window_end": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(hour * HOUR)),
        "champion_version": "3",
        "rows": 1000,
        "drift_share": 0.1,
        "drift_scores": {"income": 0.2, "age": 0.5},
        "drifted": {"income": False, "age": False},
        "realized": None,
        "realized_metric": "roc_auc",
        "realized_rows": 0,
        "gate_value": 0.8,
        "retrain": False,
        "rule": "none",
    }
    return {**base, **over}


RULES = {"drift_share": 0.5, "drift_windows": 2, "realized_drop": 0.05, "cooldown": "24h"}
LABELLED = {"realized_rows": 500, "min_labels": 200}


def alert(name, eval_time, labels=None, **annotations):
    return {
        "eval_time": eval_time,
        "alertname": name,
        "exp_alerts": []
        if labels is None
        else [{"exp_labels": labels, "exp_annotations": annotations}],
    }


def labels(model, severity="warning", **extra):
    return {"severity": severity, "job": JOB, "model": model, "version": "3", **extra}


DRIFT_RUNBOOK = (
    "ctloop monitor history --model-name {m} shows the windows and the drifted features; the "
    "monitoring pipeline retrains when its drift rule fires (docs/monitoring.md)"
)


def drift_alert(model, eval_time, share):
    """CtloopModelDrift firing for ``model`` at ``eval_time``, ``share`` of its features drifted."""
    summary = (f"{model} v3: {share} of the features drifted, at least the threshold in every window of "
               "the last hour")
    return alert("CtloopModelDrift", eval_time, labels(model), summary=summary,
                 runbook=DRIFT_RUNBOOK.format(m=model))


DROP_RUNBOOK = (
    "ctloop labels report --model-name {m} --by model_version compares the versions on labelled "
    "traffic (docs/monitoring.md)"
)


def drop_alert(model, metric):
    """CtloopRealizedDropped firing for ``model``: realized ``metric`` 0.1 worse than at its gate."""
    summary = f"{model} v3: realized {metric} is 0.1000 worse than at its evaluation gate"
    return alert("CtloopRealizedDropped", "10m", labels(model, metric=metric), summary=summary,
                 runbook=DROP_RUNBOOK.format(m=model))


FLOOR_RUNBOOK = (
    "ctloop labels report --model-name {m} --by model_version; retrain or roll back to a better "
    "version (ctloop rollout rollback, docs/serving.md)"
)
LABELS_RUNBOOK = (
    "Are labels still ingested (ctloop labels ingest), and keyed like the log (docs/monitoring.md, "
    "How labels are keyed)?"
)
MISSING_RUNBOOK = (
    "Check the monitoring schedule and its last runs in KFP, and the Pushgateway (a failed push is "
    "only a warning in the run's log)"
)

# Each scenario: the windows pushed hourly (hour 0, 1, ...), how long the Pushgateway keeps serving
# the last one, and the alert cases promtool checks on what Prometheus scraped.
SCENARIOS = [
    {
        "model": "drift-3-windows",
        "hours": 3,
        "windows": [window(h, drift_share=0.7, rules=RULES) for h in range(3)],
        "alert_rule_test": [
            alert("CtloopModelDrift", "30m"),  # pending: one window only
            drift_alert("drift-3-windows", "1h10m", "70%"),
        ],
    },
    {
        "model": "drift-interrupted",
        "hours": 4,
        "windows": [
            window(h, drift_share=s, rules=RULES) for h, s in enumerate((0.7, 0.3, 0.7, 0.3))
        ],
        "alert_rule_test": [alert("CtloopModelDrift", "1h10m"), alert("CtloopModelDrift", "3h30m")],
    },
    {
        "model": "drift-own-threshold",
        "hours": 3,  # the run's rule says 0.65: 0.6 is no drift
        "windows": [window(h, drift_share=0.6, rules={"drift_share": 0.65}) for h in range(3)],
        "alert_rule_test": [alert("CtloopModelDrift", "2h30m")],
    },
    {
        "model": "drift-default-threshold",
        "hours": 3,  # no rules pushed: the default 0.5
        "windows": [window(h, drift_share=0.6) for h in range(3)],
        "alert_rule_test": [drift_alert("drift-default-threshold", "1h10m", "60%")],
    },
    {
        "model": "drift-at-threshold",
        "hours": 3,  # a share equal to the pushed 0.5 is drift, as the rule counts it (>=, stop 57)
        "windows": [window(h, drift_share=0.5, rules=RULES) for h in range(3)],
        "alert_rule_test": [drift_alert("drift-at-threshold", "1h10m", "50%")],
    },
    {
        "model": "drift-at-default-threshold",
        "hours": 3,  # no rules pushed: a share of the default 0.5 is drift too
        "windows": [window(h, drift_share=0.5) for h in range(3)],
        "alert_rule_test": [drift_alert("drift-at-default-threshold", "1h10m", "50%")],
    },
    {
        "model": "auc-dropped",
        "hours": 1,
        "windows": [window(0, realized=0.70, rules=RULES, **LABELLED)],
        "alert_rule_test": [
            alert("CtloopRealizedDropped", "3m"),
            drop_alert("auc-dropped", "roc_auc"),
        ],
    },
    {
        "model": "auc-held",
        "hours": 1,
        "windows": [window(0, realized=0.78, rules=RULES, **LABELLED)],
        "alert_rule_test": [alert("CtloopRealizedDropped", "30m")],
    },
    {
        "model": "auc-too-few-labels",
        "hours": 1,  # 50 labelled rows < min_labels 200: not judged
        "windows": [window(0, realized=0.60, rules=RULES, realized_rows=50, min_labels=200)],
        "alert_rule_test": [alert("CtloopRealizedDropped", "30m"), alert("CtloopNoLabels", "30m")],
    },
    {
        "model": "logloss-rose",
        "hours": 1,  # lower is better: 0.50 against 0.40 is 0.10 worse
        "windows": [
            window(0, realized=0.50, gate_value=0.40, realized_metric="log_loss", **LABELLED)
        ],
        "alert_rule_test": [drop_alert("logloss-rose", "log_loss")],
    },
    {
        "model": "below-floor",
        "hours": 1,
        "windows": [
            window(0, realized=0.70, gate_value=0.72, rules={"realized_floor": 0.75}, **LABELLED)
        ],
        "alert_rule_test": [
            alert("CtloopRealizedBelowFloor", "3m"),
            alert(
                "CtloopRealizedBelowFloor",
                "10m",
                labels("below-floor", "critical", metric="roc_auc"),
                summary="below-floor v3: realized roc_auc is 0.0500 worse than its floor",
                runbook=FLOOR_RUNBOOK.format(m="below-floor"),
            ),
            alert("CtloopRealizedDropped", "10m"),
        ],
    },  # 0.02 below the gate: no drop alert
    {
        "model": "above-floor",
        "hours": 1,
        "windows": [window(0, realized=0.80, rules={"realized_floor": 0.75}, **LABELLED)],
        "alert_rule_test": [alert("CtloopRealizedBelowFloor", "30m")],
    },
    {
        "model": "no-labels",
        "hours": 7,
        "windows": [window(h, realized_rows=0) for h in range(7)],
        "alert_rule_test": [
            alert("CtloopNoLabels", "5h"),
            alert(
                "CtloopNoLabels",
                "6h10m",
                labels("no-labels"),
                summary="no-labels v3: traffic is served but no labelled prediction in the label "
                "lookback for 6 hours",
                runbook=LABELS_RUNBOOK,
            ),
        ],
    },
    {
        "model": "labels-arrive",
        "hours": 7,
        "windows": [window(h, realized=0.79, **LABELLED) for h in range(7)],
        "alert_rule_test": [alert("CtloopNoLabels", "6h30m")],
    },
    {
        "model": "runs-stopped",
        "hours": 5,
        "windows": [window(h) for h in range(2)],  # last push at 1 h
        "alert_rule_test": [
            alert("CtloopMonitoringRunMissing", "3h30m"),  # 2.5 h since the last push
            alert(
                "CtloopMonitoringRunMissing",
                "4h30m",
                {"severity": "warning", "job": JOB, "model": "runs-stopped"},
                summary="runs-stopped: no monitoring window pushed for 3h 30m 0s",
                runbook=MISSING_RUNBOOK,
            ),
        ],
    },
]
ALERT_CASES = (
    SCENARIOS  # read by tests/manifests/test_prometheus_rules.py (a firing and a quiet case each)
)


# ------------------------------------------------------------------------------------ unit
def test_window_samples_names_labels_and_values():
    samples = window_samples(
        window(
            2,
            drift_share=0.7,
            drifted={"income": True, "age": False},
            realized=0.7,
            retrain=True,
            rule="drift",
            rules=RULES,
            **LABELLED,
        ),
        now=7300.0,
    )
    got = {(name, tuple(sorted(lab.items()))): value for name, lab, value in samples}
    v = (("version", "3"),)
    assert got[("ctloop_monitoring_run_timestamp_seconds", ())] == 7300.0
    assert got[("ctloop_monitoring_window_end_timestamp_seconds", ())] == 7200.0
    assert got[("ctloop_monitoring_drift_share", v)] == 0.7
    assert got[("ctloop_monitoring_drift_score", (("column", "income"), *v))] == 0.2
    assert got[("ctloop_monitoring_column_drifted", (("column", "income"), *v))] == 1.0
    assert got[
        ("ctloop_monitoring_realized_worse_than_gate", (("metric", "roc_auc"), *v))
    ] == pytest.approx(0.1)
    assert got[("ctloop_monitoring_retrain", (("rule", "drift"), *v))] == 1.0
    assert got[("ctloop_monitoring_threshold", (("rule", "drift_share"),))] == 0.5
    assert ("ctloop_monitoring_threshold", (("rule", "cooldown"),)) not in got  # not a number
    assert {name for name, _, _ in samples} <= {
        f"ctloop_monitoring_{n}"
        for n in (
            "run_timestamp_seconds",
            "window_end_timestamp_seconds",
            "rows",
            "drift_share",
            "drift_score",
            "column_drifted",
            "realized",
            "realized_rows",
            "gate_value",
            "realized_worse_than_gate",
            "retrain",
            "threshold",
        )
    }


def test_absent_values_are_absent_series_never_zero():
    samples = window_samples(
        window(
            0,
            drift_share=None,
            drift_scores={"income": float("nan")},
            gate_value=None,
            champion_version=None,
        ),
        now=0.0,
    )
    names = {name for name, _, _ in samples}
    assert not names & {
        "ctloop_monitoring_drift_share",
        "ctloop_monitoring_drift_score",
        "ctloop_monitoring_realized",
        "ctloop_monitoring_gate_value",
        "ctloop_monitoring_realized_worse_than_gate",
    }
    assert all("version" not in lab for _, lab, _ in samples)  # no champion: no version label


def test_exposition_escapes_column_names():
    text = exposition(
        window_samples(window(0, drift_scores={'a "b"\\c\nd': 0.3}, drifted={}), now=0.0)
    )
    assert 'column="a \\"b\\"\\\\c\\nd"' in text
    assert text.count("# TYPE ctloop_monitoring_drift_score gauge") == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"rows": "1000"}, "window['rows'] must be a number, got '1000'"),
        ({"drift_share": True}, "window['drift_share'] must be a number or None, got True"),
        ({"window_end": "yesterday"}, "window['window_end'] must be an ISO 8601 time"),
        ({"window_end": "2026-12-02T10:00:00"}, "has no time zone"),
        ({"drift_scores": [0.1]}, "window['drift_scores'] must map column names to values"),
        ({"rules": {"realized_floor": "high"}}, "window['rules.realized_floor'] must be a number"),
    ],
)
def test_bad_windows_are_config_errors_naming_the_field(change, message):
    with pytest.raises(
        ConfigError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
    ):
        window_samples(window(0, **change), now=0.0)


def test_a_window_without_its_keys_names_them():
    bad = window(0)
    del bad["gate_value"], bad["rule"]
    with pytest.raises(ConfigError, match="window lacks gate_value, rule"):
        push_window("http://127.0.0.1:9", model="m", window=bad)


@pytest.mark.parametrize(
    "url, model, message",
    [
        ("pushgateway:9091", "m", "must start with http:// or https://"),
        ("http://pg:9091", "", "model must be the registered model name"),
    ],
)
def test_bad_gateway_or_model_is_a_config_error(url, model, message):
    with pytest.raises(ConfigError, match=message):
        group_url(url, model)


# ------------------------------------------------------------------- real Pushgateway + Prometheus
@contextmanager
def pushgateway(workdir: Path) -> Iterator[str]:
    """The Debian package's prometheus-pushgateway on a free loopback port (its own process group),
    persisting to ``workdir`` (Debian's default is /var/lib/prometheus, shared by every run)."""
    port = free_port()
    argv = [need("prometheus-pushgateway"), f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={workdir / 'pushgateway.data'}"]
    with daemon(argv, workdir, port) as url:
        yield url


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A Pushgateway and a Prometheus scraping it ten times a second (honor_labels, as the
    ServiceMonitor must), with the model-quality rules loaded (evaluated every second). Each of the
    ~30 pushes of the alert scenarios waits for its scrape: at twice a second that was ~15 s of
    the module's wall time."""
    workdir = tmp_path_factory.mktemp("pushgateway")
    with pushgateway(workdir) as url:
        scrape = [
            {
                "job_name": "pushgateway",
                "honor_labels": True,
                "scrape_interval": "100ms",
                "static_configs": [{"targets": [url.removeprefix("http://")]}],
            }
        ]
        live = [
            {**g, "interval": "1s"} for g in load_strict(QUALITY_RULES)["spec"]["groups"]
        ]  # not 1m here
        rules = write_rules(workdir, live)
        with prometheus_with(
            "",
            workdir / "prometheus",
            scrape_configs=scrape,
            rule_files=[str(rules)],
            evaluation_interval="1s",
        ) as prom:
            yield url, prom


def gateway_text(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as resp:
        return resp.read().decode()


def scraped(prom: str, model: str, pushed_at: float, timeout: float = 30.0) -> list[dict]:
    """The model's series once Prometheus has scraped the push made at ``pushed_at``."""
    deadline = time.monotonic() + timeout
    expr = f'ctloop_monitoring_run_timestamp_seconds{{model="{model}"}}'
    while True:
        stamp = query(prom, expr)
        if stamp and float(stamp[0]["value"][1]) == pushed_at:
            return query(
                prom, f'{{job="{JOB}", model="{model}", __name__=~"ctloop_monitoring_.+"}}'
            )
        if time.monotonic() > deadline:
            raise AssertionError(
                f"Prometheus did not scrape the push of {model} at {pushed_at}: {stamp}"
            )
        time.sleep(0.1)


def test_a_push_replaces_the_models_previous_window_only(stack):
    url, prom = stack
    assert push_window(url, model="credit", window=window(0), clock=lambda: 1.0) is None
    assert push_window(url, model="other", window=window(0), clock=lambda: 1.0) is None
    assert (
        push_window(
            url,
            model="credit",
            window=window(1, drift_scores={"income": 0.01}, drifted={}),
            clock=lambda: 2.0,
        )
        is None
    )
    text = gateway_text(url)
    assert (
        'column="income",instance="",job="ctloop-monitoring",model="credit",version="3"} 0.01'
        in text
    )
    assert (
        'column="age",instance="",job="ctloop-monitoring",model="credit"' not in text
    )  # gone with the PUT
    assert (
        'column="age",instance="",job="ctloop-monitoring",model="other"' in text
    )  # another model's group
    series = scraped(prom, "credit", 2.0)
    assert {
        (s["metric"]["__name__"], s["metric"].get("column"))
        for s in series
        if s["metric"]["__name__"] == "ctloop_monitoring_drift_score"
    } == {("ctloop_monitoring_drift_score", "income")}
    assert all(s["metric"]["job"] == JOB and "instance" not in s["metric"] for s in series)


def test_a_model_name_with_a_slash_is_its_own_group(stack):
    url, _ = stack
    assert push_window(url, model="team/credit", window=window(0), clock=lambda: 1.0) is None
    assert 'model="team/credit"' in gateway_text(url)


def test_an_unreachable_gateway_is_a_warning_not_an_error(caplog):
    url = f"http://127.0.0.1:{free_port()}"
    warning = push_window(url, model="credit", window=window(0), timeout_s=2)
    assert warning.startswith(f"monitoring metrics of credit not pushed to {url}: ")
    assert "the window is recorded in MLflow" in warning
    assert warning in caplog.text


def test_a_push_the_gateway_refuses_is_a_warning_with_its_reason(tmp_path):
    """A real Pushgateway refuses a family whose type clashes with another group's (here a
    counter pushed first by someone else): its reason is in the warning."""
    with pushgateway(tmp_path) as url:
        clash = b"# TYPE ctloop_monitoring_rows counter\nctloop_monitoring_rows 1\n"
        urllib.request.urlopen(
            urllib.request.Request(f"{url}/metrics/job/elsewhere", data=clash, method="PUT"),
            timeout=10,
        ).read()
        warning = push_window(url, model="clash", window=window(0))
    assert warning and "HTTP 400" in warning and "ctloop_monitoring_rows" in warning, warning


def _series_text(metric: dict) -> str:
    name = metric["__name__"]
    body = ", ".join(f'{k}="{v}"' for k, v in sorted(metric.items()) if k != "__name__")
    return f"{name}{{{body}}}"


def promtool_test(scenario: dict, snapshots: list[list[dict]]) -> dict:
    """One promtool test: a sample a minute; window i's snapshot from minute 60 i until the next
    push (the last one until the scenario's end); a series absent from a snapshot is missing."""
    minutes = scenario["hours"] * 60
    keys = {}
    for snap in snapshots:
        for s in snap:
            keys.setdefault(_series_text(s["metric"]), None)
    values = {k: [] for k in keys}
    for minute in range(minutes + 1):
        snap = snapshots[min(minute // 60, len(snapshots) - 1)]
        now = {_series_text(s["metric"]): s["value"][1] for s in snap}
        for k in keys:
            values[k].append(now.get(k, "_"))
    return {
        "name": scenario["model"],
        "interval": "1m",
        "input_series": [{"series": k, "values": " ".join(v)} for k, v in values.items()],
        "alert_rule_test": scenario["alert_rule_test"],
    }


def test_model_quality_alerts_fire_and_stay_quiet_on_what_was_pushed(stack, tmp_path):
    url, prom = stack
    tests = []
    for scenario in SCENARIOS:
        snapshots = []
        for i, win in enumerate(scenario["windows"]):
            pushed_at = float(i * HOUR)  # promtool's clock: the scenario starts at 0
            assert (
                push_window(url, model=scenario["model"], window=win, clock=lambda t=pushed_at: t)
                is None
            )
            snapshots.append(scraped(prom, scenario["model"], pushed_at))
        tests.append(promtool_test(scenario, snapshots))
    write_rules(tmp_path, load_strict(QUALITY_RULES)["spec"]["groups"])
    (tmp_path / "quality.test.yaml").write_text(
        yaml.safe_dump(
            {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests},
            sort_keys=False,
            width=10**6,
        )
    )
    out = promtool("test", "rules", "quality.test.yaml", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_drift_alert_fires_in_the_live_prometheus_too(stack):
    """The rules as Prometheus itself evaluates them (not promtool): a drifted window with the
    threshold pushed makes CtloopModelDrift pending at once."""
    url, prom = stack
    assert push_window(url, model="live", window=window(0, drift_share=0.9, rules=RULES)) is None
    deadline = time.monotonic() + 30
    while not query(
        prom, 'ALERTS{alertname="CtloopModelDrift", model="live", alertstate="pending"}'
    ):
        assert time.monotonic() < deadline, "CtloopModelDrift never became pending"
        time.sleep(0.2)


def test_alert_cases_are_listed_for_the_manifest_meta_test():
    names = {c["alertname"] for s in ALERT_CASES for c in s["alert_rule_test"]}
    rules = {r["alert"] for g in load_strict(QUALITY_RULES)["spec"]["groups"] for r in g["rules"]}
    assert names == rules
    assert Path(__file__).name in QUALITY_RULES.read_text()
