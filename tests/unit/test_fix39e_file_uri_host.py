"""``ctloop compile --output-dir file://build/x`` wrote the pipelines to /x at the filesystem root: a
file URI's authority is a host (RFC 8089 section 2: ``file://host/path``; empty or ``localhost``
is this machine), and ctloop kept only the path, dropping "build" without a word. ``run --local``
did the same with its file: parameters (``--data file://data/credit.csv`` read /credit.csv) and
``--workdir``. A file URI naming another host is now refused in one line naming the option and
the value (exit 2); ``file:///abs``, ``file://localhost/abs`` and ``file:/abs`` still work."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctloop.cli import main
from ctloop.cli.local import absolute_paths
from ctloop.errors import ConfigError
from tests.helpers import run_main


def _error_line(err: str) -> str:
    """The one error line (argparse's refusal of an option's value comes after its usage lines)."""
    (line,) = [x for x in err.splitlines() if x and not x.startswith(("usage:", " "))]
    return line


@pytest.mark.parametrize("host", ["build", "other-machine", "u@localhost:1"])
def test_compile_refuses_a_file_uri_of_another_host(tmp_path, monkeypatch, capsys, host):
    monkeypatch.chdir(tmp_path)
    target = f"file://{host}{tmp_path}/out"
    code, _, err = run_main(["compile", "--output-dir", target], capsys, 60)
    line = _error_line(err)
    assert code == 2 and "--output-dir" in line and repr(host.rpartition("@")[2]) in line, err  # a user: not shown
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("form", ["file://{p}", "file://localhost{p}", "file://LOCALHOST{p}", "file:{p}"])
def test_compile_takes_a_file_uri_of_this_machine(tmp_path, form):
    out = tmp_path / "out"
    assert main(["compile", "--output-dir", form.format(p=out)]) == 0
    assert (out / "rollout.yaml").is_file()


def test_run_local_refuses_a_file_uri_of_another_host(tmp_path, monkeypatch, capsys):
    import ctloop.local

    monkeypatch.setattr(ctloop.local, "run_pipeline_locally", lambda *a, **k: pytest.fail("ran"))
    table = tmp_path / "data" / "credit.csv"
    table.parent.mkdir()
    table.write_text("application_date,x,default\n2025-01-01,1,0\n2025-01-02,2,1\n")
    monkeypatch.chdir(tmp_path)
    given = "file://data/credit.csv"  # meant data/credit.csv
    code, _, err = run_main(["run", "--local", "--data", given, "--workdir", str(tmp_path / "w"), "--param",
                             "data.target=default", "--param", "data.time_column=application_date", "--param",
                             "model_name=credit"], capsys, 60)
    line = _error_line(err)
    assert code == 2 and "--data" in line and given in line, err
    code, _, err = run_main(["run", "--local", "--data", str(table), "--workdir", "file://w/x"], capsys, 60)
    line = _error_line(err)
    assert code == 2 and "--workdir" in line and "file://w/x" in line, err


def test_absolute_paths_refuses_a_parameter_of_another_host(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"scoring\.output file://out/x"):
        absolute_paths({"scoring": {"output": "file://out/x"}})
    params = absolute_paths({"scoring": {"output": "file://localhost/abs/x"}})
    assert params["scoring"]["output"] == str(Path("/abs/x"))
