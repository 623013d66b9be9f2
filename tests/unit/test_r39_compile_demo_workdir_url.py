"""``run_demo`` called from Python (a notebook) with a workdir whose path holds '?' or '%'.

The demo's registry is ``sqlite:///<workdir>/mlflow.db``; SQLAlchemy 2.0 (``engine/url.py``
make_url) cuts that path at '?' and decodes '%XX'. `ctloop demo` refused such a --workdir (round
38), ``run_demo`` itself did not: it generated the data and ran the pipelines with the registry in a
file beside the workdir ('?') or failed in every task ('%'). It now refuses before anything is made.
`ctloop demo`'s refusal no longer suggests --tracking-uri, a flag the demo does not have.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ctloop.cli import main
from ctloop.demo import run_demo
from ctloop.errors import ConfigError


@pytest.fixture()
def generated(monkeypatch) -> list[int]:
    """The demo's first step, which a refusal must come before."""
    import ctloop.synthetic

    seen: list[int] = []

    def make(**kwargs):
        seen.append(kwargs.get("n_rows", 0))
        raise AssertionError("the demo went on past the workdir check")

    monkeypatch.setattr(ctloop.synthetic, "make_credit_data", make)
    return seen


@pytest.mark.parametrize("name", ["a?b", "runs?v=2", "pc%41"])
def test_run_demo_refuses_a_workdir_its_registry_url_cannot_carry(tmp_path, generated, name):
    with pytest.raises(ConfigError) as refused:
        run_demo(tmp_path / name, rows=2000)
    message = str(refused.value)
    assert message.startswith(f"workdir {tmp_path / name}:") and "sqlite:///" in message and "\n" not in message
    assert generated == [] and not (tmp_path / name).exists()


def test_a_relative_workdir_is_checked_where_it_resolves(tmp_path, generated, monkeypatch):
    here = tmp_path / "q?x"
    here.mkdir()
    monkeypatch.chdir(here)
    with pytest.raises(ConfigError, match="'\\?'"):
        run_demo(Path("demo-output"), rows=2000)
    assert generated == []


def test_the_cli_demo_names_no_flag_it_does_not_have(tmp_path, capsys, generated):
    assert main(["demo", "--workdir", str(tmp_path / "demo?x"), "--rows", "2000"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--workdir" in err and "--tracking-uri" not in err, err
