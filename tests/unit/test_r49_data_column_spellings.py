"""A CSV export's header or cells written several ways that a reader takes for one: column names that
differ only in case or surrounding spaces ('Age' and 'age ') were trained as two features, silently;
before round 49 ``prepare_data`` (and ``ctloop backtest``, one check: ``contract.check_column_names``)
accepted them. Now they are refused in one line naming both. A text feature's value in several
spellings ('Yes', 'yes ', 'YES') is not refused (the column still trains) but warned about, naming
the column and its spellings, and recorded in the profile (``spelling_variants``); before, nothing
said so and each spelling was a category of its own."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest

from ctloop import contract
from ctloop.components.prepare import core
from ctloop.contract import check_column_names
from ctloop.errors import DataSourceError


def _csv(header: str, rows: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    times = pd.date_range("2025-03-01", periods=rows, freq="h")
    lines = [header] + [f"{times[i]},{rng.integers(20, 70)},{rng.integers(20, 70)},{'yes' if i % 2 else 'no'}"
                        for i in range(rows)]
    return pd.read_csv(io.StringIO("\n".join(lines)))  # as storage.read_table reads a CSV


@pytest.mark.parametrize("header, said", [
    ("applied_at,Age,age ,default", "columns 'Age', 'age ' differ only in case, surrounding spaces"),
    ("applied_at,income,INCOME,default", "columns 'income', 'INCOME' differ only in case"),
    ("applied_at, region,region,default", "columns ' region', 'region' differ only in case, surrounding spaces"),
], ids=["case-and-space", "case", "leading-space"])
def test_prepare_refuses_column_names_a_reader_takes_for_one(header, said):
    frame = _csv(header)
    with pytest.raises(DataSourceError) as err:
        core.prepare(frame, target="default", time_column="applied_at")
    assert said in str(err.value) and "rename or drop one" in str(err.value)
    assert "row(s)" not in str(err.value) and "\n" not in str(err.value)


def test_the_unicode_forms_of_one_name_are_refused_too():
    frame = pd.DataFrame({"caf\u00e9": [1, 2], "cafe\u0301": [3, 4]})
    with pytest.raises(DataSourceError, match="differ only in case, surrounding spaces or Unicode form"):
        check_column_names(frame)


def test_distinct_names_pass():
    check_column_names(pd.DataFrame({"age": [1], "age_band": [2], "Agency": [3]}))


def _yes_no_frame(rows: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "applied_at": pd.date_range("2025-03-01", periods=rows, freq="h"),
        "income": rng.normal(50, 10, rows),
        "owns_home": rng.choice(["Yes", "yes ", "YES", "No", "no"], rows),
        "region": rng.choice(["north", "south"], rows),
        "default": rng.choice(["0", "1"], rows),
    })


def test_a_feature_written_several_ways_is_warned_about_and_recorded():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepared = core.prepare(_yes_no_frame(), target="default", time_column="applied_at")
    said = [str(w.message) for w in caught if "writes one value several ways" in str(w.message)]
    assert len(said) == 1 and "column 'owns_home'" in said[0] and "'region'" not in said[0]
    assert all(spelling in said[0] for spelling in ("'Yes'", "'yes '", "'YES'", "'No'", "'no'"))
    groups = prepared.profile["spelling_variants"]["owns_home"]["groups"]
    assert sorted(sorted(g) for g in groups) == [["No", "no"], ["YES", "Yes", "yes "]]


def test_clean_text_features_raise_no_warning():
    frame = _yes_no_frame()
    frame["owns_home"] = frame["owns_home"].str.strip().str.lower()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        prepared = core.prepare(frame, target="default", time_column="applied_at")
    assert prepared.profile["spelling_variants"] == {}


def test_spelling_variants_reads_category_and_arrow_string_columns():
    values = ["Yes", "yes", "no"] * 3
    frame = pd.DataFrame({"a": pd.Categorical(values), "b": pd.array(values, dtype="string[pyarrow]"),
                          "c": [1.0] * 9})
    found = contract.spelling_variants(frame, ["a", "b", "c"])
    assert found.keys() == {"a", "b"} and found["a"]["groups"] == found["b"]["groups"] == [["Yes", "yes"]]
