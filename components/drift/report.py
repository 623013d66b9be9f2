"""The human-facing drift report: evidently's HTML, rendered on a seeded sample.

The verdict comes from ``core.detect`` on the full data; the report shows the same rules
(same methods and thresholds passed through) on at most ``sample_size`` rows of each frame, so
it stays fast at any data size. Sample sizes and seed are returned for the step's metadata.
Evidently is imported here only (4–7 s).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def sample(frame: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    if size <= 0 or len(frame) <= size:
        return frame
    return frame.sample(n=size, random_state=seed).sort_index()


def render_html(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: list[str],
    path: str | Path,
    sample_size: int = 20000,
    seed: int = 0,
    drift_share: float = 0.5,
    method: str | None = None,
    threshold: float | None = None,
    column_methods: dict[str, str] | None = None,
    column_thresholds: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Write evidently's DataDriftPreset HTML to ``path``; returns what was sampled."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import Report
        from evidently.presets import DataDriftPreset

        ref = sample(reference[columns], sample_size, seed)
        cur = sample(current[columns], sample_size, seed)
        preset = DataDriftPreset(
            columns=list(columns), drift_share=drift_share, method=method, threshold=threshold,
            per_column_method=column_methods or None, per_column_threshold=column_thresholds or None,
        )
        snapshot = Report([preset]).run(current_data=cur, reference_data=ref)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        snapshot.save_html(str(path))
    return {
        "report_engine": "evidently 0.7 DataDriftPreset",
        "report_reference_rows": len(ref),
        "report_current_rows": len(cur),
        "report_sample_size": sample_size,
        "report_seed": seed,
        "reference_rows": len(reference),
        "current_rows": len(current),
    }


def placeholder_html(path: str | Path, title: str, message: str) -> None:
    """A small page for steps with nothing to compare (e.g. no champion yet)."""
    import html

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body style='font-family:sans-serif'><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
