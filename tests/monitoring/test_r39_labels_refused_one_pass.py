"""A refused label file costs one streaming pass: ``ctloop labels ingest`` names what a file breaks
from its batches (each rule's rows counted over the whole file, its first row named), never by
reading the file whole again (``read_table``/``read_bytes``: the file's size in memory, twice the
time). The refusal is the one the whole file's read gives."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.errors import CtloopError
from ctloop.labels import store as label_store

T = "2026-02-01T10:00:00Z"
FILES = {
    "bad label_time in two later batches": "request_id,label,label_time\na,1,{T}\nb,0,{T}\nc,1,04/12/2026\nd,0,{T}\n"
                                           "e,1,yesterday\n",
    "keys missing in two batches": "request_id,label\na,1\n,0\nc,1\nd,0\n,1\n",
    "numbers, then names in two batches": "request_id,label\na,1\nb,0\nc,approved\nd,1\ne,denied\nf,x\n",
    "names, then numbers": "request_id,label\na,yes\nb,no\nc,1\nd,0\n",
    "a label beyond the largest value": "request_id,label\na,1\nb,0\nc,1e300\nd,2\ne,-1e301\n",
    "bad instances in a later batch": "request_id,instance,label\na,0,1\na,1,0\nb,-1,1\nb,0.5,0\n",
    "a conflict across batches": "request_id,label,label_time\na,1,{T}\nb,0,{T}\nc,1,{T}\na,0,{T}\nd,1,{T}\nd,0,{T}\n",
    "no label column": "request_id,outcome\na,1\nb,0\nc,1\n",
    "True/False in one batch, numbers in another": "request_id,label\na,True\nb,False\nc,1\nd,0\n",
    "keys missing and labels mixed": "request_id,label\na,1\n,0\nc,x\nd,0\n,y\n",
}


def refusal(call) -> str:
    with pytest.raises(CtloopError) as caught:
        call()
    return str(caught.value)


def guard_whole_reads(monkeypatch, source: str) -> None:
    def guard(real):
        def whole(uri, *args, **kwargs):
            assert uri != source, f"the refused label file was read whole: {uri}"
            return real(uri, *args, **kwargs)

        return whole

    for module, name in ((storage, "read_table"), (storage, "read_bytes"), (label_store, "_ingest_whole")):
        monkeypatch.setattr(module, name, guard(getattr(module, name)))


@pytest.mark.parametrize("name", list(FILES))
def test_a_refused_file_is_named_from_one_pass_as_the_whole_read_names_it(tmp_path, monkeypatch, name):
    source = tmp_path / "labels.csv"
    source.write_text(FILES[name].format(T=T))
    column = "label"
    whole = refusal(lambda: label_store._ingest_whole(str(source), str(tmp_path / "w"), "request_id", column, None))
    guard_whole_reads(monkeypatch, str(source))
    streamed = refusal(lambda: label_store.ingest_labels(str(source), str(tmp_path / "s"), batch_rows=2))
    assert streamed == whole
    assert not (tmp_path / "s").exists()


def test_labels_of_the_other_kind_than_the_store_are_named_from_one_pass(tmp_path, monkeypatch, capsys):
    (tmp_path / "first.csv").write_text("request_id,label\na,1\nb,0\n")
    assert main(["labels", "ingest", "--labels", str(tmp_path / "first.csv"), "--store", str(tmp_path / "s")]) == 0
    source = tmp_path / "names.csv"
    source.write_text("request_id,label\nc,yes\nd,no\ne,no\nf,yes\ng,no\n")
    guard_whole_reads(monkeypatch, str(source))
    capsys.readouterr()
    assert main(["labels", "ingest", "--labels", str(source), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "in 5 row(s)" in err and "the store's labels are numbers" in err, err
    assert "this file's are names (e.g. 'yes')" in err, err


def test_a_header_naming_a_column_twice_is_refused_from_the_header(tmp_path, monkeypatch, capsys):
    source = tmp_path / "labels.csv"
    source.write_text("request_id,label,label\na,1,0\nb,0,1\n")
    guard_whole_reads(monkeypatch, str(source))
    assert main(["labels", "ingest", "--labels", str(source), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "has column 'label' twice (columns 2 and 3)" in err and err.count("\n") == 1, err
