"""``ctloop logger import``: objects KServe's payload logger writes to blob storage → the inference log.

The fixtures are built the way KServe v0.20.0 writes them (tag ``v0.20.0``, commit
``1fb781055dd1567164358233e1125142ca6ef1fe``):

* ``pkg/logger/types.go``: ``LogRequest`` and its JSON tags (``omitempty`` everywhere but
  ``occurrenceTime``); ``[]byte`` is standard base64 in Go's encoding/json and ``*url.URL`` the object of
  its exported fields (Go ``src/net/url/url.go``: no MarshalJSON or MarshalText, "that will change the
  JSON representation of URLs");
* ``pkg/logger/handler.go``: ``reqType`` is ``CEInferenceRequest``/``CEInferenceResponse`` of
  ``worker.go`` (``org.kubeflow.serving.inference.request``/``.response``), the response carries the
  request's ``Content-Type``, ``metadata`` is always a (possibly empty) map;
* ``pkg/logger/store.go``: key ``<url path>/<namespace>/<isvc>/<component>/<storage.path>/<id>-<type>.<ext>``,
  a batch named after its first record;
* ``pkg/logger/marshaller_json.go``: a one-record batch is the object, a larger one an array;
* ``pkg/logger/marshaller_record.go``: CSV and Parquet rows have no ``occurrenceTime``.
"""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from ctloop.cli import main
from ctloop.inference_log.blob_import import decode_object, ledger_name, run_import
from ctloop.inference_log.defaults import MAX_BODY_BYTES
from tests.inference_log.support import parquet_rows

REQUEST = "org.kubeflow.serving.inference.request"
RESPONSE = "org.kubeflow.serving.inference.response"
PREFIX = "logs/ctloop/credit-default/predictor/logger"  # store.go: <url path>/<ns>/<isvc>/<component>/<path>



def fail_reading(monkeypatch, suffix: str, error):
    """storage.read_bytes raises ``error(uri)`` for the object whose URI ends with ``suffix``;
    returns the real one."""
    from ctloop import storage

    real = storage.read_bytes

    def read(uri: str) -> bytes:
        if uri.endswith(suffix):
            raise error(uri)
        return real(uri)

    monkeypatch.setattr(storage, "read_bytes", read)
    return real

def go_url(scheme: str, host: str, path: str) -> dict:
    """A Go ``*url.URL`` as encoding/json writes it (net/url's exported fields, in order)."""
    return {"Scheme": scheme, "Opaque": "", "User": None, "Host": host, "Path": path, "RawPath": "",
            "OmitHost": False, "ForceQuery": False, "RawQuery": "", "Fragment": "", "RawFragment": ""}


def log_request(i: int, kind: str, *, body: bytes | None = None, time: str = "2026-11-22T10:31:02.417396123Z",
                **extra) -> dict:
    """One ``LogRequest`` as handler.go fills it and encoding/json writes it (struct field order)."""
    if body is None:
        body = json.dumps({"instances": [{"x": i, "c": "a"}]} if kind == "request"
                          else {"predictions": [i % 2], "model_version": "3"}).encode()
    record = {
        "url": go_url("s3", "logs", "/logs"),
        "bytes": base64.b64encode(body).decode(),
        "contentType": "application/json",
        "reqType": REQUEST if kind == "request" else RESPONSE,
        "id": f"id-{i:04d}",
        "sourceUri": go_url("http", "localhost:9081", "/"),
        "inferenceService": "credit-default",
        "namespace": "ctloop",
        "component": "predictor",
        "metadata": {"X-Order-Id": [f"A-{i}"]},
        "occurrenceTime": time,
    }
    record.update(extra)
    return record


def write_pair(base: Path, i: int, **kwargs) -> None:
    """The two objects of one inference with batchSize 1: ``<id>-request.json``, ``<id>-response.json``."""
    for kind in ("request", "response"):
        path = base / PREFIX / f"id-{i:04d}-{kind}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(json.dumps(log_request(i, kind, **kwargs), separators=(",", ":")).encode())


def test_one_object_decodes_as_the_http_receiver_would_parse_the_cloudevent():
    decoded = decode_object("k", json.dumps(log_request(7, "request")).encode())
    assert not decoded.skipped and decoded.reason is None
    (event,) = decoded.events
    assert (event.id, event.kind, event.model, event.namespace, event.component) == (
        "id-0007", "request", "credit-default", "ctloop", "predictor")
    assert event.source == "http://localhost:9081/"  # url.URL.String() of the Go object
    assert event.time == "2026-11-22T10:31:02.417396123Z"  # kept as KServe wrote it
    assert event.metadata == {"meta_x_order_id": "A-7"}
    assert event.body == {"instances": [{"x": 7, "c": "a"}]}


def test_a_batch_array_and_an_offset_time():
    batch = [log_request(1, "request", time="2026-11-22T11:31:02.5+01:00"), log_request(1, "response"),
             log_request(2, "request", annotations={"ctloop.dev/model-version": "4"})]
    decoded = decode_object("k", json.dumps(batch).encode())
    assert [e.kind for e in decoded.events] == ["request", "response", "request"]
    assert decoded.events[0].time == "2026-11-22T10:31:02.5Z"
    assert decoded.events[2].model_version == "4"  # ce-annotations, as worker.go sends them


def test_local_prefix_is_imported_joined_and_the_summary_says_so(tmp_path, capsys):
    for i in range(5):
        write_pair(tmp_path / "src", i)
    root = tmp_path / "log"
    assert main(["logger", "import", str(tmp_path / "src" / "logs"), "--root", str(root)]) == 0
    out = capsys.readouterr().out.strip()
    assert out == (f"imported 10 object(s) from {tmp_path / 'src' / 'logs'} into {root}: 5 request(s), "
                   "5 response(s), 5 row(s); 0 already imported; skipped 0 object(s)")
    rows = parquet_rows(root).sort_values("request_id")
    assert list(rows.request_id) == [f"id-{i:04d}" for i in range(5)]
    assert rows.has_request.all() and rows.has_response.all()
    assert list(rows.x) == [0, 1, 2, 3, 4] and list(rows.prediction) == [0, 1, 0, 1, 0]
    assert set(rows.model_version) == {"3"} and set(rows.meta_x_order_id) == {f"A-{i}" for i in range(5)}
    assert sorted(p.relative_to(root).parts[:3] for p in root.rglob("*.parquet")) == [
        ("model=credit-default", "date=2026-11-22", "revision=v3")]
    (part,) = (root / "_imports" / ledger_name(str(tmp_path / "src" / "logs"))).glob("checkpoint-*.json")
    ledger = json.loads(part.read_text())
    assert sorted(ledger["objects"]) == sorted(f"ctloop/credit-default/predictor/logger/id-{i:04d}-{k}.json"
                                               for i in range(5) for k in ("request", "response"))


def test_a_second_run_imports_nothing_twice_and_a_new_object_once(tmp_path, capsys):
    src, root = tmp_path / "src", tmp_path / "log"
    for i in range(3):
        write_pair(src, i)
    assert main(["logger", "import", str(src), "--root", str(root)]) == 0
    capsys.readouterr()
    assert main(["logger", "import", str(src), "--root", str(root)]) == 0
    assert capsys.readouterr().out.strip().endswith("0 row(s); 6 already imported; skipped 0 object(s)")
    write_pair(src, 3)
    summary = run_import(str(src), str(root))
    assert (summary.imported, summary.already) == (2, 6)
    rows = parquet_rows(root)
    assert sorted(rows.request_id) == [f"id-{i:04d}" for i in range(4)]  # no duplicate


def test_a_root_inside_the_source_prefix_is_not_read_back(tmp_path):
    src = tmp_path / "bucket"
    write_pair(src, 0)
    root = src / "inference-log"
    run_import(str(src), str(root))
    write_pair(src, 1)
    summary = run_import(str(src), str(root))
    assert (summary.imported, summary.already, dict(summary.objects_skipped)) == (2, 2, {})
    assert sorted(parquet_rows(root).request_id) == ["id-0000", "id-0001"]


def test_a_changed_object_is_read_again(tmp_path):
    src, root = tmp_path / "src", tmp_path / "log"
    write_pair(src, 0)
    run_import(str(src), str(root))
    changed = src / PREFIX / "id-0000-request.json"
    changed.write_bytes(changed.read_bytes() + b" ")
    os.utime(changed, ns=(1, 1))
    summary = run_import(str(src), str(root))
    assert (summary.imported, summary.already) == (1, 1)


def test_hostile_objects_are_skipped_with_reasons_and_the_rest_imported(tmp_path, capsys):
    src = tmp_path / "src"
    write_pair(src, 0)
    bad = src / PREFIX
    good = json.dumps(log_request(1, "request")).encode()
    (bad / "id-0001-request.json").write_bytes(good[: len(good) // 2])  # truncated upload
    (bad / "id-0002-request.json").write_text(json.dumps(log_request(2, "request", bytes="not base64!")))
    (bad / "id-0003-request.json").write_text(json.dumps(log_request(3, "request", reqType="predict")))
    (bad / "id-0004-request.json").write_text(json.dumps(log_request(4, "request", time="0001-01-01T00:00:00Z")))
    (bad / "id-0005-request.csv").write_text("url,bytes,contentType,reqType,id\n")
    (bad / "id-0006-request.json").write_text(
        json.dumps(log_request(6, "request", body=b'{"instances": [' + b"1," * (MAX_BODY_BYTES // 2) + b"1]}")))
    (bad / "id-0007-request.json").write_text('{"hello": "world"}')
    (bad / "id-0008-request.json").write_text(json.dumps([log_request(8, "request", bytes=7),
                                                          log_request(9, "request")]))
    no_time = log_request(10, "request")
    del no_time["occurrenceTime"]  # KServe before v0.18.0
    (bad / "id-0010-request.json").write_text(json.dumps(no_time))
    (bad / "id-0011-request.json").write_text(json.dumps(log_request(11, "request", body=b"[1, 2]")))
    (bad / "id-0012-request.json").write_bytes(b"\xff\xfe" + b"\x00" * 10)
    (bad / "id-0013-request.json").write_bytes(b"[" * 200_000)  # orjson's depth limit, not a RecursionError
    (bad / "id-0014-request.json").write_text(json.dumps(log_request(14, "request", inferenceService="Credit_v2")))
    root = tmp_path / "log"
    assert main(["logger", "import", str(src), "--root", str(root)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip().endswith(
        "2 request(s), 1 response(s), 2 row(s); 0 already imported; skipped 12 object(s) (csv_format 1, no_event 7, "
        "not_json 3, not_log_request 1), 8 record(s) (bad_base64 2, bad_header 1, bad_payload 1, no_time 2, "
        "oversize 1, unknown_type 1)")
    assert captured.err == ""
    rows = parquet_rows(root)
    assert sorted(rows.request_id) == ["id-0000", "id-0009"]  # id-0009: the good record of a batch
    assert list(rows.sort_values("request_id").has_response) == [True, False]
    assert not (root / "_quarantine").exists()  # skipped records never reach the sink


def test_nothing_importable_is_exit_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "src" / PREFIX
    bad.mkdir(parents=True)
    (bad / "a-request.json").write_text("{")
    (bad / "b-request.parquet").write_bytes(b"PAR1")
    assert main(["logger", "import", str(tmp_path / "src"), "--root", str(tmp_path / "log")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: nothing imported from {tmp_path / 'src'}: 2 object(s) skipped (not_json 1, "
                          "parquet_format 1); first: ")
    assert "\n" not in err
    assert not (tmp_path / "log" / "_imports").exists()


def test_a_missing_prefix_is_one_clear_line(tmp_path, capsys):
    assert main(["logger", "import", str(tmp_path / "nothing"), "--root", str(tmp_path / "log")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {tmp_path / 'nothing'} does not exist: no object at or under that prefix (the logger's " \
                  "storage URL is <logger.url>/<namespace>/<isvc>/<component>/<storage.path>)"


def test_progress_goes_to_stderr_and_checkpoints_record_finished_objects(tmp_path, capsys):
    src, root = tmp_path / "src", tmp_path / "log"
    for i in range(6):
        write_pair(src, i)
    seen = []
    summary = run_import(str(src), str(root), checkpoint_objects=3, progress_objects=4, progress=seen.append)
    assert summary.imported == 12
    assert [line.split(",")[0] for line in seen] == ["import: 4/12 object(s) read", "import: 8/12 object(s) read",
                                                     "import: 12/12 object(s) read"]
    assert len(parquet_rows(root)) == 6 and parquet_rows(root).has_response.all()
    assert main(["logger", "import", str(src), "--root", str(root), "--progress-objects", "1"]) == 0
    assert capsys.readouterr().err == ""  # nothing left to read: no progress


def write_object(base: Path, name: str, records: list[dict]) -> None:
    path = base / PREFIX / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records[0] if len(records) == 1 else records))


def test_an_interrupted_import_resumes_after_its_last_checkpoint_without_duplicates(tmp_path, monkeypatch, capsys):
    """Batched objects (logger.batchSize > 1) hold a request and its response apart: an object
    is recorded only once none of its events waits for its partner."""
    from ctloop import storage
    from ctloop.errors import StoreUnavailable

    src, root = tmp_path / "src", tmp_path / "log"
    write_object(src, "a-request.json", [log_request(0, "request"), log_request(1, "request")])
    write_object(src, "b-response.json", [log_request(0, "response")])
    write_object(src, "c-response.json", [log_request(1, "response"), log_request(2, "request")])
    write_object(src, "d-response.json", [log_request(2, "response")])
    write_object(src, "e-request.json", [log_request(3, "request")])
    real = fail_reading(monkeypatch, "d-response.json", lambda uri: StoreUnavailable(f"{uri}: S3 is unreachable (injected)"))
    assert main(["logger", "import", str(src), "--root", str(root), "--checkpoint-objects", "1"]) == 2
    assert capsys.readouterr().err.strip().endswith("d-response.json: S3 is unreachable (injected)")
    (part, *more) = sorted((root / "_imports" / ledger_name(str(src))).glob("*.json"))
    recorded = {key for p in (part, *more) for key in json.loads(p.read_text())["objects"]}
    latest = {}
    for p in (part, *more):
        latest.update(json.loads(p.read_text())["objects"])
    # a: recorded in part once b paired id-0000, whole once c paired id-0001; c: its first record
    # only, id-0002 still waited for d (its request written nowhere: d is read again)
    assert {key.rsplit("/", 1)[1]: entry.get("records") for key, entry in latest.items()} == {
        "a-request.json": None, "b-response.json": None, "c-response.json": [0]}
    assert recorded == set(latest)
    monkeypatch.setattr(storage, "read_bytes", real)
    summary = run_import(str(src), str(root))
    assert (summary.already, summary.imported, summary.requests, summary.responses) == (2, 3, 2, 1)
    rows = parquet_rows(root).sort_values(["request_id", "has_response"])
    assert list(zip(rows.request_id, rows.has_response, strict=True)) == [
        ("id-0000", True), ("id-0001", True), ("id-0002", True), ("id-0003", False)]  # joined, once each
    assert len(list((root / "_imports" / ledger_name(str(src))).glob("*.json"))) == 1  # compacted


def test_a_root_that_cannot_be_written_is_one_line_and_nothing_is_recorded(tmp_path, capsys):
    src, root = tmp_path / "src", tmp_path / "log"
    write_pair(src, 0)
    root.mkdir()
    (root / "model=credit-default").write_text("a file where the partition directory goes")
    assert main(["logger", "import", str(src), "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write the inference log under {root}: [Errno 20] Not a directory")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (root / "_imports").exists()


def test_an_object_over_max_object_bytes_is_skipped_unread(tmp_path, monkeypatch):
    from ctloop import storage

    src = tmp_path / "src"
    write_pair(src, 0)
    write_object(src, "big-request.json", [log_request(i, "request") for i in range(1, 200)])
    read = []
    real = storage.read_bytes
    monkeypatch.setattr(storage, "read_bytes", lambda uri: read.append(uri) or real(uri))
    summary = run_import(str(src), str(tmp_path / "log"), max_object_bytes=10_000)
    assert dict(summary.objects_skipped) == {"too_large": 1} and summary.imported == 2
    assert not [uri for uri in read if uri.endswith("big-request.json")]


def test_max_columns_caps_an_imported_log_as_the_sink_does(tmp_path, capsys):
    """The import writes through the sink, whose feature columns are capped (--max-columns); the
    import could not raise it (a model of more inputs than the default lost the rest to _overflow)
    nor lower it."""
    for i in range(3):
        write_pair(tmp_path / "src", i, body=json.dumps({"instances": [{"a": i, "b": i, "c": i}]}).encode())
    root = tmp_path / "log"
    src = str(tmp_path / "src" / "logs")
    assert main(["logger", "import", src, "--root", str(root), "--max-columns", "2"]) == 0, capsys.readouterr().err
    rows = parquet_rows(root).sort_values("request_id")
    assert {"a", "b"} <= set(rows.columns) and "c" not in rows.columns
    assert [json.loads(v) for v in rows["_overflow"]] == [{"c": i} for i in range(3)]
    assert main(["logger", "import", src, "--root", str(root), "--max-columns", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --max-columns 0 must be at least 1"


def test_bad_options_are_one_line(tmp_path, capsys):
    from tests.helpers import cli_exit

    assert cli_exit(["logger", "import", "ftp://x/y", "--root", str(tmp_path)]) == 2
    assert "unsupported storage scheme 'ftp://'" in capsys.readouterr().err.strip().splitlines()[-1]
    assert main(["logger", "import", str(tmp_path), "--root", str(tmp_path), "--max-object-bytes", "0"]) == 2
    assert capsys.readouterr().err.strip() == "error: --max-object-bytes 0 must be at least 1"


@pytest.fixture
def s3(tmp_path, monkeypatch):
    """moto's S3 in server mode (tests/fixtures/object_stores.py), its environment only."""
    from tests.fixtures.object_stores import Store, create_bucket, isolated_env, moto_s3, s3_env
    from tests.fixtures.servers import free_port

    with moto_s3(tmp_path / "moto") as url:
        env = isolated_env(tmp_path / "home", free_port())
        for name in [k for k in os.environ if k not in env]:
            monkeypatch.delenv(name)
        for name, value in {**env, **s3_env(url)}.items():
            monkeypatch.setenv(name, value)
        store = Store("s3", url, s3_env(url))
        yield store, create_bucket(store)


def test_s3_prefix_on_moto_server(s3, tmp_path, capsys):
    from tests.fixtures.object_stores import sdk_put

    store, bucket = s3
    for i in range(3):
        for kind in ("request", "response"):
            sdk_put(store, bucket, f"{PREFIX}/id-{i:04d}-{kind}.json", json.dumps(log_request(i, kind)).encode())
    batch = [log_request(10, "request"), log_request(11, "request"), log_request(10, "response"),
             log_request(11, "response")]
    sdk_put(store, bucket, f"{PREFIX}/id-0010-request.json", json.dumps(batch).encode())  # batchSize 4
    sdk_put(store, bucket, f"{PREFIX}/id-0012-request.csv", b"url,bytes\n")
    sdk_put(store, bucket, "logs-other/id-9-request.json", json.dumps(log_request(9, "request")).encode())
    root = f"s3://{bucket}/inference-log"
    assert main(["logger", "import", f"s3://{bucket}/logs", "--root", root]) == 0
    out = capsys.readouterr().out.strip()
    assert out == (f"imported 7 object(s) from s3://{bucket}/logs into {root}: 5 request(s), 5 response(s), "
                   "5 row(s); 0 already imported; skipped 1 object(s) (csv_format 1)")
    from ctloop import storage

    rows = pd.concat([pd.read_parquet(io.BytesIO(storage.read_bytes(uri)))
                      for uri in storage.list_files(root, ".parquet")])
    assert sorted(rows.request_id) == ["id-0000", "id-0001", "id-0002", "id-0010", "id-0011"]
    assert rows.has_request.all() and rows.has_response.all()
    assert len(storage.list_files(f"{root}/_imports/{ledger_name(f's3://{bucket}/logs')}", ".json")) == 1
    assert main(["logger", "import", f"s3://{bucket}/logs/", "--root", root]) == 0  # the same prefix
    assert capsys.readouterr().out.strip().endswith(  # the CSV is still unreadable: said, not an error
        "0 row(s); 7 already imported; skipped 1 object(s) (csv_format 1), 1 as recorded before (not read again)")
    assert len(storage.list_files(root, ".parquet")) == 1


def test_a_source_inside_the_root_is_imported_but_not_the_logs_own_files(tmp_path, capsys):
    """``logger import bucket/kserve-logs --root bucket``: KServe's objects sit beside the log's
    ``model=…`` trees and ``_…`` directories; only the latter are the log's."""
    bucket = tmp_path / "bucket"
    for i in range(3):
        write_pair(bucket / "kserve-logs", i)
    assert main(["logger", "import", str(bucket / "kserve-logs"), "--root", str(bucket)]) == 0
    assert "imported 6 object(s)" in capsys.readouterr().out
    write_pair(bucket / "kserve-logs", 3)
    summary = run_import(str(bucket / "kserve-logs"), str(bucket))
    assert (summary.listed, summary.imported, summary.already) == (8, 2, 6)
    assert sorted(parquet_rows(bucket).request_id) == [f"id-{i:04d}" for i in range(4)]
    # the root itself as the source: its Parquet files, ledger and schema files are not listed
    summary = run_import(str(bucket), str(bucket))
    assert (summary.listed, dict(summary.objects_skipped)) == (8, {})


def test_an_s3_source_inside_the_root(s3, capsys):
    from tests.fixtures.object_stores import sdk_put

    store, bucket = s3
    for i in range(2):
        for kind in ("request", "response"):
            sdk_put(store, bucket, f"kserve-logs/{PREFIX}/id-{i:04d}-{kind}.json", json.dumps(log_request(i, kind)).encode())
    assert main(["logger", "import", f"s3://{bucket}/kserve-logs", "--root", f"s3://{bucket}"]) == 0
    assert capsys.readouterr().out.startswith(f"imported 4 object(s) from s3://{bucket}/kserve-logs")
    assert main(["logger", "import", f"s3://{bucket}/kserve-logs", "--root", f"s3://{bucket}"]) == 0
    assert capsys.readouterr().out.strip().endswith("0 row(s); 4 already imported; skipped 0 object(s)")


def test_an_unreadable_object_is_skipped_and_the_rest_imported(tmp_path, monkeypatch, capsys):
    """AccessDenied on one key (its KMS key, say) or an object deleted after the listing: that
    object is skipped (``unreadable``, not recorded: the next run tries it again), not the run."""
    from ctloop import storage
    from ctloop.errors import DataSourceError

    src, root = tmp_path / "src", tmp_path / "log"
    for i in range(4):
        write_pair(src, i)
    real = fail_reading(monkeypatch, "id-0001-request.json", lambda uri: DataSourceError(
        f"access denied to {uri}: the credentials in use lack permission (AccessDenied)"))
    assert main(["logger", "import", str(src), "--root", str(root)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip().endswith(
        f"skipped 1 object(s) (unreadable 1); first unreadable: access denied to {src / PREFIX}/id-0001-request.json: "
        "the credentials in use lack permission (AccessDenied)")
    assert "imported 7 object(s)" in captured.out and captured.err == ""
    monkeypatch.setattr(storage, "read_bytes", real)
    summary = run_import(str(src), str(root))
    assert (summary.imported, summary.already) == (1, 7)
    rows = parquet_rows(root).sort_values(["request_id", "has_request"])
    # id-0001: its response was written alone, its request now (two halves: read_log merges them)
    assert list(zip(rows.request_id, rows.has_request, rows.has_response, strict=True)) == [
        ("id-0000", True, True), ("id-0001", False, True), ("id-0001", True, False), ("id-0002", True, True),
        ("id-0003", True, True)]


def test_refused_credentials_abort_after_recording_what_is_in_parquet(tmp_path, monkeypatch, capsys):
    """A store-level failure (the credentials refused) stops the run, but first what the sink
    wrote is recorded: the next run does not write it again."""
    from ctloop import storage
    from ctloop.errors import ConfigError

    src, root = tmp_path / "src", tmp_path / "log"
    for i in range(6):
        write_pair(src, i)
    real = storage.read_bytes

    def refused_at_4(uri: str) -> bytes:
        if "id-0004" in uri:
            raise ConfigError(f"the AWS credentials for {uri} were refused (ExpiredToken: injected)")
        return real(uri)

    monkeypatch.setattr(storage, "read_bytes", refused_at_4)
    assert main(["logger", "import", str(src), "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the AWS credentials for ") and err.count("\n") == 1  # the whole stderr
    assert len(parquet_rows(root)) == 4
    monkeypatch.setattr(storage, "read_bytes", real)
    summary = run_import(str(src), str(root))
    assert (summary.already, summary.imported) == (8, 4)
    assert sorted(parquet_rows(root).request_id) == [f"id-{i:04d}" for i in range(6)]  # no duplicate


FAILED_IMPORT = """
import sys
from pathlib import Path

from ctloop import storage
from ctloop.cli import main
from ctloop.errors import ConfigError
from tests.inference_log.test_blob_import import write_pair

src, root = Path(sys.argv[1]) / "src", Path(sys.argv[1]) / "log"
for i in range(20):
    write_pair(src, i)
real = storage.read_bytes


def refused(uri):
    if "id-0003" in uri or "id-0004" in uri:
        raise ConfigError(f"the AWS credentials for {uri} were refused (ExpiredToken: injected)")
    return real(uri)


storage.read_bytes = refused
sys.exit(main(["logger", "import", str(src), "--root", str(root), "--checkpoint-objects", "4"]))
"""


def test_a_failed_import_says_one_line_and_nothing_else(tmp_path):
    """No 'Future exception was never retrieved … ConfigError / SinkUnavailable' after the error:
    the reads in flight and the events submitted are awaited on the way out. A process of its
    own: asyncio says so when the futures die, through logging (which pytest captures)."""
    import subprocess
    import sys

    from tests.helpers import REPO

    done = subprocess.run([sys.executable, "-c", FAILED_IMPORT, str(tmp_path)], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("error: the AWS credentials for ") and done.stderr.count("\n") == 1, done.stderr


def test_skipped_objects_are_recorded_and_not_downloaded_again(tmp_path, monkeypatch, capsys):
    """A not-JSON object, one from KServe before v0.18 (no occurrenceTime), a CSV: skipped once,
    recorded with their reason, etag and size, then counted as skipped without being read (up to
    --max-object-bytes each, every run). Changed, it is read again; unreadable is not recorded."""
    from ctloop import storage
    from ctloop.errors import DataSourceError

    src, root = tmp_path / "src", tmp_path / "log"
    write_pair(src, 0)
    no_time = log_request(1, "request")
    del no_time["occurrenceTime"]
    write_object(src, "id-0001-request.json", [no_time])
    (src / PREFIX / "id-0002-request.json").write_text("{")
    (src / PREFIX / "id-0003-request.csv").write_text("url,bytes\n")
    write_pair(src, 4)
    real = storage.read_bytes
    read: list[str] = []

    def spy(uri: str) -> bytes:
        if uri.startswith(str(src)):
            read.append(uri.rsplit("/", 1)[1])
        if "id-0004-response" in uri:
            raise DataSourceError(f"{uri} does not exist (removed after the listing)")
        return real(uri)

    monkeypatch.setattr(storage, "read_bytes", spy)
    assert main(["logger", "import", str(src), "--root", str(root)]) == 0
    assert "skipped 4 object(s) (csv_format 1, no_event 1, not_json 1, unreadable 1)" in capsys.readouterr().out
    read.clear()
    assert main(["logger", "import", str(src), "--root", str(root)]) == 0
    out = capsys.readouterr().out.strip()
    assert "; 3 already imported; skipped 4 object(s) (csv_format 1, no_event 1, not_json 1, unreadable 1), " \
           "3 as recorded before (not read again)" in out
    assert read == ["id-0004-response.json"]  # only the unreadable one is tried again
    ledger = {}
    for part in sorted((root / "_imports" / ledger_name(str(src))).glob("*.json")):
        ledger.update(json.loads(part.read_text())["objects"])
    entry = ledger[f"{PREFIX}/id-0002-request.json"]
    assert entry["skipped"] == "not_json" and entry["size"] == 1 and entry["etag"]
    (src / PREFIX / "id-0002-request.json").write_text(json.dumps(log_request(2, "request")))  # rewritten
    read.clear()
    summary = run_import(str(src), str(root))
    assert summary.imported == 1 and sorted(read) == ["id-0002-request.json", "id-0004-response.json"]


def test_an_object_stored_gzip_encoded_is_read_not_skipped_for_good():
    """GCS and Azure are read as stored (no SDK decoding, which truncated large Azure blobs): a
    LogRequest uploaded with Content-Encoding: gzip (gsutil cp -z, a log shipper) came back as
    gzip bytes, was 'not_json' and, that reason being recorded, never read again."""
    import gzip

    from ctloop.inference_log.blob_import import RECORDED_REASONS

    body = json.dumps([log_request(7, "request"), log_request(7, "response")]).encode()
    decoded = decode_object("k", gzip.compress(body))
    assert decoded.reason in ("", None) and len(decoded.events) == 2
    cut = decode_object("k", gzip.compress(body)[:-12])
    assert cut.reason == "too_large" and cut.reason not in RECORDED_REASONS  # read again next run


def test_one_s3_object_is_listed_from_its_metadata_not_downloaded(s3, tmp_path, monkeypatch, capsys):
    """``logger import s3://b/one-object.json``: the listing under it is empty, so ``list_source``
    downloaded the whole object (no size limit) just to hash it for an etag. Now its size and
    etag come from the store's metadata: an object over ``--max-object-bytes`` is skipped unread,
    and a second run finds it recorded without reading it."""
    from ctloop import storage
    from ctloop.errors import InferenceLogError
    from tests.fixtures.object_stores import sdk_put

    store, bucket = s3
    big = [log_request(i, kind) for i in range(1, 60) for kind in ("request", "response")]
    sdk_put(store, bucket, f"{PREFIX}/batch.json", json.dumps(big).encode())
    uri, root = f"s3://{bucket}/{PREFIX}/batch.json", str(tmp_path / "log")
    read: list[str] = []
    real = storage.read_bytes
    monkeypatch.setattr(storage, "read_bytes", lambda u: (u == uri and read.append(u)) or real(u))
    with pytest.raises(InferenceLogError, match=r"\(too_large 1\)"):  # nothing importable: said
        run_import(uri, root, max_object_bytes=1000)
    assert read == []
    summary = run_import(uri, root)  # a larger limit: read once, imported
    assert summary.imported == 1 and read == [uri]
    summary = run_import(uri, root)  # unchanged: recorded, not read again
    assert summary.already == 1 and summary.imported == 0 and read == [uri]
    sdk_put(store, bucket, f"{PREFIX}/batch.json", json.dumps(big[:2]).encode())  # replaced
    summary = run_import(uri, root)
    assert read == [uri, uri]
