"""`ctloop run --local` / `ctloop demo` with a --workdir whose path has '?' or '%'.

The local registry is ``sqlite:///<workdir>/mlflow.db``, and SQLAlchemy (2.0 ``engine/url.py``
make_url) cuts the database path at '?' (the rest is the URL's query) and decodes '%XX': with
--workdir 'runs?v=2' the registry was written to a file 'runs' beside the workdir (the artifacts
inside it), with --workdir 'pc%41' the run failed after minutes, in every task, with SQLAlchemy's
"unable to open database file". Every other character reaches the database path as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ctloop.cli import main

PARAMS = ["--param", "data.target=default", "--param", "data.time_column=application_date",
          "--param", "model_name=credit"]


@pytest.fixture()
def table(tmp_path) -> Path:
    path = tmp_path / "credit.csv"
    path.write_text("application_date,x,default\n2025-01-01,1,0\n2025-01-02,2,1\n")
    return path


@pytest.fixture()
def runs(monkeypatch) -> list[dict]:
    """What would have run (kfp.local and the demo stand in: the refusal comes before either)."""
    import ctloop.demo
    import ctloop.local
    from ctloop.local import LocalRun

    seen: list[dict] = []

    def ran(func, params, *, workdir, **_):
        seen.append({"workdir": Path(workdir), "tracking_uri": params["tracking_uri"]})
        return LocalRun("continuous-training", Path(workdir), Path(workdir) / "x.log", 0.1, True)

    def demo(workdir, **_):
        seen.append({"workdir": workdir})
        return 0

    monkeypatch.setattr(ctloop.local, "run_pipeline_locally", ran)
    monkeypatch.setattr(ctloop.demo, "run_demo", demo)
    return seen


@pytest.mark.parametrize("name", ["runs?v=2", "pc%41"])
def test_a_workdir_the_sqlite_url_would_cut_is_refused_in_one_line(tmp_path, capsys, table, runs, name):
    workdir = tmp_path / "w" / name
    assert main(["run", "--local", "--data", str(table), "--workdir", str(workdir), *PARAMS]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--workdir" in err and "--tracking-uri" in err, err
    assert runs == [] and not (tmp_path / "w").exists()


def test_the_demo_refuses_it_too(tmp_path, capsys, runs):
    assert main(["demo", "--workdir", str(tmp_path / "demo?x"), "--rows", "2000"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--workdir" in err, err
    assert runs == []


def test_with_its_own_tracking_uri_the_workdir_may_have_them(tmp_path, table, runs):
    db = tmp_path / "reg" / "mlflow.db"
    assert main(["run", "--local", "--data", str(table), "--workdir", str(tmp_path / "runs?v=2"),
                 "--tracking-uri", f"sqlite:///{db}", *PARAMS]) == 0
    assert runs == [{"workdir": tmp_path / "runs?v=2", "tracking_uri": f"sqlite:///{db}"}]


def test_other_characters_reach_the_default_registry_as_they_are(tmp_path, table, runs):
    workdir = tmp_path / "a b#c@d:e"
    assert main(["run", "--local", "--data", str(table), "--workdir", str(workdir), *PARAMS]) == 0
    assert runs == [{"workdir": workdir, "tracking_uri": f"sqlite:///{workdir / 'mlflow.db'}"}]
