"""``ctloop run --local``: ``--param tracking_uri=URI`` is checked as ``--tracking-uri`` is, before the
run starts: ``nosuch://x`` ran the pipeline, wrote its outputs under --workdir and failed the first
MLflow step ~15 s later with ``UnsupportedModelRegistryStoreURIException``."""

from __future__ import annotations

import pytest

from ctloop.cli import main


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("nosuch://x", "must start with"),
        ("http://user:s3cret@mlflow:99x", "is not a URL"),
        ("1", "must be text"),
    ],
    ids=["unknown-scheme", "bad-port", "a-number"],
)
def test_a_bad_tracking_uri_param_is_refused_before_the_run(value, said, tmp_path, capsys):
    workdir = tmp_path / "w"
    code = main(
        [
            "run",
            "--local",
            "--workdir",
            str(workdir),
            "--param",
            "model_name=m",
            "--param",
            f"tracking_uri={value}",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith("error: --param tracking_uri: ") and said in err and "\n" not in err, err
    assert "s3cret" not in err
    assert not workdir.exists()


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("continous-training", "did you mean 'continuous-training'?"),
        ("batch_scoring", "did you mean 'batch-scoring'?"),
        ("xyz", "choose one of batch-scoring, continuous-training, monitoring, rollout"),
    ],
    ids=["typo", "underscore", "unrelated"],
)
def test_an_unknown_pipeline_names_the_flag_and_the_closest(name, said, tmp_path, capsys):
    """``--pipeline continous-training`` listed every pipeline without naming the flag or the one meant."""
    assert main(["run", "--local", "--workdir", str(tmp_path / "w"), "--pipeline", name]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: --pipeline: unknown pipeline {name!r}; {said}", err
    assert not (tmp_path / "w").exists()
