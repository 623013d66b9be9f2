"""The number of columns the inference log gives a model is capped.

Before: every new key of a v1 instance object became a column of the model for good, and every
later file carried every column registered so far. A producer sending per-request keys
(``{"user_123": 1.0, ...}``) widened the log to 10,012 columns after 200 requests, with no cap,
no warning and no metric. Now at most ``--max-columns`` columns are registered per model
(:data:`ctloop.inference_log.defaults.MAX_COLUMNS`); the values of any later key are kept, as
JSON text, in the row's ``_overflow`` column, counted (``ctloop_log_overflow_values_total``) and
warned about once per model. In-process: the real Sink, real files."""

from __future__ import annotations

import asyncio
import json
import logging
import random

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main
from ctloop.inference_log import defaults, schema
from ctloop.inference_log.events import join, parse_event
from ctloop.inference_log.sink import Sink
from tests.inference_log.support import parquet_rows


def ce(ce_id: str, kind: str, day: int = 1) -> dict[str, str]:
    return {"ce-id": ce_id, "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit-default",
            "ce-time": f"2026-12-0{day}T10:31:02Z"}


def pair(ce_id: str, instance: dict, day: int = 1, prediction: float = 0.5):
    return (parse_event(ce(ce_id, "request", day), json.dumps({"instances": [instance]}).encode()),
            parse_event(ce(ce_id, "response", day), json.dumps({"predictions": [prediction]}).encode()))


def run(tmp_path, pairs, flush_every: int = 20, **kw) -> str:
    """Every pair accepted, a flush every ``flush_every`` pairs; the metrics text at the end."""
    async def scenario():
        sink = Sink(str(tmp_path / "root"), str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6, **kw)
        await sink.start()
        for i, (req, resp) in enumerate(pairs, 1):
            await sink.accept(req)
            await sink.accept(resp)
            if i % flush_every == 0:
                await sink.flush()
        await sink.flush(final=True)
        metrics = sink.metrics_text()
        await sink.stop()
        return metrics
    return asyncio.run(scenario())


def dynamic_keys(n: int = 200, keys: int = 50, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    return [{"age": 40.0 + i % 7, **{f"user_{rng.randrange(10**9)}": rng.random() for _ in range(keys)}}
            for i in range(n)]


def registry(tmp_path) -> dict[str, str]:
    """The model's registered column types (<root>/_schema)."""
    return json.loads((tmp_path / "root" / "_schema" / "model=credit-default.json").read_text())["columns"]


def test_per_request_keys_stop_widening_the_log_at_the_cap_and_nothing_is_lost(tmp_path, caplog):
    """200 requests of 50 random keys with --max-columns 100: before, 10,001 registered columns
    (and ``max_columns`` did not exist). Now 100 features and the prediction; every sent value is
    in its column or in ``_overflow``; one warning line; the counter says how many went there."""
    instances = dynamic_keys()
    caplog.set_level(logging.WARNING, logger="ctloop.inference_log")
    metrics = run(tmp_path, [pair(f"r{i}", inst) for i, inst in enumerate(instances)], max_columns=100)
    assert len(registry(tmp_path)) == 101 and "prediction" in registry(tmp_path)
    widths = {len(pq.read_schema(p).names) for p in (tmp_path / "root").rglob("*.parquet")}
    assert max(widths) == 101 + len(schema.IDENTITY)
    rows = parquet_rows(tmp_path / "root").set_index("request_id")
    overflowed = 0
    for i, sent in enumerate(instances):
        row = rows.loc[f"r{i}"]
        kept = {k: row[k] for k in sent if k in row.index and row[k] == row[k]}  # not NaN
        aside = json.loads(row[schema.OVERFLOW]) if isinstance(row[schema.OVERFLOW], str) else {}
        assert not set(kept) & set(aside) and {**kept, **aside} == sent  # lossless, each value once
        assert row["age"] == sent["age"] and row["prediction"] == 0.5  # early columns stay columns
        overflowed += len(aside)
    assert overflowed > 9000
    assert f"ctloop_log_overflow_values_total {overflowed}" in metrics
    warnings = [r.getMessage() for r in caplog.records if "_overflow" in r.getMessage()]
    assert len(warnings) == 1 and "credit-default has 100 feature columns (--max-columns 100)" in warnings[0]


def test_the_cap_holds_across_a_restart_and_predictions_and_headers_always_get_columns(tmp_path):
    """The cap counts the model's registered feature columns, read back at start: a restarted
    sink does not start a fresh count. Predictions and meta_* headers (what monitoring and the
    labels join read) get their columns whenever they first come."""
    run(tmp_path, [pair("a", {"k1": 1.0, "k2": 2.0, "k3": 3.0})], max_columns=3)  # k1, k2, k3: full
    req, _ = pair("b", {"k1": 1.5, "k4": 4.0})
    req.metadata = {"meta_x_order_id": "A-17"}
    resp = parse_event(ce("b", "response"), b'{"predictions": [{"label": 1, "score": 0.3}]}')
    metrics = run(tmp_path, [(req, resp)], max_columns=3)
    assert set(registry(tmp_path)) == {"k1", "k2", "k3", "prediction", "meta_x_order_id", "prediction_label",
                                       "prediction_score"}
    rows = parquet_rows(tmp_path / "root").set_index("request_id")
    assert json.loads(rows.loc["b", "_overflow"]) == {"k4": 4.0}
    assert (rows.loc["b", "k1"], rows.loc["b", "prediction_score"], rows.loc["b", "meta_x_order_id"]) == (1.5, 0.3, "A-17")
    assert "ctloop_log_overflow_values_total 1" in metrics


def test_the_sinks_defaults_are_written_once_for_the_sink_logger_serve_and_the_env_factory(monkeypatch):
    """Before, flush rows, flush seconds and the join TTL were written in the Sink, in
    ``logger serve``'s flags and in ``app_from_env`` each."""
    from ctloop.cli import build_parser
    from ctloop.inference_log.app import app_from_env

    monkeypatch.setenv("CTLOOP_LOG_ROOT", "/tmp/x")
    args = build_parser().parse_args(["logger", "serve", "--root", "/tmp/x"])
    expected = (defaults.FLUSH_ROWS, defaults.FLUSH_SECONDS, defaults.SINK_JOIN_TTL_SECONDS, defaults.MAX_COLUMNS)
    for sink in (Sink("/tmp/x", "/tmp/w"), app_from_env().sink):
        assert (sink.flush_rows, sink.flush_seconds, sink.join_ttl, sink.max_columns) == expected
    assert (args.flush_rows, args.flush_seconds, args.join_ttl_seconds, args.max_columns) == expected


def test_a_feature_named_overflow_does_not_replace_the_column():
    req, resp = pair("a", {"_overflow": 1.0, "x": 2.0})
    (row,) = join(req, resp)
    assert row["input__overflow"] == 1.0 and "_overflow" not in row


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_drift_of_two_capped_log_windows_skips_overflow_as_identity(tmp_path, capsys, engine):
    """``_overflow`` holds per-request JSON text: compared as a feature it would always drift."""
    rng = random.Random(1)
    pairs = [pair(f"d{day}-{i}", {"income": rng.gauss(0, 1), **({f"user_{rng.randrange(10**9)}": 1.0} if i else {})},
                  day=day) for day in (1, 2) for i in range(60)]
    run(tmp_path, pairs, flush_every=60, max_columns=1)  # income: every user_ key overflows
    day = tmp_path / "root" / "model=credit-default"
    code = main(["drift", "--no-report", "--quiet", "--engine", engine, "--reference", str(day / "date=2026-12-01"),
                 "--current", str(day / "date=2026-12-02"), "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    saved = json.loads((tmp_path / "out" / "drift.json").read_text())
    assert [c["column"] for c in saved["columns"]] == ["income", "prediction"]
    assert {s["column"]: s["reason"] for s in saved["skipped"]}["_overflow"] == "inference log identity"


def test_a_null_feature_the_model_has_no_column_for_yet_does_not_quarantine_its_row(tmp_path):
    """Before: a key first sent as null (a missing value, common for features an imputer fills)
    had no type, stayed in the row, and the Parquet write refused the row ('unexpected field'):
    the whole row, prediction included, went to _quarantine, until some request sent a value."""
    metrics = run(tmp_path, [pair("a", {"x": 1.0, "note": None}), pair("b", {"x": 2.0, "note": "late"})],
                  flush_every=1)
    rows = parquet_rows(tmp_path / "root").set_index("request_id")
    assert sorted(rows.index) == ["a", "b"] and rows.loc["a", "prediction"] == 0.5
    assert pd.isna(rows.loc["a", "note"]) and rows.loc["b", "note"] == "late"
    assert "ctloop_log_rows_quarantined_total 0" in metrics


@pytest.mark.parametrize("data", [b'{"columns": []}', b'{"columns": "double"}', b'{"columns": 3}'])
def test_a_registry_whose_columns_are_no_object_is_named_not_an_attribute_error(data):
    """The sink's start reads every registry and takes a ValueError (logged, the types learnt
    again); ``columns`` that was a list was an AttributeError out of ``Sink.start``."""
    from ctloop.inference_log import schema

    with pytest.raises(ValueError, match="model=m.json is not a ctloop column-type registry"):
        schema._parse(data, "model=m.json")
