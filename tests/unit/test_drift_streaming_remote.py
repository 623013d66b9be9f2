"""Streaming drift over object stores: a hive-partitioned prefix on the GCS emulator, moto's S3
server and Azurite (tests/fixtures/object_stores.py), read through ``ctloop.storage.filesystem``,
gives the same verdict as the same files on local disk."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from ctloop.drift import streaming
from tests.fixtures.object_stores import fresh_bucket
from tests.fixtures.servers import dead_port

pytestmark = pytest.mark.slow


@pytest.fixture(params=("gs", "s3", "az"))
def remote_root(request, stores, monkeypatch, tmp_path):
    """A fresh bucket on one store; the environment holds exactly that store's settings."""
    return fresh_bucket(stores[request.param], monkeypatch, tmp_path / "home", "ctloop")


def write_side(root: str, shift: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for day in ("2026-12-01", "2026-12-02"):
        frame = pd.DataFrame({"x": rng.normal(shift, 1, 3000), "c": rng.choice(["a", "b", "c"], 3000)})
        storage.write_table(frame, f"{root}/model=m/date={day}/part-0.parquet")


def test_remote_prefix_streams_like_local_disk(remote_root, tmp_path, capsys, monkeypatch):
    for root in (remote_root, str(tmp_path / "local")):
        write_side(f"{root}/ref", 0.0, 1)
        write_side(f"{root}/cur", 0.5, 2)
    remote = streaming.detect_sources(f"{remote_root}/ref", f"{remote_root}/cur/model=m/date=*")
    local = streaming.detect_sources(str(tmp_path / "local" / "ref"),
                                     str(tmp_path / "local" / "cur" / "model=m" / "date=*"))  # fmt: skip
    assert remote.info["reference"]["files"] == 2 and remote.info["current"]["rows"] == 6000
    assert remote.result.to_dict() == local.result.to_dict()
    assert [c.column for c in remote.result.columns] == ["x", "c"]  # model/date: layout
    assert streaming.choose_engine("auto", f"{remote_root}/ref", f"{remote_root}/cur") == "stream"
    out = tmp_path / "out"
    code = main(["drift", "--reference", f"{remote_root}/ref", "--current", f"{remote_root}/cur",
                 "--quiet", "--no-report", "--output", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    saved = json.loads((out / "drift.json").read_text())
    assert saved["engine"] == "ctloop-streaming" and saved["current"]["rows"] == 6000
    assert [c["drifted"] for c in saved["columns"]] == [c.drifted for c in local.result.columns]
    # --output on the object store too (not a local directory named after the URI)
    monkeypatch.chdir(tmp_path)
    code = main(["drift", "--reference", f"{remote_root}/ref", "--current", f"{remote_root}/cur",
                 "--quiet", "--no-report", "--output", f"{remote_root}/out"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    stored = json.loads(storage.read_bytes(f"{remote_root}/out/drift.json"))
    assert stored["columns"] == saved["columns"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(":")]


def test_missing_remote_prefix_is_one_line(remote_root, capsys):
    code = main(["drift", "--reference", f"{remote_root}/nothing", "--current", f"{remote_root}/none",
                 "--engine", "stream", "--quiet", "--no-report"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "nothing does not exist" in err, err
    assert len(err.strip().splitlines()) == 1


def test_remote_files_are_checked_one_by_one(remote_root, capsys):
    """Each object's footer is read (several at a time): a whole-number file and a fractional one
    are read as float64; an object without a compared column is refused, naming it."""
    rng = np.random.default_rng(3)
    storage.write_table(pd.DataFrame({"x": rng.integers(0, 9, 100), "c": ["a"] * 100}), f"{remote_root}/ref/a.parquet")
    storage.write_table(pd.DataFrame({"x": rng.random(100), "c": ["b"] * 100}), f"{remote_root}/ref/b.parquet")
    storage.write_table(pd.DataFrame({"c": ["a"] * 100}), f"{remote_root}/cur/a.parquet")
    storage.write_table(pd.DataFrame({"x": rng.random(100), "c": ["b"] * 100}), f"{remote_root}/cur/b.parquet")
    run = streaming.detect_sources(f"{remote_root}/ref", f"{remote_root}/ref")
    assert run.reference.rows == 200 and not run.result.drifted
    code = main(["drift", "--reference", f"{remote_root}/ref", "--current", f"{remote_root}/cur",
                 "--engine", "stream", "--quiet", "--no-report"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "cur/a.parquet has no column 'x', a compared column" in err, err


def _refused_or_unreachable(kind: str, stores) -> dict[str, str]:
    """Settings that make every request fail: a wrong Azurite account key (Azurite checks the
    signature); for S3 and GCS (moto and the emulator check none) an endpoint nothing listens on."""
    from tests.fixtures.object_stores import AZURITE_KEY, s3_env

    if kind == "az":
        wrong = AZURITE_KEY[:-4] + "AAA="
        return {"AZURE_STORAGE_CONNECTION_STRING":
                stores["az"].env["AZURE_STORAGE_CONNECTION_STRING"].replace(AZURITE_KEY, wrong)}
    dead = f"http://127.0.0.1:{dead_port()}"
    return s3_env(dead) if kind == "s3" else {"STORAGE_EMULATOR_HOST": dead}


SETTING = {"s3": "AWS_ENDPOINT_URL_S3", "gs": "STORAGE_EMULATOR_HOST", "az": "AZURE_STORAGE_CONNECTION_STRING"}


def test_refused_credentials_or_an_unreachable_store_are_one_line_naming_the_setting(remote_root, stores,
                                                                                     monkeypatch, capsys):
    """The streamed path asked pyarrow first (get_file_info) and its OSError came out as a
    traceback with exit 1: drift --engine stream, the memory engine on a directory, ctloop score."""
    from ctloop import scoring
    from ctloop.errors import CtloopError

    write_side(f"{remote_root}/ref", 0.0, 1)
    kind = remote_root.split("://")[0]
    # what is checked is the one line naming the setting, not how long GCS is retried (the bound
    # itself: tests/integration/test_storage.py): 1 s of retries per call, not 10 s x 3 calls
    monkeypatch.setattr(storage, "GCS_RETRY_DEADLINE_S", 1.0)
    for name, value in _refused_or_unreachable(kind, stores).items():
        monkeypatch.setenv(name, value)
    for engine in ("stream", "memory"):
        code = main(["drift", "--reference", f"{remote_root}/ref", "--current", f"{remote_root}/ref",
                     "--engine", engine, "--quiet", "--no-report"])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert err.startswith("error: ") and f"{remote_root}/ref" in err and SETTING[kind] in err, err
    with pytest.raises(CtloopError, match=f"^data: .*{remote_root}/ref.*{SETTING[kind]}"):
        scoring.open_input(f"{remote_root}/ref")


def test_remote_csv_compression_is_told_by_the_bytes_not_the_name(remote_root, capsys):
    """A gzipped x.csv (as `gsutil cp -z` stores it) and a plain y.csv.gz on an object store stream
    like the memory engine reads them (tests/unit/test_drift_streaming.py has the local case)."""
    import gzip

    frame = pd.DataFrame({"x": np.arange(500) / 7, "c": ["a", "b"] * 250})
    text = frame.to_csv(index=False).encode()
    storage.write_bytes(f"{remote_root}/ref/x.csv", gzip.compress(text))
    storage.write_bytes(f"{remote_root}/ref/y.csv.gz", text)
    run = streaming.detect_sources(f"{remote_root}/ref", f"{remote_root}/ref/x.csv")
    assert (run.reference.rows, run.current.rows) == (1000, 500) and not run.result.drifted
    code = main(["drift", "--reference", f"{remote_root}/ref/y.csv.gz", "--current", f"{remote_root}/ref/x.csv",
                 "--engine", "stream", "--quiet", "--no-report"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
