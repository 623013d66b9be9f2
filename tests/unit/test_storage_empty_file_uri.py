"""``file:`` alone (a URI with no path) was read as a local directory named "file:"; every output
written under it is joined as ``file:/name`` — a file URI of the root directory. ``ctloop drift
--output file:`` wrote /drift.json, ``labels report`` /realized.csv, ``labels ingest --store
file:`` /labels/, ``score --output file:`` /part-*.parquet. It is refused, naming it."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.errors import ConfigError


@pytest.mark.parametrize("uri", ["file:", "FILE:", "file: ", " file:",
                                 # review revB b2.py: 'file://' + '/drift.json' is file:///drift.json
                                 "file://", "FILE://", "file:// ", "file://localhost", "file://?x"])
def test_file_scheme_without_a_path_is_refused(uri):
    with pytest.raises(ConfigError, match=r"names no path"):
        storage.scheme(uri)
    with pytest.raises(ConfigError, match=r"names no path"):
        storage.check_output_dir(uri, name="--output")


@pytest.mark.parametrize("uri", ["file:///tmp/x", "file:/tmp/x", "file:x", "./file:", "file://localhost/tmp/x",
                                 "./file://"])
def test_file_uris_with_a_path_are_still_read(uri):
    assert storage.scheme(uri) == "file"


@pytest.mark.parametrize("uri", ["file:", "file://", "FILE://"])
def test_the_cli_refuses_it_before_writing(uri, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "l.csv").write_text("request_id,label\nr1,1\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["labels", "ingest", "--labels", str(tmp_path / "l.csv"), "--store", uri])
    err = capsys.readouterr().err.strip().splitlines()
    assert exc.value.code == 2 and "--store" in err[-1] and repr(uri) in err[-1] and "names no path" in err[-1]


def test_a_pipeline_parameter_naming_no_path_is_refused():
    from ctloop.config import MonitoringConfig

    with pytest.raises(ConfigError, match=r"log_root.*names no path"):
        MonitoringConfig.from_dict({"log_root": "file:"})
