"""Round 58: events from a producer whose clock is off are said, not silently placed.

A row's ``time`` is the event's ``ce-time``. KServe v0.20.0's agent stamps it with its own clock
(``pkg/logger/handler.go``: ``OccurrenceTime`` is ``time.Now()`` when the request arrives, then when
the answer is read) and stamps ``ce-recordedtime`` as it sends (``pkg/logger/worker.go``:
``event.SetExtension(RecordedTimeAttr, time.Now())``, one send, no retry): the gap between that and
the sink's arrival time is the network's milliseconds plus the difference of the two clocks. A
replica whose node clock is an hour off put its rows an hour away, in another window, unsaid.

The rows keep the agent's ``ce-time`` (pairing a request with its answer, telling a copy of one
delivery from two calls and the labels join go by it), and an event that shows a clock off by more
than ``CLOCK_SKEW_SECONDS`` is counted (``ctloop_log_clock_skewed_events_total``) and said once per
source on the sink's log. Without ``ce-recordedtime`` (another producer) only a ``ce-time`` after
the arrival shows it: an earlier one may be a batch sent late.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta

from ctloop.inference_log.defaults import CLOCK_SKEW_SECONDS
from ctloop.inference_log.events import clock_offset, parse_event
from tests.inference_log.support import KSERVE_HEADERS, kserve_headers, parquet_rows, sink_client


def _at(seconds: float) -> str:
    """RFC 3339 nanoseconds, as the agent's sdk-go writes its times, ``seconds`` from now."""
    t = datetime.now(UTC) + timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


def _agent(cid: str, kind: str, off: float) -> dict[str, str]:
    """An agent's event headers from a node whose clock is ``off`` seconds ahead."""
    return kserve_headers(kind, cid, _at(off - 0.002), ce_recordedtime=_at(off))


def test_the_offset_is_the_agents_send_stamp_against_the_arrival():
    body = json.dumps({"instances": [{"x": 1.0}]}).encode()
    now = datetime.now(UTC).timestamp()
    ahead = parse_event(_agent("a", "request", 3600), body, lowercase=True)
    assert abs(clock_offset(ahead, now) - 3600) < 5
    assert abs(clock_offset(parse_event(_agent("b", "request", 0), body, lowercase=True), now)) < 5
    # another producer (no agent attributes, no ce-recordedtime): only a time after the arrival tells
    producer = {
        "ce-specversion": "1.0",
        "ce-source": "batch",
        "ce-inferenceservicename": "credit",
        "content-type": "application/json",
        "ce-type": "org.kubeflow.serving.inference.request",
    }
    late = parse_event({**producer, "ce-id": "c", "ce-time": _at(-7200)}, body, lowercase=True)
    early = parse_event({**producer, "ce-id": "d", "ce-time": _at(7200)}, body, lowercase=True)
    assert clock_offset(late, now) is None
    assert abs(clock_offset(early, now) - 7200) < 5


def test_events_of_a_clock_off_are_counted_said_once_and_keep_their_time(tmp_path, caplog):
    sent = {}

    async def scenario():
        async with sink_client(tmp_path) as (sink, c):
            for cid, off in (
                ("right", 0.0),
                ("ahead-1", 3600.0),
                ("ahead-2", 3600.0),
                ("behind", -2 * CLOCK_SKEW_SECONDS),
            ):
                for kind in ("request", "response"):
                    headers = _agent(cid, kind, off)
                    headers["ce-source"] = f"credit-predictor-00001-deployment-{cid}"  # a pod each
                    sent.setdefault(cid, headers["ce-time"])
                    body = (
                        {"instances": [{"x": 1.0}]} if kind == "request" else {"predictions": [0.5]}
                    )
                    answer = await c.post("/", headers=headers, content=json.dumps(body))
                    assert answer.status_code == 200, answer.text
            metrics = (await c.get("/metrics")).text
            await sink.flush(final=True)
            return metrics

    with caplog.at_level(logging.WARNING, logger="ctloop.inference_log"):
        metrics = asyncio.run(scenario())
    # before: no such counter; nothing said
    assert "ctloop_log_clock_skewed_events_total 6" in metrics, metrics
    said = [r.getMessage() for r in caplog.records if "clock" in r.getMessage()]
    assert len(said) == 3, said  # once per source: ahead-1, ahead-2 (another pod), behind
    assert any("credit-predictor-00001-deployment-ahead-1" in m and "+3600" in m for m in said), (
        said
    )
    rows = parquet_rows(tmp_path / "root").set_index("request_id")
    assert (
        rows.loc["ahead-1", "time"] == sent["ahead-1"]
    )  # the agent's stamp, kept (pairs, copies, labels)
    assert rows["has_request"].all() and rows["has_response"].all()


def test_a_producer_without_agent_stamps_is_judged_by_a_future_time_only(tmp_path):
    producer = {k: v for k, v in KSERVE_HEADERS.items() if k not in ("ce-endpoint", "ce-metadata")}

    async def scenario():
        async with sink_client(tmp_path) as (sink, c):
            for cid, at in (("batch-late", _at(-86400)), ("future", _at(7200))):
                headers = {
                    **producer,
                    "ce-id": cid,
                    "ce-type": "org.kubeflow.serving.inference.request",
                    "ce-time": at,
                }
                answer = await c.post(
                    "/", headers=headers, content=json.dumps({"instances": [{"x": 1.0}]})
                )
                assert answer.status_code == 200, answer.text
            return (await c.get("/metrics")).text

    assert "ctloop_log_clock_skewed_events_total 1" in asyncio.run(scenario())


def _clock_skew_rule() -> tuple[str, dict]:
    """The text of CtloopLogClockSkew's rule (its comments included) and the rule as read."""
    import yaml

    from tests.helpers import REPO

    text = (REPO / "manifests/components/monitoring/prometheusrule-inference-log.yaml").read_text()
    start = text.index("- alert: CtloopLogClockSkew")
    rules = [rule for group in yaml.safe_load(text)["spec"]["groups"] for rule in group["rules"]]
    return text[start:text.index("- alert:", start + 1)], next(r for r in rules if r.get("alert") == "CtloopLogClockSkew")


def test_the_alert_says_the_sinks_bound():
    from tests.helpers import REPO

    text, rule = _clock_skew_rule()
    bound = f"{CLOCK_SKEW_SECONDS:g} s"
    assert f"more than {bound} off" in rule["annotations"]["description"]
    assert f"({bound}, CLOCK_SKEW_SECONDS)" in text  # the rule's comment
    docs = (REPO / "docs/inference-log.md").read_text()
    assert f"more than {bound} off the sink's (see \"Clocks\")" in docs  # the alerts table
    assert f"more than {bound} off (`CLOCK_SKEW_SECONDS`)" in docs  # "Clocks"


def test_the_runbook_reads_every_replicas_log():
    # `kubectl logs statefulset/ctloop-inference-log` reads one pod of the StatefulSet (kubectl 1.32):
    # a skewed producer sends to any replica, and its one line is in that replica's log only. With
    # a selector kubectl shows 10 lines per pod unless --tail says otherwise (kubectl logs --help)
    import yaml

    from tests.helpers import REPO

    _, rule = _clock_skew_rule()
    logger = list(yaml.safe_load_all((REPO / "manifests/components/logger/logger.yaml").read_text()))
    sts = next(doc for doc in logger if doc and doc.get("kind") == "StatefulSet")
    selector = ",".join(f"{k}={v}" for k, v in sts["spec"]["selector"]["matchLabels"].items())
    runbook = rule["annotations"]["runbook"]
    assert f"logs -l {selector} --prefix --tail=-1 |" in runbook, runbook
    # nor does any other runbook of the sink's alerts (--max-columns, refused events: the same one pod)
    assert "logs statefulset/" not in (REPO / "manifests/components/monitoring/prometheusrule-inference-log.yaml").read_text()
