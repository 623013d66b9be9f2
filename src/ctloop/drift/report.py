"""The human-facing drift report: evidently's HTML, rendered on a seeded sample.

The verdict comes from :func:`ctloop.drift.engine.detect` on all rows; the report runs
evidently 0.7's own ``Report([DataDriftPreset(...)])`` with the same per-column methods,
thresholds and column kinds (:func:`options_from_result`) on at most ``sample_size`` rows of
each frame, so it stays fast at any data size. What was rendered (sample sizes, seed, columns)
is returned for the step's metadata. Being a sample, its numbers can differ slightly from the
verdict's.

Evidently is imported inside :func:`render_html` only (4–7 s).
"""

from __future__ import annotations

import functools
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def sample_rows(
    frame: pd.DataFrame, columns: list[str], size: int, seed: int, stream: int = 0
) -> pd.DataFrame:
    """``size`` rows of ``frame[columns]`` drawn without replacement, in their original order
    (all rows when ``size <= 0`` or the frame is smaller). ``(seed, stream)`` seeds the draw:
    the reference uses stream 0 and the current stream 1, so two row-aligned frames do not get
    the same row positions. Only the sampled rows are copied."""
    import numpy as np

    if size <= 0 or len(frame) <= size:
        return frame[columns]
    rng = np.random.default_rng([int(seed), int(stream)])
    idx = np.sort(rng.choice(len(frame), size=size, replace=False))
    return frame.iloc[idx][columns]


REPORT_MAX_CATEGORIES = 2000
"""A categorical column with more distinct values in the report's sample is not rendered:
evidently 0.7.23's drift table (``legacy/calculations/data_drift.py`` ``get_one_column_drift``)
looks each category up in the other side's index, quadratic in them (12,565 distinct values: 27 s;
18,102: 230 s, where the verdict took 2 s)."""


REPORT_MAX_COLUMNS = 100
"""At most this many columns are rendered (the verdict's most drifted ones first), the others named
at the top of the page: evidently 0.7.23 renders a widget with its plots per column, a third of a
second, 80 kB of HTML and 1.4 MB of memory each (300 columns of 200 rows: 98 s, 625 MB, a 24 MB
page; 2,000 columns would take ten minutes and gigabytes where the verdict took 5 s)."""

NOTE_MAX_UNDRIFTED = 50
"""Columns left out of the report that did not drift named on the page (all are in drift.json);
every left-out drifted column is named."""


def _drifted_first(shown: list[str], drifted: list[str]) -> list[str]:
    """``shown``: the ``drifted`` ones first in ``drifted``'s order (most drifted first,
    :func:`by_severity`), then the others in ``shown``'s order."""
    here = set(shown)
    first = [c for c in dict.fromkeys(drifted) if c in here]
    taken = set(first)
    return first + [c for c in shown if c not in taken]


def by_severity(columns: list[Any]) -> list[str]:
    """The drifted ones of ``columns`` (``engine.ColumnDrift``), most drifted first: a p-value
    relative to its threshold ascending, a distance relative to its threshold descending (a p-value
    column before a distance column of the same ratio); ties in column order."""
    import math

    from ctloop.drift import stats

    def key(col: Any) -> tuple[float, float]:
        score, thr = float(col.score), float(col.threshold)
        if math.isnan(score):
            return (math.inf, math.inf)
        if col.method in stats.P_VALUE_METHODS:
            return (score / thr if thr > 0 else score, score)
        return (thr / score if score > 0 else math.inf, -score)

    return [c.column for c in sorted((c for c in columns if c.drifted), key=key)]


def _distinct(reference: pd.Series, current: pd.Series) -> int:
    """Distinct non-null values of a categorical column on both sides together."""
    import pandas as pd

    return int(pd.concat([reference.astype(object), current.astype(object)], ignore_index=True).nunique())


def _has_values(series: pd.Series) -> bool:
    import numpy as np
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return bool(np.isfinite(series.to_numpy(dtype=float, na_value=np.nan)).any())
    return bool(series.notna().any())


def _without_inf(frame: pd.DataFrame, columns: list[str], kinds: dict[str, str]) -> pd.DataFrame:
    """±inf → null in numeric columns (evidently's per-column metric drops them, but the legacy
    table its preset also renders does not, and numpy then fails on an infinite range)."""
    import numpy as np
    import pandas as pd

    fixed = {}
    for c in columns:
        col = frame[c]
        if kinds.get(c) == "numeric" and pd.api.types.is_float_dtype(col.dtype):
            if np.isinf(col.to_numpy(dtype=float, na_value=np.nan)).any():
                fixed[c] = col.replace([np.inf, -np.inf], np.nan)
    return frame.assign(**fixed) if fixed else frame


def _as_seconds(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Datetime, timedelta, date and time columns as float seconds, NaT → NaN: the numbers the verdict
    compared (:func:`ctloop.drift.engine.epoch_seconds`), which evidently can chart."""
    from ctloop.drift import engine as core

    fixed = {}
    for c in columns:
        col = frame[c]
        if core.temporal_type(core.series_dtype(col)) is not None:
            fixed[c] = core.temporal_seconds(col)
    return frame.assign(**fixed) if fixed else frame


def _plain_numbers(frames: list[pd.DataFrame], columns: list[str], kinds: dict[str, str]) -> list[pd.DataFrame]:
    """Values evidently 0.7.23 can chart and write into its page, as the verdict compared them:

    * numeric columns of a nullable or Arrow-backed dtype (``Int64``, ``Float64``,
      ``int64[pyarrow]``, ...) or of objects (``Decimal``: a Parquet ``decimal128`` in the
      streamed engine's sample) as float64, null → NaN: evidently (``legacy/calculations/
      data_drift.py`` ``get_drift_for_columns``) runs ``np.corrcoef`` on the numeric columns'
      ``.values`` when they hold no null, an object array for these, and numpy fails on it
      (``AttributeError: 'float' object has no attribute 'shape'``), or ``np.isinf`` on Decimals;
    * categorical values that are dates, times, Decimals or bytes (a
      Parquet ``binary`` column) as their ISO text / text: evidently's page writer
      (``legacy/utils/dashboard.py`` ``dashboard_info_to_json``) fails on them (``Object of type
      time is not JSON serializable``, ``... bytes ...``); bytes as UTF-8, or as hex when one of
      the column's values is not UTF-8;
    * a categorical column mixing text with other values (``"a"`` and ``1``) as text: evidently
      sorts the categories (``'<' not supported between instances of 'int' and 'str'``).

    One distinct text per distinct value: where two would read the same (``1`` and ``"1"``),
    every value is written as its ``repr``, so the report counts the categories the verdict
    counted. ``frames`` (the reference's and the current sample) are decided together: the same
    value gets the same text on both sides."""
    import datetime as dt
    import decimal
    import functools
    import numbers

    import numpy as np
    import pandas as pd

    from ctloop.drift import engine as core

    def text(value: Any, utf8: bool) -> Any:
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
        if isinstance(value, bytes | bytearray):
            return bytes(value).decode("utf-8") if utf8 else bytes(value).hex()
        return value if isinstance(value, str) else str(value)

    def decodes(value: Any) -> bool:
        try:
            bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    def needs_text(present: pd.Series) -> bool:
        if any(isinstance(v, dt.date | dt.time | decimal.Decimal | bytes | bytearray) for v in present):
            return True
        has_str = any(isinstance(v, str) for v in present)
        return has_str and not all(isinstance(v, str) for v in present) or not has_str and not all(
            isinstance(v, numbers.Number) for v in present)

    fixed: list[dict[str, Any]] = [{} for _ in frames]
    for c in columns:
        if kinds.get(c) == "numeric":
            for i, frame in enumerate(frames):
                col = frame[c]
                dtype = col.dtype
                if pd.api.types.is_bool_dtype(dtype) or core.temporal_type(core.series_dtype(col)) is not None:
                    continue  # dates and times: seconds (_as_seconds)
                if pd.api.types.is_extension_array_dtype(dtype) and pd.api.types.is_numeric_dtype(dtype):
                    fixed[i][c] = col.to_numpy(dtype=float, na_value=np.nan)
                elif pd.api.types.is_object_dtype(dtype):
                    fixed[i][c] = pd.to_numeric(col.astype(object).where(col.notna(), np.nan),
                                                errors="coerce").astype(float)
            continue
        if not any(pd.api.types.is_object_dtype(f[c].dtype) or isinstance(f[c].dtype, pd.CategoricalDtype | pd.ArrowDtype)
                   for f in frames):
            continue
        sides = [f[c].astype(object) for f in frames]
        present = pd.concat([v[v.notna()] for v in sides], ignore_index=True)
        if not needs_text(present):
            continue
        utf8 = all(decodes(v) for v in present if isinstance(v, bytes | bytearray))
        plain = functools.partial(text, utf8=utf8)
        show = plain if present.map(plain).nunique() == present.nunique() else repr
        for i, values in enumerate(sides):  # 1 and "1" anywhere: every value as its repr, on both sides
            kept = values[values.notna()]
            fixed[i][c] = pd.Series(None, index=values.index, dtype=object).where(values.isna(), kept.map(show))
    return [f.assign(**done) if done else f for f, done in zip(frames, fixed, strict=True)]


DATA_BLOCK = "<script>\n    var "  # evidently 0.7.23 legacy/utils/dashboard.py file_html_template: its data block


def script_safe(path: str | Path) -> None:
    """Every ``<`` of the JSON evidently writes into the page's ``<script>`` data block as
    ``\\u003c``: evidently (0.7.23, ``legacy/utils/dashboard.py`` ``file_html_template``) writes
    ``json.dumps`` of the report there as it is, so a column name or a category value holding
    ``</script>`` (a CSV header, a value sent to the model and logged) closed the script and the
    rest ran as HTML. JSON has no ``<`` outside its strings, where ``\\u003c`` is the same
    character; the block ends at the first ``</script>`` after a newline (``json.dumps`` writes
    none inside a string)."""
    page = Path(path).read_text(encoding="utf-8")
    start = page.find(DATA_BLOCK)
    if start < 0:
        return
    start += len("<script>")
    end = page.find("\n</script>", start)
    if end < 0:
        return
    Path(path).write_text(page[:start] + page[start:end].replace("<", "\\u003c") + page[end:], encoding="utf-8")


def skipped_note(path: str | Path, skipped: list[Any]) -> None:
    """Put one line naming the skipped columns (``engine.SkippedColumn`` or their dicts) at the
    top of the report's body, so the HTML does not look as if every column was compared."""
    if not skipped:
        return
    items = [s if isinstance(s, dict) else {"column": s.column, "dtype": s.dtype, "reason": s.reason}
             for s in skipped]  # fmt: skip
    line = f"Not compared: skipped {len(items)} column(s): " + ", ".join(
        f"{i['column']} ({i['dtype']}, {i['reason']})" for i in items
    )
    page_note(path, "ctloop-skipped", line)


def warnings_note(path: str | Path, lines: list[str]) -> None:
    """Put the verdict's warnings (``DriftResult.warnings``) at the top of the report's body, one
    line each, in their order."""
    for i in reversed(range(len(lines))):  # each goes on top: the first ends up first
        page_note(path, f"ctloop-warning-{i}", f"Warning: {lines[i]}")


def page_note(path: str | Path, note_id: str, line: str) -> None:
    """Put ``line`` (escaped) at the top of the report's body."""
    note = (f"<p id='{note_id}' style='font-family:sans-serif;padding:8px;background:#fff4e5'>"
            f"{html.escape(line)}</p>")  # fmt: skip
    page = Path(path).read_text(encoding="utf-8")
    at = page.find("<body")
    at = page.find(">", at) + 1 if at >= 0 else 0
    Path(path).write_text(page[:at] + note + page[at:], encoding="utf-8")


def options_from_result(result: Any) -> dict[str, Any]:
    """:func:`render_html` keyword arguments that make evidently use exactly the columns,
    per-column methods, thresholds (Bonferroni-corrected ones included) and kinds of a
    ``core.DriftResult``, so the sampled report cannot pick another method than the verdict (the
    automatic choice depends on the reference size). A method evidently only picks itself
    (chi-square or Z for a numeric column with few values) is left to its automatic choice."""
    from ctloop.drift import stats

    methods, thresholds = {}, {}
    for col in result.columns:
        if col.method in stats.METHODS_BY_KIND.get(col.kind, ()):
            methods[col.column] = col.method
        if col.method in stats.METHODS and col.threshold == col.threshold:
            thresholds[col.column] = col.threshold
    return {
        "columns": [c.column for c in result.columns],
        "column_methods": methods or None,
        "column_thresholds": thresholds or None,
        "column_kinds": {c.column: c.kind for c in result.columns},
        "drift_share": result.drift_share,
        "skipped": list(getattr(result, "skipped", [])),
        "drifted": by_severity(result.columns),
        "column_warnings": list(getattr(result, "warnings", [])),
    }


def evidently_labels(names: list[Any]) -> dict[Any, str]:
    """Each column name as the text evidently 0.7.23 is given for it: its ``DataDefinition`` takes
    text names only (pydantic: ``numerical_columns -> 0 str type expected``), so a MultiIndex
    column (``('a', 'x')``) or a number (``0``) goes by its text, and one whose text another
    column already is (``0`` beside ``"0"``) by its text and type (``0 [int]``)."""
    taken = {n for n in names if isinstance(n, str)}
    out: dict[Any, str] = {}
    for name in names:
        if isinstance(name, str):
            out[name] = name
            continue
        label = str(name)
        if label in taken:
            label = f"{label} [{type(name).__name__}]"
        while label in taken:
            label += "'"
        taken.add(label)
        out[name] = label
    return out


@functools.cache
def _table_preset() -> type:
    """evidently 0.7.23's ``DataDriftPreset`` without its per-column ``ValueDrift`` metrics.

    The preset's page is its ``render`` (``presets/drift.py``): the legacy ``DatasetDriftMetric``
    and ``DataDriftTable`` widgets, computed from the data by ``context.get_legacy_metric``. The
    ``ValueDrift`` metrics it also generates, one per column, each test the column again and
    build their own plots (``metrics/column_statistics.py`` ``ValueDriftCalculation.calculate``),
    which the snapshot never puts on the page (``core/report.py`` ``_run_items`` keeps a
    container's own widgets only): a quarter of the report's time, for nothing on it. The page is
    the same; ``DriftedColumnsCount`` stays. Made once per process (evidently registers the
    class), on first use: evidently is imported only to render."""
    from evidently.metrics import ValueDrift
    from evidently.presets import DataDriftPreset

    class CtloopDriftTablePreset(DataDriftPreset):
        def generate_metrics(self, context: Any) -> list[Any]:
            return [m for m in super().generate_metrics(context) if not isinstance(m, ValueDrift)]

    return CtloopDriftTablePreset


def render_html(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: list[str],
    path: str | Path,
    sample_size: int = 20000,
    seed: int = 0,
    method: str | None = None,
    threshold: float | None = None,
    column_methods: dict[str, str] | None = None,
    column_thresholds: dict[str, float] | None = None,
    drift_share: float = 0.5,
    column_kinds: dict[str, str] | None = None,
    skipped: list[Any] | None = None,
    drifted: list[str] | None = None,
    column_warnings: list[str] | None = None,
) -> dict[str, Any]:
    """Write evidently's DataDriftPreset HTML report to ``path``; returns what was rendered.

    Args:
        reference: Reference frame (all rows; it is sampled here).
        current: Current frame (all rows).
        columns: Columns to show (those the verdict compared).
        path: Output HTML file.
        sample_size: Rows per frame (0 = all rows).
        seed: Seed of the row sample.
        method: One method for every column (``None`` = evidently's automatic choice).
        threshold: One threshold for every column (``None`` = the method's default).
        column_methods: Per-column methods (win over ``method``).
        column_thresholds: Per-column thresholds (win over ``threshold``).
        drift_share: Share of drifted columns for evidently's dataset verdict.
        column_kinds: ``numeric``/``categorical`` per column (default: ``core.column_kind`` of
            the full current column), given to evidently as its ``DataDefinition`` so it does
            not re-infer them differently on the sample (e.g. strings as "text").
        skipped: The verdict's skipped columns (``DriftResult.skipped``): named in a line at
            the top of the page (:func:`skipped_note`). Datetime columns are shown as seconds.
        drifted: The columns the verdict found drifted, most drifted first (:func:`by_severity`):
            when there are more than :data:`REPORT_MAX_COLUMNS` columns to show, the first of them
            are rendered in this order, then undrifted ones; the rest are named at the top, the
            drifted ones first.
        column_warnings: The verdict's warnings (``DriftResult.warnings``: a drifted column with
            too many distinct values for its rows), one line each at the top of the page
            (:func:`warnings_note`).

    Returns:
        ``report_engine``, ``report_sample_size``, ``report_seed``, ``report_reference_rows`` and
        ``report_current_rows`` (rows rendered), ``reference_rows`` and ``current_rows`` (all
        rows), ``report_columns`` and ``report_skipped_columns`` (no values on a side of the
        sample: evidently cannot render those), ``report_many_categories`` (categorical columns
        with more than :data:`REPORT_MAX_CATEGORIES` distinct values in the sample: not
        rendered, named at the top of the page), ``report_columns_not_rendered`` (the columns
        past :data:`REPORT_MAX_COLUMNS`, drifted ones first, also named there).
    """
    import warnings

    from ctloop.drift import engine as core

    kinds = dict(column_kinds or {})
    for name in columns:
        if name not in kinds:
            kinds[name] = core.column_kind(current[name])
    shown = [c for c in columns if kinds.get(c) in core.KINDS]
    ref, cur = _plain_numbers([sample_rows(reference, shown, sample_size, seed, stream=0),
                               sample_rows(current, shown, sample_size, seed, stream=1)], shown, kinds)
    ref = _without_inf(_as_seconds(ref, shown), shown, kinds)
    cur = _without_inf(_as_seconds(cur, shown), shown, kinds)
    no_values = [c for c in shown if not (_has_values(ref[c]) and _has_values(cur[c]))]
    many = {c: n for c in shown if c not in no_values and kinds[c] == "categorical"
            and (n := _distinct(ref[c], cur[c])) > REPORT_MAX_CATEGORIES}
    shown = [c for c in shown if c not in no_values and c not in many]
    left_out = []
    if len(shown) > REPORT_MAX_COLUMNS:  # the most drifted rendered, the drifted left out named first
        ordered = _drifted_first(shown, list(drifted or []))
        shown, left_out = ordered[:REPORT_MAX_COLUMNS], ordered[REPORT_MAX_COLUMNS:]
    column_methods = {k: v for k, v in (column_methods or {}).items() if k in shown} or None
    column_thresholds = {k: v for k, v in (column_thresholds or {}).items() if k in shown} or None

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if not shown:
        placeholder_html(
            path, "No drift report", "No compared column has values on both sides of the sample"
            + (" and at most " f"{REPORT_MAX_CATEGORIES} distinct values" if many else "") + "."
        )
    else:
        with warnings.catch_warnings():
            # evidently/plotly warn on import (deprecations) and on constant columns
            warnings.simplefilter("ignore")
            from evidently import DataDefinition, Dataset, Report

            # evidently takes text names only: a MultiIndex column ('a', 'x') or a number (0) by its text
            labels = evidently_labels(shown)
            ref = ref[shown].set_axis([labels[c] for c in shown], axis=1)
            cur = cur[shown].set_axis([labels[c] for c in shown], axis=1)
            if column_methods:
                column_methods = {labels[k]: v for k, v in column_methods.items()}
            if column_thresholds:
                column_thresholds = {labels[k]: v for k, v in column_thresholds.items()}
            definition = DataDefinition(
                numerical_columns=[labels[c] for c in shown if kinds[c] == "numeric"],
                categorical_columns=[labels[c] for c in shown if kinds[c] == "categorical"],
                text_columns=[],
                datetime_columns=[],
                unknown_columns=[],
                list_columns=[],
            )
            preset = _table_preset()(
                columns=[labels[c] for c in shown],
                drift_share=drift_share,
                method=method,
                threshold=threshold,
                per_column_method=column_methods,
                per_column_threshold=column_thresholds,
            )
            # evidently 0.7: run(current_data, reference_data) — current first
            snapshot = Report([preset]).run(
                current_data=Dataset.from_pandas(cur, data_definition=definition),
                reference_data=Dataset.from_pandas(ref, data_definition=definition),
            )
            snapshot.save_html(str(path))
            script_safe(path)
    skipped_note(path, list(skipped or []))
    warnings_note(path, list(column_warnings or []))
    if many:
        page_note(path, "ctloop-many-categories", "Not rendered: " + ", ".join(
            f"{c} ({n} distinct values in the sample)" for c, n in many.items())
            + f"; evidently's report takes minutes beyond {REPORT_MAX_CATEGORIES} categories a column. "
            "The verdict compared them on all rows.")
    if left_out:
        was_drifted = set(drifted or [])
        gone = [c for c in left_out if c in was_drifted]
        quiet = [c for c in left_out if c not in was_drifted]
        named = ([f"drifted: {', '.join(map(str, gone))}"] if gone else []) + (
            [f"not drifted: {', '.join(map(str, quiet[:NOTE_MAX_UNDRIFTED]))}"
             + (f" and {len(quiet) - NOTE_MAX_UNDRIFTED} more" if len(quiet) > NOTE_MAX_UNDRIFTED else "")]
            if quiet else [])  # fmt: skip
        page_note(path, "ctloop-many-columns", f"Not rendered: {len(left_out)} of {len(shown) + len(left_out)} "
                  f"columns (at most {REPORT_MAX_COLUMNS} are, the most drifted first; evidently's share of "
                  "drifted columns below is over these): " + "; ".join(named)
                  + ". The verdict and drift.json cover every column.")
    return {
        "report_engine": "evidently 0.7 DataDriftPreset",
        "report_sample_size": int(sample_size),
        "report_seed": int(seed),
        "report_reference_rows": len(ref),
        "report_current_rows": len(cur),
        "reference_rows": len(reference),
        "current_rows": len(current),
        "report_columns": shown,
        "report_skipped_columns": no_values,
        "report_many_categories": list(many),
        "report_columns_not_rendered": left_out,
    }


def render_or_say_why(reference: pd.DataFrame, current: pd.DataFrame, *, path: str | Path,
                      **options: Any) -> dict[str, Any]:
    """:func:`render_html`, or, when the report fails after the verdict (evidently raising on
    values it cannot chart or serialise), a one-line page naming the failure; the returned
    metadata then holds ``report_error`` (``"TypeError: ..."``, one line). For ``detect_drift``:
    a report must not fail the step and lose its verdict (``ctloop drift`` writes drift.json
    first and exits 1 instead)."""
    from ctloop.errors import one_line

    try:
        return render_html(reference, current, path=path, **options)
    except Exception as exc:  # noqa: BLE001 - evidently's, after the verdict: said on the page, not fatal
        failed = one_line(f"{type(exc).__name__}: {exc}")
        placeholder_html(path, "No drift report", f"evidently's report failed ({failed}); the verdict and "
                         "the drift metrics do not depend on it.")
        return {"report_error": failed}


def placeholder_html(path: str | Path, title: str, message: str) -> None:
    """A small self-contained page for a step with nothing to compare (e.g. no champion yet)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body style='font-family:sans-serif'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>\n",
        encoding="utf-8",
    )


__all__ = ["evidently_labels", "options_from_result", "placeholder_html", "render_html", "render_or_say_why", "sample_rows", "by_severity", "script_safe", "skipped_note", "warnings_note", "page_note", "REPORT_MAX_CATEGORIES", "REPORT_MAX_COLUMNS"]
