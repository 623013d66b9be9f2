"""``ctloop score --run-id``: the run id names the output files (part-<run id>-<chunk>.parquet); a
bad one is refused by argparse naming the flag and the value (exit 2), before any store is opened —
it was "error: run_id: '../x' must be ...", naming a field the user never typed."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize(
    "bad",
    ["../x", "a/b", ".hidden", "x" * 129, "run\nid", "-x"],
    ids=["parent", "slash", "dot-first", "too-long", "newline", "dash-first"],
)
def test_a_bad_run_id_is_refused_naming_the_flag(bad, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "score",
                "--model-name",
                "credit",
                "--data",
                str(tmp_path / "d.parquet"),
                "--output",
                str(out),
                "--tracking-uri",
                str(tmp_path / "mlruns"),
                f"--run-id={bad}",
            ]
        )
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "argument --run-id: must be 1-128 letters" in err and "got" in err, err
    assert not out.exists() and not (tmp_path / "mlruns").exists()


@pytest.mark.parametrize(
    ("alias", "said"),
    [
        ("bad alias!", "must be an MLflow alias"),
        ("", "must be an MLflow alias"),
        ("latest", "is reserved by MLflow"),
        ("V3", "is reserved by MLflow"),
        ("x" * 256, "must be an MLflow alias"),
    ],
    ids=["blank-and-bang", "empty", "latest", "version", "too-long"],
)
def test_an_alias_no_version_can_have_is_refused(alias, said, tmp_path, capsys):
    """``scoring.alias``/``--alias`` by MLflow's rule (mlflow 3.17.2 ``utils/validation.py``
    ``_validate_model_alias_name``, ``_validate_model_alias_name_reserved``): it validated, and the
    scheduled batch-scoring run failed with "has no alias" night after night."""
    from ctloop.config import ScoringConfig
    from ctloop.errors import ConfigError

    with pytest.raises(ConfigError, match=rf"^scoring\.alias: {said}"):
        ScoringConfig.from_dict(
            {"data": "/tmp/in", "output": "/tmp/out", "alias": alias}, "scoring"
        )
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "score",
                "--model-name",
                "credit",
                "--data",
                str(tmp_path / "d.parquet"),
                "--output",
                str(tmp_path / "out"),
                f"--alias={alias}",
            ]
        )
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"argument --alias: {said}" in err, err


@pytest.mark.parametrize("alias", ["champion", "challenger-2", "prod_eu", "vnext", "champion_ü"])
def test_aliases_mlflow_takes_pass(alias):
    from ctloop.config import ScoringConfig

    assert (
        ScoringConfig.from_dict({"data": "/tmp/in", "output": "/tmp/out", "alias": alias}).alias
        == alias
    )
