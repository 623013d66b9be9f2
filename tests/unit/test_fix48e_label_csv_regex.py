"""CSV label ingest of a regression target (review E of round 48): every label is distinct, and each
went through a Python regex (is it a class code written with a leading zero, '01'?), a test per
label for a quote, and a Python call per key (is it a float from 2**53 up?) — ingest took a third
more CPU. Now Arrow picks the few candidates for the regex, and a column with no float skips the
per-key test. Counted, not timed; the answers stay the same."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ctloop.labels import store


class _CountingRe:
    """``re`` as ``ctloop.labels.store`` uses it, counting the texts matched by compiled patterns."""

    def __init__(self) -> None:
        self.matched = 0

    def compile(self, pattern: str) -> object:
        compiled = re.compile(pattern)
        outer = self

        class Pattern:
            def match(self, text: str) -> object:
                outer.matched += 1
                return compiled.match(text)

        return Pattern()

    def __getattr__(self, name: str) -> object:
        return getattr(re, name)


@pytest.fixture
def counting_re(monkeypatch: pytest.MonkeyPatch) -> _CountingRe:
    shim = _CountingRe()
    monkeypatch.setattr(store, "re", shim)
    return shim


def _batches(path: str) -> list[pd.DataFrame]:
    return list(store._csv_batches(path, "request_id", 1_000, "label", None))


def test_distinct_numbers_not_matched_one_by_one(tmp_path, counting_re: _CountingRe) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "request_id,label\n" + "".join(f"r{i},{100 + i / 7:.6f}\n" for i in range(2_000))
    )
    labels = pd.concat(_batches(str(path)))["label"]
    assert labels.dtype == "float64" and labels.iloc[7] == 101.0
    assert counting_re.matched == 0  # was one per distinct label: 2,000


@pytest.mark.parametrize(
    ("written", "coded"),
    [
        ("007", True),
        (" -01", True),
        ("+00", True),
        ("0.5", False),
        ("0", False),
        ("10", False),
        ("-0.25", False),
        ("1e05", False),
    ],
)
def test_codes_still_found(tmp_path, written: str, coded: bool) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "request_id,label\n" + "".join(f"r{i},{i % 3}\n" for i in range(50)) + f'r50,"{written}"\n'
    )
    labels = pd.concat(_batches(str(path)))["label"]
    assert isinstance(labels.iloc[0], str) is coded, (
        labels.tolist()
    )  # a code: every label as written
    assert str(labels.iloc[-1]) == written if coded else not isinstance(labels.iloc[-1], str)


def test_text_keys_not_tested_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = pd.Series.map

    def counting(self: pd.Series, *args: object, **kwargs: object) -> pd.Series:
        calls.append(len(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.Series, "map", counting)
    assert store._inexact_keys(
        pd.Series([f"r{i}" for i in range(100)] + [None], dtype=object)
    ).empty
    assert calls == []  # was one Python call per key
    inexact = store._inexact_keys(pd.Series(["r1", 2.0**60], dtype=object))
    assert inexact.tolist() == [2.0**60]  # a float key among text still found
