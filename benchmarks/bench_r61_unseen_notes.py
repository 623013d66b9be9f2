"""Wall time of one ``UnseenLabels.said`` (ctloop.unseen), as ``ctloop backtest`` runs it per window, when
many classes are unseen: round 61 folded every seen and unseen class (NFKC, casefold, look-alike map) for
each non-ASCII unseen name (review 61 H1: 2,000 classes with 500 unseen, 41 s per call); the fix folds each
class once into an index of how it reads and looks each unseen name up.

Run it once per implementation, e.g. a checkout of the commit before the fix and one after (each from its
own directory):

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/bench_r61_unseen_notes.py --label before
    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/bench_r61_unseen_notes.py --label after
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import save, table  # noqa: E402


def main() -> None:
    from ctloop.unseen import unseen_labels

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    rows = []
    for classes, unseen in ((200, 50), (2_000, 500), (5_000, 1_000)):
        seen = [f"製品カテゴリ{i}" for i in range(classes)]  # product categories, as a Japanese shop names them
        new = [f"新カテゴリ{i}" for i in range(unseen)]
        labels = unseen_labels(new, seen)
        started = time.perf_counter()
        said = labels.said("v1", total=unseen)
        rows.append({"classes": classes, "unseen": unseen, "seconds": round(time.perf_counter() - started, 3),
                     "chars said": len(said), "ctloop": str(Path(sys.modules["ctloop"].__file__).parent)})
    print(table(rows, ["classes", "unseen", "seconds", "chars said", "ctloop"]))
    print(save(f"r61_unseen_notes{'_' + args.label if args.label else ''}", {"rows": rows}))


if __name__ == "__main__":
    main()
