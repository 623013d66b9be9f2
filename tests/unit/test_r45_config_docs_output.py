"""``ctloop config docs --output`` takes the text as given: ``pathlib.Path`` made ``file:///abs/x.md``
the relative path ``file:/abs/x.md`` (``--check`` read nothing there: "stale", exit 1, for the page
it had just written) and ``gs://b/x.md`` ``gs:/b/x.md``. ``--check`` of a directory said "stale:
run `ctloop config docs --output DIR`" (exit 1), a command that can only fail: it is exit 2, one line."""

from __future__ import annotations

from ctloop.cli import main


def test_check_reads_the_file_uri_it_wrote(tmp_path, capsys):
    uri = (tmp_path / "page.md").as_uri()
    assert main(["config", "docs", "--output", uri]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {uri}"
    assert main(["config", "docs", "--output", uri, "--check"]) == 0
    assert capsys.readouterr().out.strip() == f"{uri} is up to date"


def test_check_of_a_directory_is_bad_input(tmp_path, capsys):
    assert main(["config", "docs", "--output", str(tmp_path), "--check"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "\n" not in captured.err.strip(), captured
    assert f"--output {tmp_path}: it is a directory" in captured.err, captured.err
    assert list(tmp_path.iterdir()) == []


def test_check_of_a_missing_or_other_page_is_stale(tmp_path, capsys):
    page = tmp_path / "page.md"
    assert main(["config", "docs", "--output", str(page), "--check"]) == 1
    page.write_text("old\n")
    assert main(["config", "docs", "--output", str(page), "--check"]) == 1
    assert f"{page} is stale" in capsys.readouterr().out
