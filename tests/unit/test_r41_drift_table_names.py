"""The printed table, the verdict's reason and the skipped line show an odd column name quoted.

A CSV header ``b,b `` gives pandas two columns, ``b`` and ``b `` (a trailing blank), that the table
printed alike, so which one drifted could not be read; a name holding a newline (a header cell
quoted across lines) started lines of its own, one of which could read like the verdict
(``no drift: 0 of 9 columns drifted``). A name that is empty, has blanks at an end or holds a
character that does not print is now shown as a quoted literal (``'b '``, ``'x\\n...'``). Since r55-data
``b`` beside ``b `` is refused (``ctloop.contract.refuse_alike_names``); ``'b '`` is still shown quoted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ctloop.cli import main
from ctloop.drift import engine

FAKE = "x\n\nno drift: 0 of 9 columns drifted"


def _frames():
    rng = np.random.default_rng(0)
    n = 200
    # 'a', not 'b' beside 'b ': since r55-data drift refuses names alike but for spaces (as prepare_data does)
    ref = pd.DataFrame({"a": rng.integers(0, 3, n), "b ": rng.integers(0, 3, n), FAKE: rng.normal(size=n),
                        "tags": [[1]] * n, "\tt": rng.normal(size=n)})
    cur = pd.DataFrame({"a": rng.integers(0, 3, n), "b ": rng.integers(1, 4, n), FAKE: rng.normal(3, 1, size=n),
                        "tags": [[1]] * n, "\tt": rng.normal(size=n)})
    return ref, cur


def test_the_table_tells_a_trailing_blank_and_keeps_one_line_per_column():
    text = engine.format_table(engine.detect(*_frames()))
    lines = text.splitlines()
    rows = lines[2:6]  # the four compared columns, one line each
    assert [row.split("  ")[0] for row in rows] == ["a", "'b '", repr(FAKE), "'\\tt'"], text
    assert rows[1].startswith("'b '") and rows[1].rstrip().endswith("DRIFT"), text
    assert rows[2].startswith(repr(FAKE)), text
    assert not [line for line in lines if line.startswith("no drift")], text
    assert "drifted (share 0.50 >= 0.5): 'b ', " + repr(FAKE) in text, text
    assert "skipped 1 column(s): tags (list, unsupported type)" in text


def test_the_cli_prints_one_verdict(tmp_path, capsys):
    ref, cur = _frames()
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.to_parquet(tmp_path / "cur.parquet")
    assert main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    verdicts = [line for line in out.splitlines() if line.startswith(("drift:", "no drift:"))]
    assert len(verdicts) == 1 and verdicts[0].startswith("drift: 2 of 4"), out
