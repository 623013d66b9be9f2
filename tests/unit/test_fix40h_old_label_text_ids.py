"""What docs/monitoring.md ("How labels are keyed") says of label files written before round 40
(review revH2 #4): such a file stores float ids and text ids alike as text, so its text id ``1e-05``
reads as the float it spells (``0.00001``) and a correction ingested now, kept as ``1e-05``, does
not replace it; ingesting the old source again into a new store gives the text id its label.
A documented limit, not a fix: the first test holds on the round-40 code as on this one.
"""

from __future__ import annotations

import pandas as pd

from ctloop.labels.store import ingest_labels
from tests.unit.test_fix40c_text_float_like_keys import TIME, _joined


def _old_store(root) -> None:
    """A store as round 39 wrote it: a manifest, a label file without the round-40 key marker."""
    labels = root / "labels"
    labels.mkdir(parents=True)
    (labels / "_ctloop_labels.json").write_text('{"key": "request_id", "format": 1}')
    pd.DataFrame({"request_id": ["1e-05"], "label": [1.0], "label_time": [TIME]}).to_parquet(
        labels / "part-20260101T000000000000Z-0.parquet", index=False)


def test_an_old_files_text_id_and_a_correction_are_two_keys(tmp_path):
    _old_store(tmp_path / "s")
    (tmp_path / "fix.csv").write_text("request_id,label,label_time\n1e-05,0,2026-01-07T10:00:00Z\n")
    ingest_labels(str(tmp_path / "fix.csv"), str(tmp_path / "s"))
    assert _joined(str(tmp_path / "s"), ["1e-05", "0.00001"]) == {"1e-05": 0.0, "0.00001": 1.0}


def test_the_way_out_a_new_store_of_the_sources_ingested_again(tmp_path):
    (tmp_path / "old.csv").write_text(f"request_id,label,label_time\n1e-05,1,{TIME}\n")
    (tmp_path / "fix.csv").write_text("request_id,label,label_time\n1e-05,0,2026-01-07T10:00:00Z\n")
    for source in ("old.csv", "fix.csv"):
        ingest_labels(str(tmp_path / source), str(tmp_path / "new"))
    assert _joined(str(tmp_path / "new"), ["1e-05", "0.00001"]) == {"1e-05": 0.0}
