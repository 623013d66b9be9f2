"""Round 61's review of the ``--compare`` plot's point labels (backtest._apart; docs/backtest-quality.md,
"Stop 61: what the compare shows"): M1, a policy whose mean is NaN or inf (matplotlib reports the same 1x1
box for its label wherever it moves) hung the label loop; M2, labels left the panel (five policies at one
retrain count stacked past its top, a long name at the most retrains past its right edge) and the lines back
to a point crossed the labels between."""

from __future__ import annotations

import signal
from types import SimpleNamespace as NS

import numpy as np
import pytest

from ctloop import backtest


def _report(retrains: int, mean: float) -> NS:
    window = NS(
        start="2000-01-01",
        end="2001-01-01",
        metric=mean,
        retrained=False,
        rule="",
        index=0,
        rows=60,
    )
    return NS(windows=[window], retrains=retrains, mean_metric=mean, metric="roc_auc")


def _drawn(points: dict[str, tuple[int, float]], tmp_path, monkeypatch) -> tuple:
    """The retrains panel as ``_save`` writes it (dpi 110), its label boxes and its lines' ends (display)."""
    figures = []
    monkeypatch.setattr(backtest, "_save", lambda fig, path: figures.append(fig) or path)

    def hung(*_: object) -> None:
        raise TimeoutError("plot_comparison did not finish")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(30)
    try:
        backtest.plot_comparison(
            {p: _report(*v) for p, v in points.items()}, tmp_path / "compare.png"
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    fig = figures[0]
    fig.set_dpi(110)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[1]
    boxes = {
        t.get_text(): t.get_window_extent(renderer)
        for t in ax.texts
        if t.get_text() and t.get_visible()
    }
    per_point = fig.dpi / 72
    lines = []
    for t in ax.texts:
        if not t.get_text() and np.isfinite(t.xy).all():
            start = ax.transData.transform(t.xy)
            lines.append((start, start + np.asarray(t.xyann) * per_point))
    return ax.get_window_extent(renderer), boxes, lines


def test_a_policy_with_no_finite_mean_does_not_hang_the_labels(tmp_path, monkeypatch) -> None:
    for bad in (float("nan"), float("inf")):
        _, boxes, _ = _drawn(
            {"never": (0, bad), "always": (3, bad), "drift": (2, 0.9)}, tmp_path, monkeypatch
        )
        assert sorted(boxes) == ["drift"]


@pytest.mark.parametrize(
    "points",
    [
        {
            "never": (0, 0.80),
            "always": (5, 0.9001),
            "drift": (5, 0.9002),
            "default": (5, 0.9003),
            "every_2": (5, 0.90015),
        },  # fmt: skip
        {
            "never": (0, 0.80),
            "a_long_policy_name_every_3_windows": (40, 0.9001),
            "drift": (40, 0.9002),
        },
        {
            "never": (0, 0.9315),
            "always": (36, 0.9864),
            "drift": (10, 0.9831),
            "default": (10, 0.9825),
        },
        # side by side: drift's line from 4 retrains crossed the labels of 3 stacked below it
        {"never": (3, 0.70), "always": (30, 0.95), "drift": (4, 0.7001), "default": (3, 0.6999)},
    ],
    ids=["five-at-the-top", "long-name-at-the-right", "stop-61", "side-by-side"],
)
def test_every_label_stays_in_the_panel_and_no_line_crosses_one(
    points, tmp_path, monkeypatch
) -> None:
    panel, boxes, lines = _drawn(points, tmp_path, monkeypatch)
    assert len(boxes) == len(points)
    outside = [name for name, b in boxes.items()
               if b.x0 < panel.x0 or b.x1 > panel.x1 or b.y0 < panel.y0 or b.y1 > panel.y1]  # fmt: skip
    assert not outside, (outside, panel, boxes)
    crossed = []
    for start, end in lines:
        for name, b in boxes.items():
            inner = b.padded(-1.5)  # a line ends at its own label's side
            if any(inner.contains(*(start + f * (end - start))) for f in np.linspace(0, 1, 200)):
                crossed.append(name)
    assert not crossed, crossed
