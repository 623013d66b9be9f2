"""A champion trained on features named like columns the sink fills from elsewhere (``date``,
``prediction_score``, ``meta_region``; identity names such as ``revision``): the sink stores them as
``input_<name>`` (``events.feature_column``), and monitoring reads them back from there — coalesced,
row by row, with the column ``<name>`` older rows of a log spanning the upgrade hold them in (the sink
before 2026-12-05 stored prediction_*, meta_* and date features under their own name). Before, drift
was computed "without 3 feature(s) missing from the log", and with every feature clashing not at all."""

from __future__ import annotations

import asyncio
import json

import pandas as pd

from ctloop.inference_log import events
from ctloop.inference_log.events import parse_event
from ctloop.inference_log.reader import read_log
from ctloop.inference_log.sink import Sink
from ctloop.monitoring.window import WindowSpec, align_features, collect

FEATURES = ("prediction_score", "meta_region", "date", "revision", "income")
T = lambda s: pd.Timestamp(s, tz="UTC")  # noqa: E731


def _headers(kind: str, i: int, time: str) -> dict[str, str]:
    return {"ce-id": f"d{i}", "ce-type": f"org.kubeflow.serving.inference.{kind}", "ce-specversion": "1.0",
            "ce-source": "http://localhost:9081/", "ce-inferenceservicename": "credit", "ce-namespace": "ns",
            "ce-component": "predictor", "ce-endpoint": "", "ce-metadata": "{}", "ce-time": time}


def _features(i: int) -> dict:
    return {"prediction_score": 0.1 * i, "meta_region": f"r{i % 2}", "date": f"2020-01-0{i + 1}",
            "revision": f"v{i}", "income": 1.0 * i}


def _log(root: str, wal: str, ids: range, time: str) -> None:
    async def run() -> None:
        sink = Sink(root, wal)
        await sink.start()
        for i in ids:
            body = {"instances": [_features(i)]}
            await sink.accept(parse_event(_headers("request", i, time), json.dumps(body).encode()))
            await sink.accept(parse_event(_headers("response", i, time), b'{"predictions": [1]}'))
        await sink.stop()

    asyncio.run(run())


def _old_rule(name: str) -> bool:  # the sink before 2026-12-05: only identity names were renamed
    return name in events.RESERVED


def _spanning_log(tmp_path, monkeypatch) -> str:
    root = str(tmp_path / "log")
    with monkeypatch.context() as m:
        m.setattr(events, "_clashes", _old_rule)
        _log(root, str(tmp_path / "wal1"), range(3), "2026-11-22T10:31:02Z")
    _log(root, str(tmp_path / "wal2"), range(3, 6), "2026-11-22T11:31:02Z")
    return root


def test_monitoring_reads_clashing_features_from_input_columns_and_older_rows(tmp_path, monkeypatch):
    root = _spanning_log(tmp_path, monkeypatch)
    rows = read_log(root, "credit", T("2026-11-21"), T("2026-11-23")).sort_values("_time")
    assert {"prediction_score", "input_prediction_score", "date", "input_date"} <= set(rows.columns)
    frame, aligned = align_features(rows[rows["has_request"]], list(FEATURES))
    assert aligned.columns == list(FEATURES) and not aligned.missing and not aligned.warning
    expected = pd.DataFrame([_features(i) for i in range(6)])
    # prediction_*/meta_* are never read from their own column (the response's prediction, the
    # ce-metadata value; review): the older rows' values of those two are not recovered
    expected.loc[:2, ["prediction_score", "meta_region"]] = None
    got = frame[list(FEATURES)].reset_index(drop=True)
    assert got.isna().equals(expected[list(FEATURES)].isna())
    assert got.astype(str)[got.notna()].equals(expected[list(FEATURES)].astype(str)[got.notna()])

    spec = WindowSpec(T("2026-11-21"), T("2026-11-23"), T("2026-11-21"), T("2026-11-21"), features=FEATURES,
                      numeric=("prediction_score", "income"), text=("meta_region", "date", "revision"))
    state = collect(root, "credit", spec, progress=False)
    assert state.alignment().columns == list(FEATURES) and not state.alignment().warning
    assert state.present == {**dict.fromkeys(FEATURES, 6), "prediction_score": 3, "meta_region": 3}


def test_a_row_without_the_feature_is_not_filled_from_the_prediction_or_the_header(tmp_path):
    """A request that lacks the feature ``prediction``/``meta_region`` (an optional field): its
    row's ``prediction`` is the response's and its ``meta_region`` the ce-metadata header's; neither
    is a value of the feature (review: present read 4 of 4, two of them 99.0 and 'HDR')."""
    root = str(tmp_path / "log")

    async def run() -> None:
        sink = Sink(root, str(tmp_path / "wal"))
        await sink.start()
        for i in range(4):
            headers = {**_headers("request", i, "2026-11-22T10:31:02Z"), "ce-metadata": '{"region": ["HDR"]}'}
            body = {"instances": [{"prediction": 1.0 * i, "meta_region": "r", "income": 1.0} if i < 2
                                  else {"income": 2.0}]}
            await sink.accept(parse_event(headers, json.dumps(body).encode()))
            await sink.accept(parse_event({**headers, "ce-type": "org.kubeflow.serving.inference.response"},
                                          b'{"predictions": [99]}'))
        await sink.stop()

    asyncio.run(run())
    features = ("prediction", "meta_region", "income")
    spec = WindowSpec(T("2026-11-21"), T("2026-11-23"), T("2026-11-21"), T("2026-11-21"), features=features,
                      numeric=("prediction", "income"), text=("meta_region",))
    state = collect(root, "credit", spec, progress=False)
    assert state.present == {"prediction": 2, "meta_region": 2, "income": 4}


def test_a_feature_named_input_of_a_clashing_name_is_read_across_the_upgrade():
    """``input_date`` was stored as itself before and as ``input_input_date`` since (review)."""
    assert events.feature_sources("input_date") == ("input_input_date", "input_date")
    assert events.feature_sources("prediction_score") == ("input_prediction_score",)
    assert events.feature_sources("date") == ("input_date", "date")


def test_every_feature_clashing_still_computes_drift(tmp_path):
    root = str(tmp_path / "log")
    _log(root, str(tmp_path / "wal"), range(4), "2026-11-22T10:31:02Z")
    clashing = ("prediction_score", "meta_region", "date")
    spec = WindowSpec(T("2026-11-21"), T("2026-11-23"), T("2026-11-21"), T("2026-11-21"), features=clashing,
                      numeric=("prediction_score",), text=("meta_region", "date"))
    state = collect(root, "credit", spec, progress=False)
    assert state.alignment().columns == list(clashing) and state.drift is not None


def test_an_identity_column_is_never_read_as_the_feature_of_its_name():
    """A champion feature ``revision`` logged by no request: the row's revision is no value of it."""
    rows = pd.DataFrame({"revision": ["credit-predictor-00001"] * 2, "_time": [T("2026-11-22")] * 2,
                         "income": [1.0, 2.0]})
    frame, aligned = align_features(rows, ["revision", "income"])
    assert aligned.columns == ["income"] and aligned.missing == ["revision"]
    assert frame["revision"].isna().all()
