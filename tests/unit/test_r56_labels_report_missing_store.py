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
