"""``--engine auto`` on CSV files: their cells were estimated as bytes / 8, so a table of digits
('1,' is 2 bytes a cell) counted a quarter of its cells and a gzipped one (the stored bytes) far
fewer: the memory engine then read many times its cell budget (docs: memory up to 1,000,000 rows x
25 columns a side). The estimate now takes bytes per row from the first rows, and a gzipped file's
size as read from its gzip footer."""

from __future__ import annotations

import gzip

import pytest

from ctloop.drift import streaming


def _digits(path, rows: int, columns: int = 10, packed: bool = False) -> str:
    text = ",".join(f"c{i}" for i in range(columns)) + "\n" + ("1," * (columns - 1) + "1\n") * rows
    if packed:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return str(path)


@pytest.mark.parametrize("name, packed", [("d.csv", False), ("d.csv.gz", True), ("d.csv", True)])
def test_a_csv_over_the_cell_budget_is_streamed(tmp_path, name, packed):
    big = _digits(tmp_path / f"big-{name}", 20_000, packed=packed)  # 200,000 cells
    small = _digits(tmp_path / f"small-{name}", 2_000, packed=packed)  # 20,000 cells
    assert streaming.choose_engine("auto", big, small, memory_cells=100_000) == "stream"
    assert streaming.choose_engine("auto", small, big, memory_cells=100_000) == "stream"
    assert streaming.choose_engine("auto", small, small, memory_cells=100_000) == "memory"
    assert streaming._cells(big) == pytest.approx(200_000, rel=0.01)
