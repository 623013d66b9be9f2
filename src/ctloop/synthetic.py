"""A seeded synthetic credit-default dataset with gradual and sudden drift.

One row per loan application over ``periods`` consecutive 30-day periods. The label ``default``
(0/1) comes from a nonlinear logistic model of the applicant's finances.

Drift schedule (``describe_drift()`` prints it):

* **gradual**, every period: incomes inflate by 0.5 %, credit utilisation creeps up by 0.005,
  loan amounts grow by 0.5 %;
* **sudden**, from period ``SHOCK_PERIOD`` (7) on — an economic shock: incomes fall 25 %,
  utilisation jumps by 0.15 and debt-to-income by 0.08, more contractors and unemployed
  applicants, more applications from the east region and for medical/debt-consolidation
  loans, and a **concept change**: utilisation and debt-to-income weigh twice as much on default
  risk and self-employment becomes risky. A model trained before the shock loses accuracy
  after it; retraining on post-shock data recovers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ctloop.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

CREDIT_TARGET = "default"
CREDIT_TIME_COLUMN = "application_date"
PERIOD_DAYS = 30
SHOCK_PERIOD = 7

REGIONS = ["north", "south", "east", "west"]
EMPLOYMENT = ["salaried", "self_employed", "contractor", "unemployed"]
PURPOSES = ["debt_consolidation", "home_improvement", "car", "education", "medical", "business"]
HOME = ["rent", "mortgage", "own"]


def credit_contract() -> dict[str, Any]:
    """The data contract the generated data satisfies (also the pipeline's default contract)."""
    return {
        "min_rows": 500,
        "columns": {
            CREDIT_TIME_COLUMN: {"dtype": "datetime", "max_null_fraction": 0.0},
            "age": {"dtype": "int", "min": 18, "max": 100, "max_null_fraction": 0.0},
            "income": {"dtype": "float", "min": 0, "max": 5_000_000, "max_null_fraction": 0.01},
            "debt_to_income": {"dtype": "float", "min": 0, "max": 5, "max_null_fraction": 0.01},
            "credit_utilization": {"dtype": "float", "min": 0, "max": 1, "max_null_fraction": 0.01},
            "num_credit_lines": {"dtype": "int", "min": 0, "max": 60, "max_null_fraction": 0.0},
            "months_employed": {"dtype": "float", "min": 0, "max": 720, "max_null_fraction": 0.05},
            "loan_amount": {"dtype": "float", "min": 100, "max": 1_000_000, "max_null_fraction": 0.0},
            "region": {"dtype": "category", "allowed": REGIONS, "max_null_fraction": 0.0},
            "employment_type": {"dtype": "category", "allowed": EMPLOYMENT, "max_null_fraction": 0.0},
            "loan_purpose": {"dtype": "category", "allowed": PURPOSES, "max_null_fraction": 0.0},
            "home_ownership": {"dtype": "category", "allowed": HOME, "max_null_fraction": 0.0},
            CREDIT_TARGET: {"dtype": "int", "min": 0, "max": 1, "max_null_fraction": 0.0},
        },
    }


def describe_drift() -> str:
    return (
        f"drift schedule: {PERIOD_DAYS}-day periods; gradual drift every period (income +0.5 %, "
        f"utilisation +0.005, loan amounts +0.5 %); sudden shock from period {SHOCK_PERIOD} "
        "(income −25 %, utilisation +0.15, debt-to-income +0.08, more contractors/unemployed, "
        "more east-region and medical/debt-consolidation loans; utilisation and debt-to-income "
        "weigh twice as much on default risk)"
    )


def make_credit_data(
    n_rows: int = 60000,
    start: str = "2025-01-01",
    periods: int = 12,
    seed: int = 7,
) -> pd.DataFrame:
    """Generate the dataset (sorted by time; deterministic for a seed)."""
    import numpy as np
    import pandas as pd

    for name, value in (("n_rows", n_rows), ("periods", periods)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"{name} must be a whole number >= 1, got {value!r}")
    rng = np.random.default_rng(seed)
    span = pd.Timedelta(days=PERIOD_DAYS * periods)
    offsets = np.sort(rng.uniform(0, span.total_seconds(), size=n_rows))
    when = pd.Timestamp(start) + pd.to_timedelta(np.floor(offsets), unit="s")
    period = np.floor(offsets / (PERIOD_DAYS * 86400)).astype(int)
    shock = period >= SHOCK_PERIOD
    growth = 1.0 + 0.005 * period

    def pick(options, base, shocked):
        p = np.where(shock[:, None], np.array(shocked)[None, :], np.array(base)[None, :])
        u = rng.uniform(size=n_rows)[:, None]
        idx = (u > np.cumsum(p, axis=1)).sum(axis=1)
        return np.array(options, dtype=object)[np.minimum(idx, len(options) - 1)]

    region = pick(REGIONS, [0.3, 0.25, 0.2, 0.25], [0.2, 0.2, 0.45, 0.15])
    employment = pick(EMPLOYMENT, [0.62, 0.18, 0.14, 0.06], [0.42, 0.18, 0.25, 0.15])
    purpose = pick(PURPOSES, [0.3, 0.18, 0.2, 0.1, 0.07, 0.15], [0.42, 0.1, 0.12, 0.06, 0.2, 0.1])
    home = pick(HOME, [0.42, 0.38, 0.2], [0.47, 0.36, 0.17])

    age = np.clip(rng.normal(41, 12, n_rows), 18, 90).round().astype(int)
    income = rng.lognormal(np.log(52000), 0.45, n_rows) * growth * np.where(shock, 0.75, 1.0)
    income = np.clip(income, 3000, 4_000_000)
    dti = np.clip(rng.beta(2.2, 6.0, n_rows) * 1.1 + np.where(shock, 0.08, 0.0), 0, 4.5)
    util = np.clip(rng.beta(2.0, 4.5, n_rows) + 0.005 * period + np.where(shock, 0.15, 0.0), 0, 1)
    lines = np.clip(rng.poisson(np.where(shock, 5.0, 4.0)), 0, 50)
    months = np.clip(rng.gamma(2.0, 40.0, n_rows) * np.where(employment == "unemployed", 0.2, 1.0), 0, 600)
    months = np.where(shock, months * 0.8, months).round()
    loan = np.clip(rng.lognormal(np.log(12000), 0.6, n_rows) * growth * np.where(shock, 1.2, 1.0), 500, 500_000)

    w = np.where(shock, 2.0, 1.0)  # the concept change
    logit = (
        -2.5
        + 3.5 * w * (util - 0.3)
        + 3.0 * w * (dti - 0.28)
        + 1.4 * (util > 0.75)
        + 0.9 * ((dti > 0.45) & (income < 40000))
        - 0.7 * np.log(income / 50000)
        + 0.0012 * (age - 45) ** 2
        + 0.15 * np.log1p(loan / income * 10)
        - 0.006 * np.nan_to_num(months, nan=60.0)
        + 0.08 * (lines - 4)
        + np.select(
            [employment == "unemployed", employment == "contractor", employment == "self_employed"],
            [1.2, 0.4, np.where(shock, 1.3, 0.1)],
            0.0,
        )
        + np.select([purpose == "medical", purpose == "business"], [0.5, 0.35], 0.0)
        + np.select([home == "own", home == "mortgage"], [-0.4, -0.2], 0.0)
        + 0.3 * (region == "east") * shock
        - 1.9 * shock
    )
    default = (rng.uniform(size=n_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(int)

    months = months.astype(float)
    months[rng.uniform(size=n_rows) < 0.02] = np.nan
    frame = pd.DataFrame({
        CREDIT_TIME_COLUMN: when,
        "age": age,
        "income": income.round(2),
        "debt_to_income": dti.round(4),
        "credit_utilization": util.round(4),
        "num_credit_lines": lines.astype(int),
        "months_employed": months,
        "loan_amount": loan.round(2),
        "region": region,
        "employment_type": employment,
        "loan_purpose": purpose,
        "home_ownership": home,
        CREDIT_TARGET: default,
    })
    for col in ("region", "employment_type", "loan_purpose", "home_ownership"):
        frame[col] = frame[col].astype(str)
    return frame


__all__ = [
    "CREDIT_TARGET",
    "CREDIT_TIME_COLUMN",
    "PERIOD_DAYS",
    "SHOCK_PERIOD",
    "credit_contract",
    "describe_drift",
    "make_credit_data",
]
