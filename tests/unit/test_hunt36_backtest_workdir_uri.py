"""``ctloop run --local --workdir s3://b/w`` ran the pipeline in a local directory ``s3:/b/w``
(``Path`` folds the ``//``): outputs the user looked for in the bucket. An object-store --workdir is
refused in one line before anything runs; a ``file://`` URI is its local path. ``ctloop demo`` too."""

from pathlib import Path

import pytest

from ctloop.cli import main


@pytest.mark.parametrize("workdir", ["s3://bucket/work", "gs://bucket/work"])
def test_run_local_refuses_an_object_store_workdir(tmp_path, monkeypatch, capsys, workdir):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "events.csv").write_text("ts,a,y\n2024-01-01,1,0\n2024-01-02,2,1\n")
    code = main(["run", "--local", "--workdir", workdir, "--data", "events.csv", "--param", "model_name=m",
                 "--param", "data.target=y", "--param", "data.time_column=ts"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == (f"error: --workdir {workdir}: name a local directory; the local runner "
                                         "writes its outputs, logs and sqlite registry on this machine")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]


def test_demo_refuses_an_object_store_workdir(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--workdir", "gs://bucket/demo", "--rows", "200"]) == 2
    assert capsys.readouterr().err.startswith("error: --workdir gs://bucket/demo: name a local directory")
    assert list(tmp_path.iterdir()) == []


def test_a_file_uri_workdir_is_its_path(tmp_path):
    from ctloop.cli.local import _local_dir

    assert _local_dir(f"file://{tmp_path}/w") == tmp_path / "w"
    assert _local_dir("demo-output") == Path("demo-output")
