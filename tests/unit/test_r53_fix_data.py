"""Reading tables, round 53 review (r53-fix-data) of the data-reading hardening merged in r53-data.

* A CSV whose header starts ``x^`` (``x^2,target``: 0x785E is 0 mod 31, no preset dictionary) was refused as
  a zlib stream ("deflate-compressed"): a few of its bytes inflate as a fixed-Huffman block. A zlib stream is
  now sniffed only in bytes that are not UTF-8, and all of them must inflate.
"""

from __future__ import annotations

import gzip
import random
import string
import zlib

import pandas as pd
import pytest

from ctloop import storage
from ctloop.errors import DataSourceError

TEXT = pd.DataFrame({"x": [0.5, 1.5, 2.5], "target": [1, 0, 1]}).to_csv(index=False).encode()


def _write(root, files: dict[str, bytes]) -> str:
    for name, data in files.items():
        storage.write_bytes(f"{root}/{name}", data)
    return str(root)


def test_a_csv_header_starting_x_caret_is_read_not_refused_as_deflate(tmp_path):
    squared = b"x^2,target\n0.5,1\n1.5,0\n"
    for name, data in (("part-0.csv", squared), ("part-0.csv.gz", gzip.compress(squared))):
        root = _write(tmp_path / name, {name: data})
        assert storage.read_table(root)["x^2"].tolist() == [0.5, 1.5]
    rnd = random.Random(53)  # 93 of 2,000 such headers were refused before
    letters = string.ascii_letters + string.digits + "_,.^ "
    for _ in range(300):
        head = (
            b"x^"
            + "".join(rnd.choice(letters) for _ in range(rnd.randint(1, 20))).encode()
            + b",target\n0.5,1\n"
        )
        storage.refuse_other_encoding("f.csv", head)
    for level in (1, 2, 6, 9):  # a real zlib stream (78 01, 78 5e, 78 9c, 78 da) is still refused
        with pytest.raises(DataSourceError, match="deflate-compressed"):
            storage.refuse_other_encoding(
                "f.csv", zlib.compress(TEXT * 40, level)[: storage.CSV_HEAD_BYTES]
            )
