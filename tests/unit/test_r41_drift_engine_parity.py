"""The streaming engine agrees with the memory engine on the same table.

* A ``category`` of numbers against text: ``detect`` refuses it (its ``0`` never matches ``"0"``);
  ``DriftState.update`` judged it drifted, chi-square p = 0, from a pandas chunk (the state only
  knew ``category``/``object``) and from an Arrow chunk (``dictionary<values=int64>`` was not a
  number). The state now records what its values are (numbers, text, bytes) chunk by chunk.
* A ``uuid`` column (Arrow's canonical extension type, pyarrow >= 18; ``fixed_size_binary(16)``
  storage): pandas reads its values as ``bytes``, so ``detect`` and the streamed pandas chunk
  compare them as categories, but the streamed Arrow chunk (``ctloop drift --engine stream``)
  skipped the column as ``unsupported type``.
"""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ctloop.cli import main
from ctloop.drift import engine, streaming
from ctloop.errors import DriftError

N = 200


def _verdicts(ref: pd.DataFrame, cur: pd.DataFrame) -> dict[str, object]:
    """{engine: [(column, kind, method, score)] or the refusal's message} for the memory engine,
    a streamed pandas chunk, a streamed Arrow chunk and a state read back from JSON."""
    out: dict[str, object] = {}

    def states(conv):
        return streaming.DriftState().update(conv(ref)), streaming.DriftState().update(conv(cur))

    def arrow(frame):
        return pa.Table.from_pandas(frame, preserve_index=False)

    def round_trip(frame):
        return streaming.DriftState.from_dict(streaming.DriftState().update(arrow(frame)).to_dict())

    runs = {
        "memory": lambda: engine.detect(ref, cur),
        "pandas chunk": lambda: streaming.compare(*states(lambda f: f)),
        "arrow chunk": lambda: streaming.compare(*states(arrow)),
        "state from JSON": lambda: streaming.compare(round_trip(ref), round_trip(cur)),
    }
    for name, run in runs.items():
        try:
            result = run()
        except DriftError as exc:
            out[name] = str(exc).split(":")[1].strip()  # the reason, not the dtype names
        else:
            out[name] = [(c.column, c.kind, c.method, round(c.score, 10)) for c in result.columns]
            out[name + " skipped"] = [s.column for s in result.skipped]
    return out


def _frames(ref_c, cur_c):
    rng = np.random.default_rng(0)
    return (pd.DataFrame({"c": ref_c, "x": rng.normal(size=N)}),
            pd.DataFrame({"c": cur_c, "x": rng.normal(size=N)}))


def _codes(seed):
    return np.random.default_rng(seed).integers(0, 4, N)


CASES = {
    "category of numbers vs text": (pd.Categorical(_codes(1)), _codes(2).astype(str).astype(object)),
    "category of numbers vs category of text": (pd.Categorical(_codes(1)), pd.Categorical(_codes(2).astype(str))),
    "int codes vs text codes": (_codes(1), _codes(2).astype(str).astype(object)),
    "category of numbers vs int codes": (pd.Categorical(_codes(1)), _codes(2)),
    "category of text vs text": (pd.Categorical(_codes(1).astype(str)), _codes(2).astype(str).astype(object)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_both_engines_judge_categories_of_numbers_and_text_alike(case):
    verdicts = _verdicts(*_frames(*CASES[case]))
    memory = verdicts.pop("memory")
    for name in ("pandas chunk", "arrow chunk", "state from JSON"):
        assert verdicts[name] == memory, (name, verdicts)


def _uuids(seed):
    rng = np.random.default_rng(seed)
    return [uuid.UUID(int=int(v)).bytes for v in rng.integers(0, 5, N)]


def test_a_uuid_column_is_compared_by_both_engines(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for name, seed in (("ref", 1), ("cur", 2)):
        pq.write_table(pa.table({"u": pa.array(_uuids(seed), pa.uuid()), "x": rng.normal(size=N)}),
                       tmp_path / f"{name}.parquet")
    tables = {}
    for used in ("memory", "stream"):
        code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                     "--engine", used, "--quiet"])
        out = capsys.readouterr().out
        assert code == 0
        tables[used] = out[out.index("\ncolumn  "):]
    assert "skipped" not in tables["stream"]
    assert tables["stream"] == tables["memory"]
    assert "u       categorical  chisquare" in tables["memory"]


def test_a_uuid_column_against_its_text_is_refused_by_both_engines():
    ref = pa.table({"u": pa.array(_uuids(1), pa.uuid())})
    cur = pa.table({"u": [str(uuid.UUID(bytes=b)) for b in _uuids(2)]})
    with pytest.raises(DriftError, match="bytes on one side and text on the other") as memory:
        engine.detect(ref.to_pandas(), cur.to_pandas())
    with pytest.raises(DriftError, match="bytes on one side and text on the other") as streamed:
        streaming.compare(streaming.DriftState().update(ref), streaming.DriftState().update(cur))
    assert "column 'u'" in str(memory.value) and "column 'u'" in str(streamed.value)


@pytest.mark.parametrize("kind", ["bool8", "json"])
def test_other_canonical_extension_columns_are_compared_by_both_engines(tmp_path, capsys, kind):
    """``bool8`` (``int8`` storage; pandas reads its values as ``int8``) and ``json`` (``string``
    storage) columns: the memory engine compared them, the streamed one skipped them as
    ``unsupported type``."""
    for name, seed in (("ref", 1), ("cur", 2)):
        rng = np.random.default_rng(seed)
        codes = rng.integers(0, 2 if kind == "bool8" else 4, N)
        column = (pa.ExtensionArray.from_storage(pa.bool8(), pa.array(codes.astype("int8"))) if kind == "bool8"
                  else pa.array([f'{{"k": {int(v)}}}' for v in codes], pa.json_()))
        pq.write_table(pa.table({"e": column, "x": rng.normal(size=N)}), tmp_path / f"{name}.parquet")
    tables = {}
    for used in ("memory", "stream"):
        code = main(["drift", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "cur.parquet"),
                     "--engine", used, "--quiet"])
        out = capsys.readouterr().out
        assert code == 0
        tables[used] = out[out.index("\ncolumn  "):]
    assert "skipped" not in tables["stream"]
    assert tables["stream"] == tables["memory"]
    assert "e       categorical" in tables["memory"]
