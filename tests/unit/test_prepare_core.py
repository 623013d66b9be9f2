import pandas as pd
import pytest

from ctloop import contract
from ctloop.columns import WEIGHT
from ctloop.components.prepare import core
from ctloop.errors import ConfigError, DataValidationError
from ctloop.synthetic import CREDIT_TARGET as Y
from ctloop.synthetic import CREDIT_TIME_COLUMN as T
from ctloop.synthetic import credit_contract, make_credit_data
from ctloop.timeutil import parse_duration


@pytest.fixture(scope="module")
def credit():
    return make_credit_data(n_rows=3000, seed=3)


def violations(exc_info):
    return {(c, r): n for c, r, n, _ in exc_info.value.violations}


def test_contract_round_trip():
    spec = credit_contract()
    parsed = contract.DataContract.from_dict(spec)
    assert contract.DataContract.from_dict(parsed.to_dict()) == parsed


@pytest.mark.parametrize("spec, path", [
    ({"columns": {"x": {"max_null_fraction": 1.5}}}, "contract.columns.x.max_null_fraction"),
    ({"columns": {"x": {"dtype": "decimal"}}}, "contract.columns.x.dtype"),
    ({"columns": {"x": {"min": 5, "max": 1}}}, "contract.columns.x: min 5"),
    ({"columns": {"x": {"minimum": 0}}}, "contract.columns.x has unknown rule"),
    ({"min_rows": -1}, "contract.min_rows"),
    ({"rows": 3}, "unknown key"),
])
def test_bad_contract_names_the_field(spec, path):
    with pytest.raises(ConfigError, match=path.replace(".", r"\.")):
        contract.DataContract.from_dict(spec)


def test_integral_float_min_rows_from_json_is_accepted():
    assert contract.DataContract.from_dict({"min_rows": 500.0}).min_rows == 500


def test_each_rule_is_reported_with_rows(credit):
    frame = credit.copy()
    frame.loc[:9, "income"] = -5.0
    frame.loc[:19, "region"] = "atlantis"
    frame["credit_utilization"] = float("nan")
    frame = frame.drop(columns=["age"])
    with pytest.raises(DataValidationError) as exc:
        contract.validate(frame, contract.DataContract.from_dict(credit_contract()))
    found = violations(exc)
    assert found[("income", "min")] == 10
    assert found[("region", "allowed")] == 20
    assert found[("credit_utilization", "all_null")] == len(frame)
    assert found[("age", "required")] == len(frame)
    message = str(exc.value)
    assert "column 'region' breaks rule 'allowed' in 20 row(s)" in message and "atlantis" in message


def test_wrong_dtype_counts_bad_rows(credit):
    frame = credit.copy()
    frame["income"] = frame["income"].astype(object)
    frame.loc[:6, "income"] = "unknown"
    with pytest.raises(DataValidationError) as exc:
        contract.validate(frame, contract.DataContract.from_dict(credit_contract()))
    assert violations(exc)[("income", "dtype")] == 7
    assert "expected float" in str(exc.value)


def test_null_fraction_and_min_rows(credit):
    frame = credit.head(100).copy()
    frame.loc[:9, "months_employed"] = None  # 10 % > 5 %
    with pytest.raises(DataValidationError) as exc:
        contract.validate(frame, contract.DataContract.from_dict(credit_contract()))
    found = violations(exc)
    assert ("months_employed", "max_null_fraction") in found
    assert found[("*", "min_rows")] == 100


def test_empty_frame():
    with pytest.raises(DataValidationError, match="no columns"):
        core.prepare(pd.DataFrame(), target="y", time_column="t")


@pytest.mark.parametrize("missing", [Y, T])
def test_target_or_time_missing(credit, missing):
    with pytest.raises(DataValidationError, match=f"column '{missing}' breaks rule 'required'"):
        core.prepare(credit.drop(columns=[missing]), target=Y, time_column=T)


@pytest.mark.parametrize("text, seconds", [("7D", 7 * 86400), ("12h", 43200), ("1000min", 60000), ("2W", 1209600), ("30s", 30)])
def test_parse_duration(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("bad", ["", "7", "seven days", "-3D", "0D"])
def test_parse_duration_rejects(bad):
    with pytest.raises(ConfigError, match="duration"):
        parse_duration(bad)


def test_window_split_and_current(credit):
    as_of = pd.Timestamp("2025-05-01")
    out = core.prepare(credit, target=Y, time_column=T, contract=credit_contract(), window="60D", as_of=as_of,
                       current_window="10D", holdout_fraction=0.25)
    assert out.train[T].min() > as_of - pd.Timedelta(days=60)
    assert out.holdout[T].max() <= as_of
    assert out.train[T].max() < out.holdout[T].min()  # strictly by time: no timestamp straddles
    assert abs(len(out.holdout) / (len(out.train) + len(out.holdout)) - 0.25) < 0.02
    assert out.current[T].min() > as_of - pd.Timedelta(days=10)
    assert out.profile["train_rows"] == len(out.train) and out.profile["digest"] == out.digest


def test_duplicates_and_null_targets_are_dropped_and_counted(credit):
    frame = pd.concat([credit, credit.head(50)], ignore_index=True)
    frame.loc[frame.index[-60:-50], Y] = None
    out = core.prepare(frame, target=Y, time_column=T, window=None)
    assert out.profile["duplicates_dropped"] == 50
    assert out.profile["null_target_dropped"] == 10
    assert out.profile["rows_used"] == len(credit) - 10


def test_timestamp_ties_never_straddle_the_split():
    frame = pd.DataFrame({"t": pd.to_datetime(["2025-01-01"] * 5 + ["2025-01-02"] * 5), "x": range(10), "y": [0, 1] * 5})
    out = core.prepare(frame, target="y", time_column="t", window=None, holdout_fraction=0.3)
    assert set(out.train["t"]).isdisjoint(set(out.holdout["t"]))


def test_recency_weights_halve_per_half_life(credit):
    out = core.prepare(credit, target=Y, time_column=T, window="90D", recency_half_life="30D")
    w = out.train[WEIGHT]
    newest = out.train[T].max()  # the newest training row weighs 1 (review revB 5)
    age_days = (newest - out.train[T]).dt.total_seconds() / 86400
    assert ((w - 0.5 ** (age_days / 30)).abs() < 1e-9).all()


def test_digest_is_stable_and_order_independent(credit):
    a = core.prepare(credit, target=Y, time_column=T, window=None).digest
    b = core.prepare(credit.sample(frac=1.0, random_state=1), target=Y, time_column=T, window=None).digest
    changed = credit.copy()
    changed.loc[5, "income"] += 1
    c = core.prepare(changed, target=Y, time_column=T, window=None).digest
    assert a == b != c


def test_window_too_small_says_where_the_data_is(credit):
    with pytest.raises(DataValidationError, match="the data spans"):
        core.prepare(credit, target=Y, time_column=T, contract=credit_contract(), window="1D", as_of="2024-01-01")


@pytest.mark.parametrize("text", ["1M", "3M", " 2 M"])
def test_a_capital_m_is_refused_as_month_or_minute(text):
    """``1M`` read as one minute: a user meaning a month got 172,682 windows and a refusal about
    their number. A capital M is pandas' month and many people's; lower-case m stays minutes."""
    with pytest.raises(ConfigError, match=r"window '.*M' is ambiguous: M is a month to some and a minute here; "
                                          r"write \d+(\.\d+)?min for minutes or \d+D for days"):
        parse_duration(text, name="window")
    assert parse_duration("5m").total_seconds() == 300
