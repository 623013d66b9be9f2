"""Round 61, item 7: the round 60 sweep of hostile files (``test_r60_input``'s megabyte values) extended with this
round's cases: label files × a fresh and an existing store, data files × ``ctloop drift``'s two engines, each
given by a relative path. Exit code 0 or 2 only, one line and no traceback on a refusal, the store (the output)
unchanged by a refusal."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from ctloop.cli import main

TEN_MB = 10 << 20


def _files(root) -> list[tuple[str, bytes]]:
    return sorted((str(p.relative_to(root)), p.read_bytes()) for p in root.rglob("*") if p.is_file()) \
        if root.exists() else []


def _label_file(tmp_path, case: str) -> str:
    jsonl = lambda rows: "".join(json.dumps(r) + "\n" for r in rows)  # noqa: E731
    files = {
        "key_newline.csv": 'request_id,label\nr0,0\n"r1\nx",1\n',
        "key_nul.jsonl": jsonl([{"request_id": "r0", "label": 0}, {"request_id": "r1\0x", "label": 1}]),
        "key_cr.jsonl": jsonl([{"request_id": "r0", "label": 0}, {"request_id": "r1\rx", "label": 1}]),
        "key_del.jsonl": jsonl([{"request_id": "r0", "label": 0}, {"request_id": "r1\x7fx", "label": 1}]),
        "key_10mb.csv": "request_id,label\nr0,0\n" + "k" * TEN_MB + ",1\n",
        "key_tab.csv": 'request_id,label\nr0,0\n"r1\tx",1\n',
        "key_uuid.csv": "request_id,label\n0b9e6c1e-8c2f-4a53-9a5e-4d1b9e0b7a61,1\n",
        "semicolon_decimal.csv": "request_id;label\nr0;0,5\nr1;1,25\n",
        "semicolon_thousands.csv": "request_id;label\nr0;1,000\nr1;2,500\n",
        "semicolon_plain.csv": "request_id;label\nr0;0\nr1;1\n",
        "semicolon_decimal.csv.gz": "request_id;label\nr0;0,5\nr1;1,25\n",
        "bad_time_row.csv": "request_id,label,label_time\nr0,0,2026-01-01T00:00:00Z\nr1,1,yesterday\n",
    }
    path = tmp_path / case
    data = files[case].encode()
    path.write_bytes(gzip.compress(data) if case.endswith(".gz") else data)
    return case


LABEL_CASES = ["key_newline.csv", "key_nul.jsonl", "key_cr.jsonl", "key_del.jsonl", "key_10mb.csv", "key_tab.csv",
               "key_uuid.csv", "semicolon_decimal.csv", "semicolon_thousands.csv", "semicolon_plain.csv",
               "semicolon_decimal.csv.gz", "bad_time_row.csv"]
ACCEPTED = {"key_tab.csv", "key_uuid.csv"}


@pytest.mark.parametrize("existing", [False, True])
@pytest.mark.parametrize("case", LABEL_CASES)
def test_hostile_label_files_exit_0_or_2_in_one_line_and_leave_the_store(tmp_path, monkeypatch, capsys, case,
                                                                         existing):
    monkeypatch.chdir(tmp_path)
    if existing:
        (tmp_path / "first.csv").write_text("request_id,label\na,0\nb,1\n")
        assert main(["labels", "ingest", "--labels", "first.csv", "--store", "store"]) == 0
    capsys.readouterr()
    before = _files(tmp_path / "store")
    code = main(["labels", "ingest", "--labels", _label_file(tmp_path, case), "--store", "store"])
    err = capsys.readouterr().err
    assert code == (0 if case in ACCEPTED else 2), err[:1000]
    assert "Traceback" not in err and len(err) < 2000, err[:1000]
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("error: "), err[:1000]
        assert _files(tmp_path / "store") == before


def _data(tmp_path, case: str) -> str:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=300).round(4), "b": rng.choice(["p" * 100, "q" * 100], 300)})
    if case == "ref.csv":
        frame.to_csv(tmp_path / case, index=False)
        return case
    lines = frame.to_csv(index=False).splitlines()
    if case == "header_again.csv":
        lines.insert(150, lines[0])
    elif case == "nul.csv":
        lines[100] = lines[100].split(",")[0] + ",p\0q"
    elif case == "word_among_numbers.csv":
        lines[200] = "n/a?," + lines[200].split(",")[1]
    elif case == "open_quote.csv":
        lines[120] = lines[120].split(",")[0] + ',"p'
    elif case == "semicolon.csv":
        lines = [line.replace(",", ";").replace(".", ",") for line in lines]
    (tmp_path / case).write_text("\n".join(lines) + "\n")
    return case


DATA_CASES = ["header_again.csv", "nul.csv", "word_among_numbers.csv", "open_quote.csv", "semicolon.csv"]


@pytest.mark.parametrize("engine", ["memory", "stream"])
@pytest.mark.parametrize("case", DATA_CASES)
def test_hostile_data_files_by_relative_path_exit_2_in_one_line_naming_the_flag(tmp_path, monkeypatch, capsys,
                                                                                case, engine):
    monkeypatch.chdir(tmp_path)
    ref = _data(tmp_path, "ref.csv")
    code = main(["drift", "--reference", ref, "--current", _data(tmp_path, case), "--engine", engine,
                 "--output", "out", "--no-report", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err[:1000]
    assert "Traceback" not in err and err.count("\n") == 1 and len(err) < 2000, err[:1000]
    assert str(tmp_path) not in err, err  # named as given, not by its absolute path
    if case != "word_among_numbers.csv":
        assert err.startswith(f"error: --current: {case}"), err
    else:
        assert "made text by 'n/a?'" in err, err
    assert not (tmp_path / "out" / "drift.json").exists()
