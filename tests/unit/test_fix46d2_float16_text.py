"""A 16-bit float column (Arrow's halffloat, as a Parquet file written from NumPy's or pandas'
``float16`` reads back; pandas' ``float16`` and ``halffloat[pyarrow]``) for a text feature trained on
codes with decimals ('0.1'..'0.3') is read at its own width, as a 32-bit one is: 0.1 is the code
'0.1', in batch scoring and in the gate alike.

Was (round 46, review 2D): ``ctloop score`` failed with a traceback (exit 1), ``pc.unique`` in
``scoring._text_categories`` has no kernel for halffloat (pyarrow 25: "Function 'unique' has no kernel
matching input types (halffloat)"); and underneath, :func:`ctloop.storage.numbers_as_text` read only
a 32-bit float at its width, so a 16-bit 0.1 was 0.0999755859375, no code: every row an unknown
category (the gate judged the model without the feature)."""

from __future__ import annotations

import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop import scoring
from ctloop.components.train import core as train
from ctloop.storage import NumbersAsText, _number_value, numbers_as_text


@pytest.fixture(scope="module")
def tiers():
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"x1": rng.normal(size=n), "tier": rng.choice(["0.1", "0.2", "0.3"], n)})
    frame["y"] = ((frame.x1 + 2 * (frame.tier == "0.1")) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train.fit(frame, target="y", estimator="logistic_regression", search_iterations=0)
    return frame, scoring.Scorer(
        result.model, "credit", "1", "champion", result.meta["features"], result.meta["numeric"]
    )


def _predictions(scorer, tmp_path, table, name):
    path = tmp_path / f"{name}.parquet"
    pq.write_table(table, path)
    result = scoring.score(
        scorer, str(path), str(tmp_path / f"out-{name}"), run_id="r", log_root=""
    )
    out = pd.read_parquet(result.files[0])
    return result, out[[c for c in out.columns if c.startswith("prediction_")]].to_numpy()


TIERS = [0.1, None, 0.3, 0.2]


def _half_tables():
    """The same column as a Parquet file holds it, written three ways."""
    x1 = [0.1] * 4
    numpy16 = pd.DataFrame({"x1": x1, "tier": np.array(TIERS, dtype=float).astype(np.float16)})
    arrow16 = pd.DataFrame({"x1": x1, "tier": pd.array(TIERS, dtype=pd.ArrowDtype(pa.float16()))})
    return {
        "arrow-halffloat": pa.table({"x1": x1, "tier": pa.array(TIERS, pa.float16())}),
        "pandas-float16": pa.Table.from_pandas(numpy16, preserve_index=False),
        "pandas-halffloat-pyarrow": pa.Table.from_pandas(arrow16, preserve_index=False),
    }


@pytest.mark.parametrize("written", list(_half_tables()))
def test_batch_scoring_reads_a_16_bit_float_column_as_its_codes(tiers, tmp_path, written):
    _, scorer = tiers
    table = _half_tables()[written]
    assert table.schema.field("tier").type == pa.float16()
    result, got = _predictions(scorer, tmp_path, table, "half")
    _, want = _predictions(
        scorer, tmp_path, pa.table({"x1": [0.1] * 4, "tier": ["0.1", None, "0.3", "0.2"]}), "text"
    )
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    assert result.rows == 4
    assert result.numbers_as_text["tier"].to_dict() == {
        "numbers": 3,
        "recoded": 0,
        "unknown": 0,
        "ambiguous": 0,
        "examples": {},
    }
    assert not result.unknown_categories


def test_batch_scoring_refuses_a_16_bit_column_of_no_code_in_one_line(tiers, tmp_path):
    from ctloop.errors import DataSourceError

    _, scorer = tiers
    table = pa.table({"x1": [0.1] * 3, "tier": pa.array([7.5, None, 9.25], pa.float16())})
    with pytest.raises(DataSourceError) as caught:
        _predictions(scorer, tmp_path, table, "amounts")
    message = str(caught.value)
    assert "\n" not in message
    assert "column 'tier'" in message and "is halffloat" in message and "(e.g. 7.5)" in message
    assert not (tmp_path / "out-amounts").exists() or not any((tmp_path / "out-amounts").iterdir())


@pytest.mark.parametrize(
    "dtype", [np.float16, pd.ArrowDtype(pa.float16())], ids=["float16", "halffloat-pyarrow"]
)
def test_the_gate_scores_a_16_bit_holdout_as_its_text(tiers, dtype):
    from ctloop.components.evaluate import core as evaluate

    frame, scorer = tiers
    hold = frame.iloc[-100:]
    half = hold.assign(tier=pd.array(hold.tier.astype(float).to_numpy(), dtype=dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = evaluate.score(scorer.model, hold, target="y", task="classification")
        assert evaluate.score(scorer.model, half, target="y", task="classification") == want


@pytest.mark.parametrize(
    "dtype",
    [np.float16, pd.ArrowDtype(pa.float16()), np.float32, "Float32"],
    ids=["float16", "halffloat-pyarrow", "float32", "Float32"],
)
def test_numbers_as_text_reads_a_narrow_float_at_its_own_width(dtype):
    from ctloop.contract import gaps_as_nan

    values = pd.Series(
        pd.array([0.1, None, 2.5, 3.0], dtype=dtype), name="tier", index=[4, 5, 6, 7]
    )
    counts = NumbersAsText()
    got = numbers_as_text(gaps_as_nan(values), ["0.1", "2.5", "3"], counts)
    assert got.iloc[0] == "0.1" and got.iloc[2] == "2.5" and got.iloc[3] == "3"
    assert got.iloc[1] != got.iloc[1]  # a gap stays a gap
    assert list(got.index) == [4, 5, 6, 7] and got.name == "tier"
    assert counts.numbers == 3 and counts.unknown == 0


def test_a_16_bit_number_is_its_shortest_text():
    assert _number_value(np.float16(0.1)) == Decimal("0.1")
    assert _number_value(np.float32(0.1)) == Decimal("0.1")
    assert _number_value(np.float64(0.1)) == Decimal("0.1")
    assert _number_value(np.float16(0.3)) == Decimal("0.3")
