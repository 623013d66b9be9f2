"""Batch scoring's inference log of a float16/float32 column given for a text feature (review E of
round 48): scoring read 0.1 (float32) as the text '0.1' (``storage._narrow_read``), but the log
(``scoring._conform``) wrote it widened, 0.10000000149011612, which the monitor reads as the category
'0.10000000149011612', never seen in training. Now the log holds what a 64-bit column of the same
numbers logs, as the serving runtime logs JSON 0.1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from ctloop import scoring

_WRITTEN = [0.1, 0.25, 7.0, None, 2.5, 1e-05]


@pytest.fixture(scope="module")
def scorer() -> scoring.Scorer:
    train = pd.DataFrame({"code": ["0.1", "0.25", "7", "2.5"] * 5, "a": np.arange(20) / 20})
    model = Pipeline(
        [
            (
                "preprocess",
                ColumnTransformer(
                    [
                        ("categorical", OneHotEncoder(handle_unknown="ignore"), ["code"]),
                        ("numeric", "passthrough", ["a"]),
                    ]
                ),
            ),
            ("clf", LogisticRegression()),
        ]
    ).fit(train, [0, 1, 0, 1] * 5)
    return scoring.Scorer(model, "m", "1", "champion", ["code", "a"], ["a"])


def _logged(scorer: scoring.Scorer, root, width: str) -> list[object]:
    root.mkdir()
    codes = pa.array(_WRITTEN, pa.float64()).cast(width)
    table = pa.table(
        {"id": [f"r{i}" for i in range(len(_WRITTEN))], "code": codes, "a": [0.5] * len(_WRITTEN)}
    )
    pq.write_table(table, root / "in.parquet")
    result = scoring.score(
        scorer,
        str(root / "in.parquet"),
        str(root / "out"),
        run_id="r1",
        id_column="id",
        log_root=str(root / "logs"),
    )
    logs = pa.concat_tables([pq.read_table(f) for f in result.log_files]).to_pandas()
    return [None if v != v else v for v in logs.sort_values("request_id")["code"].tolist()]


@pytest.mark.parametrize("width", ["float32", "float16"])
def test_narrow_floats_logged_as_written(scorer: scoring.Scorer, tmp_path, width: str) -> None:
    expected = _logged(scorer, tmp_path / "wide", "float64")
    got = _logged(scorer, tmp_path / width, width)
    assert got == expected
    assert got[:3] == [0.1, 0.25, 7.0]  # not 0.10000000149011612 (32 bits), 0.0999755859375 (16)


def test_numeric_feature_logged_as_the_model_got_it(scorer: scoring.Scorer, tmp_path) -> None:
    # 'a' is numeric: its float32 is logged widened (no text conversion per value), as before
    (tmp_path / "in").mkdir()
    table = pa.table(
        {"id": ["r0"], "code": pa.array([0.1], pa.float32()), "a": pa.array([0.1], pa.float32())}
    )
    pq.write_table(table, tmp_path / "in" / "in.parquet")
    result = scoring.score(
        scorer,
        str(tmp_path / "in" / "in.parquet"),
        str(tmp_path / "out"),
        run_id="r1",
        id_column="id",
        log_root=str(tmp_path / "logs"),
    )
    logged = pq.read_table(result.log_files[0]).to_pandas().iloc[0]
    assert logged["code"] == 0.1 and logged["a"] == float(np.float32(0.1))
