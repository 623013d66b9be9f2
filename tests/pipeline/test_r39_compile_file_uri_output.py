"""``ctloop compile --output-dir file:///abs/build`` passed the local-directory check (a file URI is
local) and then used the URI text as a path: the pipelines went to ``./file:/abs/build/`` under the
working directory, and the printed paths said so only to a careful reader. The directory is the
URI's path now, as ``ctloop run --local --workdir`` reads it."""

from __future__ import annotations

from ctloop.cli import main


def test_a_file_uri_output_dir_is_its_path(tmp_path, capsys, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert main(["compile", "--output-dir", (tmp_path / "build b").as_uri()]) == 0
    printed = capsys.readouterr().out.split("\n")
    assert sorted(p.name for p in (tmp_path / "build b").iterdir()) == [
        "batch-scoring.yaml", "continuous-training.yaml", "monitoring.yaml", "rollout.yaml"]
    assert list(cwd.iterdir()) == []
    assert printed[0] == str(tmp_path / "build b" / "batch-scoring.yaml")
