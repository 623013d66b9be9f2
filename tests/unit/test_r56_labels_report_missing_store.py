"""``ctloop labels report`` with a --store that does not exist says so in one line.

Found trying ``ctloop labels report`` the way docs/batch-scoring.md shows it, with the store's
name mistyped: before the one-line refusal (``error: --store: no label store at ... (no such
directory)``) the reader's warning for an existing but empty store was printed too (``warning:
labels_root '...' holds no label store ...: is the location typed right?``), two lines for one
typo. The report's warnings are now shown only once its roots are known to exist.
"""

from __future__ import annotations

from ctloop.cli import main


def _store_warnings(recorded) -> list[str]:
    return [str(w.message) for w in recorded if "holds no label store" in str(w.message)]


def test_a_missing_store_is_one_error_line(tmp_path, capsys, recwarn):
    (tmp_path / "log").mkdir()
    code = main(
        [
            "labels",
            "report",
            "--log-root",
            str(tmp_path / "log"),
            "--store",
            str(tmp_path / "lables"),
            "--model-name",
            "credit-default",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err == f"error: --store: no label store at {tmp_path / 'lables'} (no such directory)\n"
    ), err
    assert not _store_warnings(
        recwarn
    )  # shown on stderr by the command, beside the error (pytest records them)


def test_an_existing_store_without_labels_still_warns(tmp_path, recwarn):
    (tmp_path / "log").mkdir()
    (tmp_path / "labels").mkdir()
    main(
        [
            "labels",
            "report",
            "--log-root",
            str(tmp_path / "log"),
            "--store",
            str(tmp_path / "labels"),
            "--model-name",
            "credit-default",
        ]
    )
    assert _store_warnings(recwarn)


def _report_of(tmp_path, store, broken=False):
    """A report of an inference log with rows of model m beside a zero-byte file (left out with a
    warning by the listing, ctloop.storage.list_files), refused for --score-column naming no
    logged column once labels join."""
    import pandas as pd

    from ctloop.labels.store import ingest_labels

    t0 = pd.Timestamp("2026-02-01T10:00:00Z")
    d = tmp_path / "log" / "model=m" / f"date={t0:%Y-%m-%d}" / "revision=m-00001"
    d.mkdir(parents=True)
    pd.DataFrame(
        {
            "request_id": ["q0", "q1"],
            "instance": 0,
            "model_version": "1",
            "revision": "m-00001",
            "has_request": True,
            "has_response": True,
            "prediction_0": [0.1, 0.8],
            "prediction_1": [0.9, 0.2],
            "time": [(t0 + pd.Timedelta(seconds=i)).isoformat() for i in range(2)],
        }
    ).to_parquet(d / "part-0.parquet", index=False)
    (d / "part-1.parquet").write_bytes(b"")
    if broken:
        (d / "part-2.parquet").write_bytes(b"not parquet")
    (tmp_path / "labels.csv").write_text("request_id,label\nq0,1\nq1,0\n")
    ingest_labels(str(tmp_path / "labels.csv"), str(tmp_path / "labels"))
    return main(
        [
            "labels",
            "report",
            "--log-root",
            str(tmp_path / "log"),
            "--store",
            str(tmp_path / store),
            "--model-name",
            "m",
            "--start",
            "2026-02-01T00:00:00Z",
            "--end",
            "2026-02-02T00:00:00Z",
            "--score-column",
            "prediction_one",
        ]
    )


def test_a_refused_report_still_shows_its_warnings(tmp_path, capsys, recwarn):
    """The warnings recorded until the roots were checked were dropped when the report raised:
    the zero-byte file left out of the log was never said."""
    code = _report_of(tmp_path, "labels")
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: --score-column 'prediction_one'") and err.count("\n") == 1, err
    assert [str(w.message) for w in recwarn if "zero-byte file" in str(w.message)]


def test_a_missing_store_is_named_before_a_failure_of_the_report(tmp_path, capsys, recwarn):
    """A report that fails (a log file that is no Parquet file) with a mistyped --store was
    refused for the log file, never naming the --store (as a report that succeeds does)."""
    code = _report_of(tmp_path, "lables", broken=True)
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err == f"error: --store: no label store at {tmp_path / 'lables'} (no such directory)\n"
    ), err
    assert not _store_warnings(recwarn)
