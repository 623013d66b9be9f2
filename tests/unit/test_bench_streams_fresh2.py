"""The pure parts of benchmarks/streams.py's fresh2 loaders (stop 34): finding a pinned wheel in the
cache, joining a NannyML dataset's reference and analysis periods, giving ISLP's Bikeshare table
timestamps. No loader is called: nothing is downloaded."""

from __future__ import annotations

import importlib.util
import sys

import pandas as pd
import pytest

from tests.helpers import REPO


@pytest.fixture(scope="module")
def streams():
    path = REPO / "benchmarks" / "streams.py"
    spec = importlib.util.spec_from_file_location("bench_streams_fresh2", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_find_wheel_matches_the_normalised_name_and_the_exact_version(streams, tmp_path):
    for name in ("islp-0.6.0-py3-none-any.whl", "nannyml-0.13.10-py3-none-any.whl", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert streams.find_wheel(tmp_path, "ISLP", "0.6.0").name == "islp-0.6.0-py3-none-any.whl"
    assert streams.find_wheel(tmp_path, "nannyml", "0.13.1") is None  # 0.13.10 is another release
    assert streams.find_wheel(tmp_path / "missing", "ISLP", "0.6.0") is None


def test_the_cache_directory_follows_the_environment(streams, monkeypatch, tmp_path):
    monkeypatch.setenv(streams.CACHE_ENV, str(tmp_path))
    assert streams.cache_dir() == tmp_path
    monkeypatch.delenv(streams.CACHE_ENV)
    assert streams.cache_dir().name == "ctloop-bench"


def test_a_nannyml_dataset_joins_the_analysis_labels_on_id_and_drops_model_outputs(streams):
    reference = pd.DataFrame({"id": [0, 1], "x": [1.0, 2.0], "flag": [True, False], "y_true": ["a", "b"],
                              "timestamp": ["2020-05-02 02:01:30", "2020-05-02 02:03:33"],
                              "y_pred": ["a", "a"], "y_pred_proba_a": [0.9, 0.6]})
    analysis = pd.DataFrame({"id": [2, 3], "x": [3.0, 4.0], "flag": [False, True],
                             "timestamp": ["2020-09-01 03:10:01", "2020-09-01 03:10:53"],
                             "y_pred": ["b", "a"], "y_pred_proba_a": [0.1, 0.7]})
    targets = pd.DataFrame({"id": [3, 2], "y_true": ["c", "b"]})  # the label file's own order
    out = streams.nannyml_stream(reference, analysis, targets, target="y_true", features=["x", "flag"])
    assert list(out.columns) == [streams.TIME, "x", "flag", streams.TARGET]
    assert out[streams.TARGET].tolist() == ["a", "b", "b", "c"]
    assert out["flag"].tolist() == [1, 0, 0, 1]
    assert out[streams.TIME].is_monotonic_increasing and out[streams.TIME].dtype.kind == "M"


def test_bikeshare_hours_get_timestamps_from_day_of_year_and_hour(streams):
    raw = pd.DataFrame({"day": [1, 1, 365], "hr": [0, 23, 5], "weekday": [6, 6, 6], "workingday": [0, 0, 0],
                        "holiday": [0, 0, 0], "weathersit": ["clear", "cloudy/misty", "clear"],
                        "temp": [0.24, 0.2, 0.3], "atemp": [0.28, 0.2, 0.3], "hum": [0.8, 0.7, 0.6],
                        "windspeed": [0.0, 0.1, 0.2], "mnth": ["Jan", "Jan", "Dec"], "bikers": [16, 40, 90]})
    out = streams.bikeshare_frame(raw)
    assert out[streams.TIME].tolist() == [pd.Timestamp("2011-01-01 00:00"), pd.Timestamp("2011-01-01 23:00"),
                                          pd.Timestamp("2011-12-31 05:00")]
    assert "bikers" not in out.columns and "mnth" not in out.columns


def test_the_fresh2_half_is_selectable_and_holds_binary_multiclass_and_a_control(streams):
    fresh2 = list(streams.select("fresh2"))
    assert {s.kind for s in fresh2} == {"binary", "multiclass"}
    assert any(not s.drift for s in fresh2)
    assert 4 <= len(fresh2) <= 6
