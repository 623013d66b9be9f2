"""`ctloop compile` whose file cannot be written (a directory of the pipeline's file name in
--output-dir, a full disk, no permission): it ended in IsADirectoryError's traceback, exit 1."""

from __future__ import annotations

from ctloop.cli import main


def test_a_directory_in_the_way_is_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "rollout.yaml").mkdir()
    assert main(["compile", "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "rollout.yaml" in err and "directory" in err.lower(), err
    assert (tmp_path / "rollout.yaml").is_dir()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
