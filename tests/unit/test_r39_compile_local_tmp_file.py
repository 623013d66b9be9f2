"""A local run in a workdir holding a file named ``.tmp`` (the default --workdir is the current
directory, where such a file is ordinary) ended in a FileExistsError traceback: the run's scratch
directory ``<workdir>/.tmp`` could not be made. Now one line naming it, exit 2, like a file in the
way of ``local_outputs`` or ``logs``."""

from __future__ import annotations

from ctloop.cli import main

PARAMS = ["--param", "data.target=default", "--param", "data.time_column=application_date",
          "--param", "model_name=credit", "--cold"]


def test_a_file_named_tmp_in_the_workdir_is_one_line(tmp_path, capsys, monkeypatch):
    table = tmp_path / "credit.csv"
    table.write_text("application_date,x,default\n2025-01-01,1,0\n2025-01-02,2,1\n")
    work = tmp_path / "w"
    work.mkdir()
    (work / ".tmp").write_text("the user's\n")
    monkeypatch.chdir(work)
    assert main(["run", "--local", "--data", str(table), *PARAMS]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ".tmp" in err and "--workdir" in err, err
    assert (work / ".tmp").read_text() == "the user's\n"
