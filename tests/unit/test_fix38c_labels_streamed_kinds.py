"""The streamed ingest (``_stream_labels``) typed each CSV batch alone: a batch whose label (or
``instance``) cells are only True/False was read as bool and stored as 1.0/0.0 (instance 1), where
the whole file's read sees numbers and text mixed in one column and refuses it. Both paths must
accept and refuse the same files."""

from __future__ import annotations

from ctloop.cli import main


def _ingest(tmp_path, text: str, capsys) -> tuple[int, str]:
    (tmp_path / "labels.csv").write_text(text)
    code = main(["labels", "ingest", "--labels", str(tmp_path / "labels.csv"), "--store", str(tmp_path / "s"),
                 ])
    return code, capsys.readouterr().err


def _rows(n: int, extra: str) -> str:
    return "request_id,label\n" + "".join(f"r{i},{i % 2}\n" for i in range(n)) + extra


def test_a_later_batch_of_only_true_false_labels_is_refused_as_the_whole_file_is(tmp_path, capsys):
    extra = "".join(f"t{i},{'True' if i % 2 else 'False'}\n" for i in range(10))
    code, err = _ingest(tmp_path, _rows(50_000, extra), capsys)
    assert code == 2 and "label" in err and err.count("\n") == 1, err
    assert not list((tmp_path / "s").rglob("*.parquet"))


def test_a_later_batch_of_only_true_instances_is_refused_as_the_whole_file_is(tmp_path, capsys):
    body = "request_id,instance,label\n" + "".join(f"r{i},{i % 3},{i % 2}\n" for i in range(50_000))
    body += "".join(f"t{i},True,1\n" for i in range(10))
    code, err = _ingest(tmp_path, body, capsys)
    assert code == 2 and "instance" in err and err.count("\n") == 1, err
    assert not list((tmp_path / "s").rglob("*.parquet"))


def test_integers_then_decimals_across_batches_are_still_stored(tmp_path, capsys):
    extra = "".join(f"d{i},{i}.5\n" for i in range(10))
    code, err = _ingest(tmp_path, _rows(50_000, extra), capsys)
    assert code == 0, err
    import pandas as pd

    stored = pd.read_parquet(next((tmp_path / "s").rglob("part-*.parquet")))
    assert len(stored) == 50_010 and stored["label"].iloc[-1] == 9.5
