"""``ctloop logger import``'s import record: what makes an object "already imported".

* Content, not metadata. What the stores change on a metadata-only update, checked on the
  emulators (Azurite 3.37.0, gcp-storage-emulator, moto 5.2.5) and in the upstream docs:
  Azure's ETag changes with Set Blob Metadata and Set Blob Properties, and Set Blob Properties
  without ``x-ms-blob-content-md5`` clears Content-MD5 (REST reference "Set Blob Properties":
  "If this property is not specified on the request, then the property will be cleared");
  on GCS the JSON API's ``etag`` changes with the metadata (docs "Hashes and ETags"), while
  ``generation`` changes only when the data is replaced and ``md5Hash`` is the data's (JSON API
  "Objects" resource; absent for composite objects). gcp-storage-emulator writes ``etag`` as the
  MD5 and never changes it, so the GCS test gives the listing real GCS's etag.
* Bounded: the record holds the objects of the current listing only.
* Keyed on the source, however it is written: ``s3://b//x`` (storage: the same prefix as
  ``s3://b/x``), a trailing ``/``, ``file://`` or a relative path; records of ctloop before this
  (format ``ctloop.kserve-blob-import/1``, keys as the URI was sliced, ``file://`` names not
  percent-encoded before 93bb076) are taken over, not imported again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from ctloop.inference_log.blob_import import ledger_name, run_import
from tests.inference_log.support import parquet_rows
from tests.inference_log.test_blob_import import PREFIX, log_request, write_pair
from tests.inference_log.test_blob_import import s3 as _moto_s3

s3 = _moto_s3  # the fixture: moto's S3 server and a bucket


def record(root: Path | str, source: str) -> dict:
    """The import record of ``source``, its checkpoint files merged oldest first."""
    from ctloop import storage

    merged: dict = {}
    for part in storage.list_files(f"{root}/_imports/{ledger_name(source)}", ".json"):
        merged.update(json.loads(storage.read_bytes(part))["objects"])
    return merged


def test_a_touched_file_is_not_imported_again_but_a_changed_one_is(tmp_path):
    src, root = tmp_path / "src", tmp_path / "log"
    for i in range(2):
        write_pair(src, i)
    run_import(str(src), str(root))
    touched = src / PREFIX / "id-0000-request.json"
    os.utime(touched, ns=(10**18, 10**18))  # cp without -p, a restore: new mtime, same bytes
    summary = run_import(str(src), str(root))
    assert (summary.imported, summary.already) == (0, 4)
    assert sorted(parquet_rows(root).request_id) == ["id-0000", "id-0001"]  # not twice
    data = touched.read_bytes()
    touched.write_bytes(data.replace(b"id-0000", b"id-0009"))  # same size, other content
    os.utime(touched, ns=(2 * 10**18, 2 * 10**18))
    summary = run_import(str(src), str(root))
    assert (summary.imported, summary.already) == (1, 3)
    assert "id-0009" in set(parquet_rows(root).request_id)


@pytest.fixture
def azurite_store(tmp_path, monkeypatch):
    from tests.fixtures.object_stores import (
        Store,
        azurite,
        azurite_connection_string,
        create_bucket,
        isolated_env,
    )
    from tests.fixtures.servers import free_port

    with azurite(tmp_path / "azurite") as url:
        env = {**isolated_env(tmp_path / "home", free_port()),
               "AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(url)}
        for name in [k for k in os.environ if k not in env]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        store = Store("az", url, {"AZURE_STORAGE_CONNECTION_STRING": env["AZURE_STORAGE_CONNECTION_STRING"]})
        yield store, create_bucket(store)


def put_pairs(store, bucket: str, n: int) -> None:
    from tests.fixtures.object_stores import sdk_put

    for i in range(n):
        for kind in ("request", "response"):
            sdk_put(store, bucket, f"{PREFIX}/id-{i:04d}-{kind}.json", json.dumps(log_request(i, kind)).encode())


def log_rows(root: str):
    import io

    import pandas as pd

    from ctloop import storage

    return pd.concat([pd.read_parquet(io.BytesIO(storage.read_bytes(uri)))
                      for uri in storage.list_files(root, ".parquet")])


def test_azure_metadata_and_properties_changes_are_not_imported_again(azurite_store, monkeypatch):
    from azure.storage.blob import ContentSettings

    from tests.fixtures.object_stores import _sdk

    store, container = azurite_store
    put_pairs(store, container, 3)
    source, root = f"az://{container}/logs", f"az://{container}/inference-log"
    assert run_import(source, root).imported == 6
    blobs = _sdk(store).get_container_client(container)
    blobs.get_blob_client(f"{PREFIX}/id-0000-request.json").set_blob_metadata({"reviewed": "yes"})  # new ETag
    # Set Blob Properties without the MD5: new ETag, Content-MD5 cleared (the bytes are read and compared)
    blobs.get_blob_client(f"{PREFIX}/id-0001-request.json").set_http_headers(
        ContentSettings(content_type="application/json"))
    assert not blobs.get_blob_client(f"{PREFIX}/id-0001-request.json").get_blob_properties() \
        .content_settings.content_md5
    # a Content-MD5 set wrong (Azure does not check it): the bytes decide
    blobs.get_blob_client(f"{PREFIX}/id-0002-request.json").set_http_headers(
        ContentSettings(content_type="application/json", content_md5=bytearray(16)))
    summary = run_import(source, root)
    assert (summary.imported, summary.already) == (0, 6)
    assert sorted(log_rows(root).request_id) == ["id-0000", "id-0001", "id-0002"]
    from ctloop import storage

    real, read = storage.read_bytes, []
    monkeypatch.setattr(storage, "read_bytes", lambda uri: read.append(uri) or real(uri))
    summary = run_import(source, root)  # the record now holds the new ETags: nothing is read
    assert (summary.imported, summary.already, [uri for uri in read if "/logs/" in uri]) == (0, 6, [])
    monkeypatch.setattr(storage, "read_bytes", real)
    blobs.upload_blob(f"{PREFIX}/id-0002-request.json", json.dumps(log_request(7, "request")).encode(),
                      overwrite=True)  # replaced: read again
    assert run_import(source, root).imported == 1


def test_gcs_metadata_changes_and_a_same_content_rewrite_are_not_imported_again(gcs, gcs_bucket, monkeypatch):
    from ctloop import storage

    client = storage.gcs_client()
    bucket = client.bucket(gcs_bucket)
    for i in range(2):
        for kind in ("request", "response"):
            bucket.blob(f"{PREFIX}/id-{i:04d}-{kind}.json").upload_from_string(json.dumps(log_request(i, kind)))
    listed = storage.list_objects(f"gs://{gcs_bucket}/logs")[0]
    (blob,) = [b for b in bucket.list_blobs() if listed.uri.endswith(b.name)][:1]
    generation = str(blob.generation)
    assert (listed.md5, listed.generation) == (hashlib.md5(blob.download_as_bytes()).hexdigest(), generation)
    real = storage.list_objects

    def real_gcs_etags(prefix, **options):  # real GCS: the etag follows generation and metageneration
        metagenerations = {b.name: b.metageneration for b in bucket.list_blobs()}
        return [storage.ObjectInfo(o.uri, o.size, f"{o.generation}/{metagenerations[o.uri.split('/', 3)[3]]}",
                                   "" if "id-0000-response" in o.uri else o.md5,  # composite: no md5Hash
                                   o.generation) for o in real(prefix, **options)]

    monkeypatch.setattr(storage, "list_objects", real_gcs_etags)
    source, root = f"gs://{gcs_bucket}/logs", f"gs://{gcs_bucket}/inference-log"
    assert run_import(source, root).imported == 4
    patched = bucket.get_blob(f"{PREFIX}/id-0000-request.json")
    patched.metadata, patched.content_type = {"reviewed": "yes"}, "application/json"
    patched.patch()  # metageneration + 1
    rewritten = bucket.blob(f"{PREFIX}/id-0001-request.json")
    rewritten.upload_from_string(json.dumps(log_request(1, "request")))  # a new generation, the same bytes
    composite = bucket.get_blob(f"{PREFIX}/id-0000-response.json")
    composite.metadata = {"reviewed": "yes"}
    composite.patch()  # the same generation: not even read
    read, real_read = [], storage.read_bytes
    monkeypatch.setattr(storage, "read_bytes", lambda uri: read.append(uri) or real_read(uri))
    summary = run_import(source, root)
    assert (summary.imported, summary.already) == (0, 4)
    assert not [uri for uri in read if uri.endswith("id-0000-response.json")]
    monkeypatch.setattr(storage, "read_bytes", real_read)
    assert sorted(log_rows(root).request_id) == ["id-0000", "id-0001"]


def test_the_record_holds_the_current_listing_only(tmp_path):
    """Objects gone from the source (a lifecycle rule) leave the record; those still there are
    never read again."""
    src, root = tmp_path / "src", tmp_path / "log"
    for i in range(10):
        write_pair(src, i)
    run_import(str(src), str(root), checkpoint_objects=3)
    assert len(record(root, str(src))) == 20
    for i in range(6):
        for kind in ("request", "response"):
            (src / PREFIX / f"id-{i:04d}-{kind}.json").unlink()
    summary = run_import(str(src), str(root))  # a run with nothing to read compacts too
    assert (summary.imported, summary.already) == (0, 8)
    assert sorted(record(root, str(src))) == sorted(f"{PREFIX}/id-{i:04d}-{kind}.json" for i in range(6, 10)
                                                    for kind in ("request", "response"))
    assert len(list((root / "_imports" / ledger_name(str(src))).glob("*.json"))) == 1
    write_pair(src, 10)
    summary = run_import(str(src), str(root))
    assert (summary.imported, summary.already) == (2, 8)
    assert len(parquet_rows(root)) == 11


def test_every_spelling_of_an_s3_prefix_is_one_record(s3, capsys):
    store, bucket = s3
    put_pairs(store, bucket, 2)
    root = f"s3://{bucket}/inference-log"
    assert run_import(f"s3://{bucket}/logs", root).imported == 4
    for spelling in (f"s3://{bucket}//logs", f"s3://{bucket}/logs/", f"s3://{bucket}///logs//"):
        summary = run_import(spelling, root)
        assert (spelling, summary.imported, summary.already) == (spelling, 0, 4)
    assert sorted(record(root, f"s3://{bucket}/logs")) == sorted(
        f"ctloop/credit-default/predictor/logger/id-{i:04d}-{k}.json" for i in range(2) for k in ("request", "response"))


def test_abfs_and_abfss_of_one_container_are_one_record():
    """``abfs://`` and ``abfss://`` (storage.parse reads both as the same Azure container and
    account) were two records: switching the spelling read every object again."""
    from ctloop.inference_log.blob_import import source_id

    spellings = ["abfss://logs@acct.dfs.core.windows.net/kserve", "abfs://logs@acct.dfs.core.windows.net/kserve/",
                 "ABFSS://logs@acct.dfs.core.windows.net//kserve"]
    assert {ledger_name(s) for s in spellings} == {ledger_name(spellings[0])}
    assert source_id(spellings[0]) == "az://logs@acct/kserve"
    assert ledger_name("abfss://logs@other.dfs.core.windows.net/kserve") != ledger_name(spellings[0])
    assert source_id("az://logs/kserve/") == "az://logs/kserve"


def old_record(root: Path, source: str, objects: dict) -> Path:
    """A record as ctloop wrote it before (LEDGER_FORMAT ``ctloop.kserve-blob-import/1``): one
    directory per URI as given (``rstrip('/')``), keys sliced from the listed URIs."""
    name = "kserve-" + hashlib.sha256(source.rstrip("/").encode()).hexdigest()[:16]
    path = root / "_imports" / name / "checkpoint-20261101T000000000000Z-0123abcd.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": "ctloop.kserve-blob-import/1", "source": source.rstrip("/"),
                                "kserve": "v0.20.0", "written": "2026-11-01T00:00:00+00:00", "objects": objects}))
    return path


def local_etag(path: Path) -> str:
    st = path.stat()
    return f"{st.st_mtime_ns:x}-{st.st_size:x}"


@pytest.mark.parametrize("encoded", [False, True], ids=["before-93bb076", "since-93bb076"])
def test_an_old_file_uri_record_is_taken_over(tmp_path, encoded):
    """``file://`` listings percent-encode names since 93bb076: a record written before it keys
    ``a b#1-request.json``, one written since ``a%20b%231-request.json``; a URI given as
    ``file://`` and as a path are one source."""
    from urllib.parse import quote

    src, root = tmp_path / "src", tmp_path / "log"
    base = src / PREFIX
    base.mkdir(parents=True)
    names = ["a b#1-request.json", "a b#1-response.json"]
    for name, kind in zip(names, ("request", "response"), strict=True):
        (base / name).write_text(json.dumps(log_request(1, kind)))
    old = old_record(root, src.as_uri(), {
        (quote(f"{PREFIX}/{name}") if encoded else f"{PREFIX}/{name}"): {"etag": local_etag(base / name), "size":
                                                                         (base / name).stat().st_size}
        for name in names})
    for spelling in (src.as_uri(), str(src), f"{src}/"):
        summary = run_import(spelling, str(root))
        assert (summary.imported, summary.already) == (0, 2)
    assert not old.exists()  # taken over, then removed
    assert sorted(record(root, str(src))) == [f"{PREFIX}/{name}" for name in names]


def test_a_relative_path_and_its_absolute_path_are_one_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_pair(tmp_path / "src", 0)
    assert run_import("src", "log").imported == 2
    summary = run_import(str(tmp_path / "src"), str(tmp_path / "log"))
    assert (summary.imported, summary.already) == (0, 2)
    assert len(parquet_rows(tmp_path / "log")) == 1


def test_a_root_written_with_a_doubled_slash_is_still_not_read_back(s3):
    """``--root s3://b//log`` writes under ``log/`` (storage: ``s3://b//x`` is ``s3://b/x``);
    importing ``s3://b`` must leave the log's own Parquet and records out however the root is
    spelled."""
    store, bucket = s3
    put_pairs(store, bucket, 2)
    root = f"s3://{bucket}//inference-log"
    assert run_import(f"s3://{bucket}", root).imported == 4
    summary = run_import(f"s3://{bucket}", root)
    assert (summary.listed, summary.already, dict(summary.objects_skipped)) == (4, 4, {})


def test_an_old_s3_record_of_another_spelling_is_taken_over(s3, tmp_path):
    """ctloop before sliced a record's keys from the listed URI after the URI as given: under
    ``s3://b///logs`` (two characters longer than the listed ``s3://b/logs/…``) the keys lost
    their first letters. Those records are matched by the names they gave."""
    store, bucket = s3
    put_pairs(store, bucket, 2)
    from ctloop import storage

    spelled = f"s3://{bucket}///logs"
    listed = storage.list_objects(f"s3://{bucket}/logs")
    old = old_record(tmp_path / "log", spelled, {
        info.uri[len(spelled):].lstrip("/"): {"etag": info.etag, "size": info.size} for info in listed})
    assert sorted(json.loads(old.read_text())["objects"])[0].startswith("tloop/credit-default/")
    summary = run_import(f"s3://{bucket}/logs", str(tmp_path / "log"))
    assert (summary.imported, summary.already) == (0, 4)
    assert not old.exists() and len(record(tmp_path / "log", f"s3://{bucket}/logs")) == 4


def test_an_old_azure_record_gains_the_listed_md5_so_a_later_metadata_change_is_no_change(azurite_store, tmp_path):
    from ctloop import storage
    from tests.fixtures.object_stores import _sdk

    store, container = azurite_store
    put_pairs(store, container, 1)
    source, root = f"az://{container}/logs", tmp_path / "log"
    old_record(root, source, {record_key: {"etag": info.etag, "size": info.size} for info in storage.list_objects(source)
                              for record_key in [info.uri[len(source):].lstrip("/")]})
    assert run_import(source, str(root)).already == 2
    assert all(len(entry["md5"]) == 32 for entry in record(root, source).values())  # from Content-MD5
    _sdk(store).get_container_client(container).get_blob_client(f"{PREFIX}/id-0000-request.json") \
        .set_blob_metadata({"reviewed": "yes"})
    summary = run_import(source, str(root))
    assert (summary.imported, summary.already) == (0, 2)


def test_a_file_uri_root_keeps_its_record_in_the_root(tmp_path, monkeypatch):
    """``--root file:///…``: the record went to ``./file:/…`` under the working directory
    (``Path('file:///x')`` is ``file:/x``), was never found, and every run imported everything again."""
    monkeypatch.chdir(tmp_path)
    write_pair(tmp_path / "src", 0)
    root = (tmp_path / "log").as_uri()
    assert run_import(str(tmp_path / "src"), root).imported == 2
    summary = run_import(str(tmp_path / "src"), root)
    assert (summary.imported, summary.already) == (0, 2)
    assert not (tmp_path / "file:").exists() and len(record(tmp_path / "log", str(tmp_path / "src"))) == 2
    assert len(parquet_rows(tmp_path / "log")) == 1
