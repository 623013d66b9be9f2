"""A corrupt .csv.gz label file (zlib "invalid code lengths set", review revC) came out of
``ctloop labels ingest`` as a traceback: now one line naming the file, exit 2."""

from __future__ import annotations

import gzip
import random
import zlib

from ctloop.cli import main


def _corrupt_gzip() -> bytes:
    """A gzip label file with 8 bytes overwritten past its head (as /tmp/review-revC/mkcz.py)."""
    body = ("request_id,label\n" + "".join(f"key{i:06d},{i % 2}\n" for i in range(300_000))).encode()
    good = gzip.compress(body, mtime=0)
    rng = random.Random(1)
    for _ in range(200):
        data = bytearray(good)
        at = rng.randrange(70_000, len(data) - 100)
        for j in range(at, at + 8):
            data[j] = rng.randrange(256)
        try:
            zlib.decompress(bytes(data), 31)
        except zlib.error as exc:
            if "code lengths" in str(exc):
                return bytes(data)
    raise AssertionError("no corruption found")


def test_a_corrupt_gzip_label_file_is_one_line_naming_the_file(tmp_path, capsys):
    (tmp_path / "labels.csv.gz").write_bytes(_corrupt_gzip())
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv.gz"), "--store", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "labels.csv.gz" in err and "Traceback" not in err, err
    assert not list((tmp_path / "s").rglob("*.parquet"))
