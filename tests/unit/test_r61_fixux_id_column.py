"""Round 61's review of the ID-column rule (docs/backtest-quality.md, "Stop 61: what the compare shows"):
M3, ids issued in time order ('FNA-10000' on) drift pooled too, and the drift engine's finish cleared their
ID warning with the sparse-values one; M4, the fit and the drift engine counted different rows (the engine
left missing values out) and the engine named a column of numbers an ID; L5, the engine computed the rule
twice per drifted column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ctloop.components.train import core as train_core
from ctloop.contract import ID_SAID, id_like
from ctloop.drift import engine


def sequential_ids(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(61)
    return pd.DataFrame(
        {"sample_id": [f"FNA-{10_000 + i}" for i in range(n)], "x": rng.normal(size=n)}
    )


def test_sequential_ids_keep_their_warning_when_the_pooled_test_drifts() -> None:
    frame = sequential_ids()
    result = engine.detect(frame.iloc[:250], frame.iloc[250:], columns=["sample_id", "x"])
    (ids,) = [c for c in result.columns if c.column == "sample_id"]
    assert ids.drifted and ids.id_like
    assert ids.warning.startswith(f"column sample_id has {ID_SAID}: each of its values is new"), (
        ids.warning
    )
    assert ids.pooled_p is None  # nothing for finish to clear it by


def comments(n: int, start: int) -> pd.Series:
    """A free-text column filled in every other row, each filled value different."""
    return pd.Series(
        [f"comment number {start + i}" if i % 2 else None for i in range(n)], dtype=object
    )


def rng_values(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(100, 10, n)


@pytest.mark.parametrize(
    ("ref", "cur", "kinds"),
    [
        (
            comments(300, 0),
            comments(200, 10_000),
            None,
        ),  # half empty: no ID (the fit counts every row)
        (
            pd.Series([f"{v:.9f}" for v in rng_values(300, 1)]),
            pd.Series([f"{v:.9f}" for v in rng_values(200, 2)]),
            None,
        ),
        (
            pd.Series(
                [f"{v:.9f}".replace(".", ",") for v in rng_values(300, 3)]
            ),  # decimal commas: written numbers
            pd.Series([f"{v:.9f}".replace(".", ",") for v in rng_values(200, 4)]),
            None,
        ),
        (
            pd.Series(rng_values(300, 5)),
            pd.Series(rng_values(200, 6)),
            {"x": "categorical"},
        ),  # float as categorical
    ],
    ids=["half-null-text", "numbers-as-text", "decimal-comma-text", "float-as-categorical"],
)
def test_the_fit_and_the_drift_engine_give_one_answer(
    ref: pd.Series, cur: pd.Series, kinds: dict | None
) -> None:
    result = engine.detect(
        pd.DataFrame({"x": ref}), pd.DataFrame({"x": cur}), columns=["x"], column_kinds=kinds
    )
    (col,) = result.columns
    whole = pd.DataFrame({"x": pd.concat([ref, cur], ignore_index=True).astype(object)})
    assert col.id_like is False and ID_SAID not in col.warning, col.warning
    assert train_core.id_columns(whole, ["x"]) == []


def test_a_text_id_is_one_to_both() -> None:
    frame = sequential_ids(200)
    result = engine.detect(frame.iloc[:120], frame.iloc[120:], columns=["sample_id"])
    assert result.columns[0].id_like and train_core.id_columns(frame, ["sample_id"]) == [
        "sample_id"
    ]
    assert id_like(100, 100, [f"r{i}" for i in range(100)])
    assert id_like(100, 100, [str(i) for i in range(100)])  # order numbers written in digits (review H1)
    assert id_like(100, 100, [f"{i:06d}" for i in range(100)])  # zero-padded: '000123'
    assert id_like(100, 100, [str(4000000000000 + i) for i in range(100)])  # EANs
    assert not id_like(100, 100, [f"{i}.5" for i in range(100)])  # measurements stored as text
    assert not id_like(100, 100, [f"{i},25" for i in range(100)])  # written with a decimal comma
    assert not id_like(100, 101, [f"r{i}" for i in range(100)])  # a row without a value


def test_the_rule_runs_once_per_drifted_column(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    rule = engine.id_column

    def counted(*args: object, **kwargs: object) -> bool:
        calls.append(1)
        return rule(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "id_column", counted)
    frame = sequential_ids(200)
    result = engine.detect(frame.iloc[:120], frame.iloc[120:], columns=["sample_id"])
    assert result.columns[0].drifted and len(calls) == 1


def test_whole_numbers_in_digits_are_said_as_an_id_or_amounts() -> None:
    """Final review M4: ids written in digits are ids again (48e18357), but such a column may also hold whole
    amounts, each different: the fit's note says both (contract.DIGITS_SAID)."""
    import warnings

    frame = pd.DataFrame({"order": [str(100000 + i) for i in range(150)], "code": [f"r{i}" for i in range(150)]})
    for name, amounts in (("order", True), ("code", False)):
        assert train_core.id_columns(frame, [name]) == [name]
        note = f"column {name!r} has x" + train_core.DIGITS_SAID * train_core.digits_only(frame[name])
        assert ("amounts stored as text" in note) is amounts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert train_core.digits_only(["000123", "17", None]) and not train_core.digits_only(["1.5", "2"])
