"""``ctloop run --local --data file:/abs/credit.csv`` (a file URI with one slash, RFC 8089's short
form, which ctloop's storage reads as /abs/credit.csv) passed the pre-run check, and then
``absolute_paths`` — meant for relative paths — took it for one, because it has no '://': the
tasks were given ``<cwd>/file:/abs/credit.csv``, a file that does not exist, and the run failed in
its first step. A file URI is now made absolute as the path it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctloop.cli import main
from ctloop.cli.local import absolute_paths

PARAMS = ["--param", "data.target=default", "--param", "data.time_column=application_date",
          "--param", "model_name=credit"]


@pytest.fixture()
def runs(monkeypatch) -> list[dict]:
    import ctloop.local
    from ctloop.local import LocalRun

    seen: list[dict] = []

    def ran(func, params, *, workdir, **_):
        seen.append(params)
        return LocalRun("continuous-training", Path(workdir), Path(workdir) / "x.log", 0.1, True)

    monkeypatch.setattr(ctloop.local, "run_pipeline_locally", ran)
    return seen


def test_a_one_slash_file_uri_reaches_the_tasks_as_its_path(tmp_path, runs, monkeypatch):
    table = tmp_path / "credit.csv"
    table.write_text("application_date,x,default\n2025-01-01,1,0\n2025-01-02,2,1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--local", "--data", f"file:{table}", "--workdir", str(tmp_path / "w"), *PARAMS]) == 0
    assert runs[0]["data"]["uri"] == str(table)


@pytest.mark.parametrize("given,expected", [("rel/x", "{cwd}/rel/x"), ("file:/abs/x", "/abs/x"),
                                            ("file:///abs/x", "/abs/x"), ("s3://b/x", "s3://b/x"),
                                            ("gs://b/x", "gs://b/x")])
def test_absolute_paths_of_each_form(tmp_path, monkeypatch, given, expected):
    monkeypatch.chdir(tmp_path)
    params = absolute_paths({"scoring": {"output": given}})
    assert params["scoring"]["output"] == expected.format(cwd=Path.cwd())

