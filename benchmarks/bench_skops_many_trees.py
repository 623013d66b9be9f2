"""Writing a model of many arrays with skops: stock ``skops.io.dumps`` against ctloop's
``ctloop.artifacts.dumps_skops`` (the same bytes, written through ``linear_skops_writes``).

skops 0.16 checks each array's name against ``ZipFile.namelist()`` — every entry written so
far — so its write is quadratic in the arrays. A multiclass HistGradientBoosting holds one tree per
class per iteration; training writes four skops copies of it (the check, the KFP artifact, the
MLflow serving directory, MLflow's own ``log_model``). For each size, side by side in one process:
a HistGradientBoostingClassifier on random data (``classes`` × ``max_iter`` trees), the median
wall time of stock and ctloop's write, the archive size, the entries, and that the copy predicts
identically.

    python benchmarks/bench_skops_many_trees.py [CLASSES:ITERATIONS ...]   # default 20:50 50:50 100:50 200:50

Prints a table, writes ``results/skops_many_trees.json``.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from _common import median_seconds, save, sizes_from_argv, table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def timed(fn, repeats: int) -> float:
    return median_seconds(fn, repeats)


def main(sizes: list[tuple[int, int]]) -> int:
    import numpy as np
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier

    from ctloop.artifacts import TRUSTED_SKOPS_TYPES, dumps_skops, loads_skops

    rows = []
    for classes, iterations in sizes:
        rng = np.random.default_rng(0)
        x = rng.normal(size=(20 * classes, 5))
        y = rng.integers(0, classes, len(x))
        model = HistGradientBoostingClassifier(max_iter=iterations, early_stopping=False).fit(x, y)
        trees = sum(len(p) for p in model._predictors)
        stock_once = timed(lambda: sio.dumps(model), 1)  # noqa: B023
        repeats = 3 if stock_once < 20 else 1
        stock = timed(lambda: sio.dumps(model), repeats) if repeats > 1 else stock_once  # noqa: B023
        ours = timed(lambda: dumps_skops(model), repeats)  # noqa: B023
        data = dumps_skops(model)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            entries = len(zf.infolist())
        copy = loads_skops(data, trusted=TRUSTED_SKOPS_TYPES)
        rows.append({"classes": classes, "max_iter": iterations, "trees": trees, "entries": entries,
                     "MiB": len(data) / 2**20, "repeats": repeats, "stock_dumps_s": stock,
                     "ctloop_dumps_s": ours, "speedup": stock / ours,
                     "same_predictions": bool(np.array_equal(copy.predict_proba(x), model.predict_proba(x)))})
        print(f"{classes} classes x {iterations}: {trees} trees done", flush=True)
    columns = ["classes", "max_iter", "trees", "entries", "MiB", "repeats", "stock_dumps_s", "ctloop_dumps_s",
               "speedup", "same_predictions"]
    print(table(rows, columns))
    print(f"wrote {save('skops_many_trees', {'rows': rows})}")
    return 0


if __name__ == "__main__":
    args = sizes_from_argv(__doc__, ["20:50", "50:50", "100:50", "200:50"], kind=str, metavar="CLASSES:ITERATIONS",
                           what="models (classes:boosting iterations)")
    sys.exit(main([tuple(int(v) for v in a.split(":")) for a in args]))
