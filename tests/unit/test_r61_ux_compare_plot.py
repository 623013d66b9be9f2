"""Stop 61 (docs/backtest-quality.md, "Stop 61: what the compare shows"): the ``--compare`` plot's
retrains-versus-mean panel printed the labels of two close points over each other (fertility_replacement_bool:
``drift`` 0.9831 and ``default`` 0.9825, 10 retrains each). Label boxes are read from the drawn figure."""

from __future__ import annotations

from itertools import combinations
from types import SimpleNamespace as NS

import pytest

from ctloop import backtest


def _report(retrains: int, mean: float) -> NS:
    window = NS(start="2000-01-01", end="2001-01-01", metric=mean, retrained=False, rule="", index=0, rows=60)
    return NS(windows=[window], retrains=retrains, mean_metric=mean, metric="roc_auc")


def _label_boxes(points: dict[str, tuple[int, float]], tmp_path, monkeypatch) -> dict[str, object]:
    figures = []
    monkeypatch.setattr(backtest, "_save", lambda fig, path: figures.append(fig) or path)
    backtest.plot_comparison({p: _report(*v) for p, v in points.items()}, tmp_path / "compare.png")
    fig = figures[0]
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return {t.get_text(): t.get_window_extent(renderer) for t in fig.axes[1].texts if t.get_text()}


@pytest.mark.parametrize(
    "points",
    [
        # stop 61's fertility_replacement_bool, as compare.csv has it
        {"never": (0, 0.9315), "always": (36, 0.9864), "drift": (10, 0.9831), "default": (10, 0.9825)},
        # three close at one retrain count, one far off (the axis spans it)
        {"never": (0, 0.80), "always": (5, 0.9001), "drift": (5, 0.9002), "default": (5, 0.9003)},
        # close on both axes, labels running into each other sideways
        {"never": (3, 0.70), "always": (30, 0.95), "drift": (4, 0.7001), "default": (3, 0.6999)},
    ],
)
def test_the_labels_of_close_points_do_not_overlap(points, tmp_path, monkeypatch) -> None:
    boxes = _label_boxes(points, tmp_path, monkeypatch)
    assert sorted(boxes) == sorted(points)
    overlapping = [(a, b) for a, b in combinations(boxes, 2) if boxes[a].overlaps(boxes[b])]
    assert not overlapping


def test_the_same_result_is_still_one_label(tmp_path, monkeypatch) -> None:
    boxes = _label_boxes({"never": (0, 0.93), "drift": (0, 0.93), "always": (9, 0.95)}, tmp_path, monkeypatch)
    assert sorted(boxes) == ["always", "never, drift"]
