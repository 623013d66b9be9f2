"""ctloop.storage against real servers: a local directory, the GCS emulator, moto's S3 server and
Azurite (tests/fixtures/object_stores.py), with the environment variables users set.

Every behaviour is checked on each store the same way: round trips of bytes and tables,
``exists``, ``list_files``, ``filesystem()`` with ``pyarrow.dataset`` over a hive-partitioned
prefix, ``output_dir`` and ``local_copy``, and the one-line errors (missing object, missing
bucket, unreachable endpoint, missing credentials).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from ctloop import storage
from ctloop.errors import ConfigError, DataSourceError
from tests.fixtures.object_stores import (
    AZURITE_ACCOUNT,
    azurite_connection_string,
    create_bucket,
    isolated_env,
    s3_env,
    sdk_get,
    sdk_put,
)
from tests.fixtures.servers import InThreadServer, JsonHandler, dead_port, free_port

pytestmark = pytest.mark.slow
KINDS = ("local", "gs", "s3", "az")
REMOTE = ("gs", "s3", "az")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No credentials of the developer, no metadata-server probes (tests/fixtures/object_stores.py)."""
    env = isolated_env(tmp_path / "home", free_port())
    for name in [k for k in os.environ if k not in env]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # empty: a URI mistaken for a local path would show up here
    yield env
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(":")], "a URI became a local path"


@pytest.fixture(params=KINDS)
def root(request, clean_env, monkeypatch, tmp_path):
    """A fresh, empty location on one store; the environment holds that store's client settings."""
    if request.param == "local":
        return str(tmp_path / "store")
    store = request.getfixturevalue("stores")[request.param]
    for name, value in store.env.items():
        monkeypatch.setenv(name, value)
    return f"{store.scheme}://{create_bucket(store)}/ctloop"


def on_server(request, uri: str) -> bytes:
    """The bytes of ``uri`` read with the cloud's own SDK (local: the file), not ctloop.storage."""
    if "://" not in uri:
        return Path(uri).read_bytes()
    kind, rest = uri.split("://", 1)
    bucket, _, key = rest.partition("/")
    return sdk_get(request.getfixturevalue("stores")[kind], bucket, key)


def test_bytes_round_trip_and_exists(root, request):
    uri = f"{root}/a/b.bin"
    assert not storage.exists(uri)
    storage.write_bytes(uri, b"\x00payload\xff")
    assert on_server(request, uri) == b"\x00payload\xff"
    assert storage.read_bytes(uri) == b"\x00payload\xff"
    assert storage.exists(uri)
    assert not storage.exists(f"{root}/a")  # a prefix (directory) is not a file
    storage.write_bytes(uri, b"second")  # replaces
    assert storage.read_bytes(uri) == b"second"


def test_delete_removes_a_file_and_a_missing_one_is_no_error(root, request):
    uri = f"{root}/d/part-0.bin"
    storage.write_bytes(uri, b"x")
    storage.write_bytes(f"{root}/d/part-1.bin", b"y")
    storage.delete(uri)
    assert not storage.exists(uri) and storage.list_files(f"{root}/d") == [f"{root}/d/part-1.bin"]
    storage.delete(uri)  # already gone (a retried cleanup): nothing to do
    assert on_server(request, f"{root}/d/part-1.bin") == b"y"


def test_concurrent_writers_share_the_cached_clients(root):
    """The sink writes from worker threads: clients are cached per environment (and per thread
    for GCS), so writes from several threads at once all land."""
    from concurrent.futures import ThreadPoolExecutor

    uris = [f"{root}/parallel/part-{i}.bin" for i in range(16)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda u: storage.write_bytes(u, u.encode()), uris))
    assert storage.list_files(f"{root}/parallel") == sorted(uris)
    assert all(storage.read_bytes(u) == u.encode() for u in uris)


@pytest.mark.parametrize("name", ["t.csv", "t.parquet", "t.csv.gz"])
def test_table_round_trip(root, name, request):
    frame = pd.DataFrame({"key": ["00123", "7"], "x": [1.5, 2.0]})
    uri = f"{root}/tables/{name}"
    if name.endswith(".gz"):
        import gzip

        storage.write_bytes(uri, gzip.compress(frame.to_csv(index=False).encode()))
    else:
        storage.write_table(frame, uri)
    assert on_server(request, uri)  # on the server, read back by the cloud's own SDK
    pd.testing.assert_frame_equal(storage.read_table(uri, text_columns=("key",)), frame)


@pytest.mark.parametrize("how", ["absent", "none usable"])
def test_a_table_is_read_without_a_temporary_directory(root, monkeypatch, tmp_path, how):
    """A pod whose root file system is read-only and has no /tmp volume: a local table is read from the
    file itself, an object's from memory (``storage._table_file``'s fallback, untested end to end until
    review 50 G): tempfile's directory missing, or none usable at all (review 50 H)."""
    import tempfile

    frame = pd.DataFrame({"key": ["00123", "7"], "x": [1.5, 2.0]})
    uri = f"{root}/tables/t.csv"
    storage.write_table(frame, uri)
    if how == "absent":
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "absent"))
    else:
        monkeypatch.setattr(storage, "_temporary_dir", lambda: None)
    pd.testing.assert_frame_equal(storage.read_table(uri, text_columns=("key",)), frame)


def test_list_files_is_recursive_sorted_and_stops_at_the_prefix(root):
    for key in ("log/b.parquet", "log/sub/a.parquet", "log/notes.json", "logs/other.parquet"):
        storage.write_bytes(f"{root}/{key}", b"x")
    assert storage.list_files(f"{root}/log", ".parquet") == [f"{root}/log/b.parquet",
                                                             f"{root}/log/sub/a.parquet"]
    assert storage.list_files(f"{root}/log/") == [f"{root}/log/b.parquet", f"{root}/log/notes.json",
                                                  f"{root}/log/sub/a.parquet"]
    assert storage.list_files(f"{root}/missing") == []
    assert all(storage.read_bytes(u) == b"x" for u in storage.list_files(f"{root}/log"))


def test_list_objects_gives_sizes_and_etags_that_change_with_the_content(root):
    for key, data in (("log/b.json", b"xy"), ("log/sub/a.json", b"xyz"), ("logs/other.json", b"x")):
        storage.write_bytes(f"{root}/{key}", data)
    listed = storage.list_objects(f"{root}/log")
    assert [(o.uri, o.size) for o in listed] == [(f"{root}/log/b.json", 2), (f"{root}/log/sub/a.json", 3)]
    assert all(o.etag for o in listed) and [o.uri for o in listed] == storage.list_files(f"{root}/log")
    time.sleep(0.01)  # a local file's etag is its modification time and size
    storage.write_bytes(f"{root}/log/b.json", b"yx")
    again = storage.list_objects(f"{root}/log/")
    assert again[0].etag != listed[0].etag and again[1] == listed[1]
    assert storage.list_objects(f"{root}/missing") == []


def test_filesystem_scans_a_hive_partitioned_prefix_with_pyarrow_dataset(root):
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    for day, n in (("2026-01-04", 2), ("2026-01-05", 3), ("2026-01-06", 1)):
        frame = pd.DataFrame({"request_id": [f"{day}-{i}" for i in range(n)], "score": 0.5})
        storage.write_table(frame, f"{root}/log/model=credit/date={day}/part-0.parquet")
    fs, path = storage.filesystem(f"{root}/log")
    assert "://" not in path
    dataset = ds.dataset(path, filesystem=fs, format="parquet", partitioning="hive")
    table = dataset.to_table(filter=pc.field("date") >= "2026-01-05")
    assert table.num_rows == 4
    assert sorted(table.column("request_id").to_pylist())[0] == "2026-01-05-0"
    assert set(table.column("model").to_pylist()) == {"credit"}


def test_output_dir_uploads_every_file_and_local_copy_brings_them_back(root):
    with storage.output_dir(f"{root}/reports/run-1") as out:
        (out / "realized.json").write_text('{"auc": 0.8}')
        (out / "plots").mkdir()
        (out / "plots" / "auc.png").write_bytes(b"\x89PNG")
    assert storage.list_files(f"{root}/reports/run-1") == [f"{root}/reports/run-1/plots/auc.png",
                                                           f"{root}/reports/run-1/realized.json"]
    with storage.local_copy(f"{root}/reports/run-1/realized.json") as path:
        assert path.is_file() and path.read_text() == '{"auc": 0.8}'
    with storage.local_copy(f"{root}/reports/run-1") as path:
        assert sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()) == [
            "plots/auc.png", "realized.json"]
    with pytest.raises(DataSourceError, match="does not exist"):
        with storage.local_copy(f"{root}/reports/none"):
            pass


def test_output_dir_uploads_nothing_when_the_writer_fails(root):
    with pytest.raises(RuntimeError, match="boom"):
        with storage.output_dir(f"{root}/half") as out:
            (out / "a.json").write_text("{}")
            raise RuntimeError("boom")
    if not root.startswith("/"):
        assert storage.list_files(f"{root}/half") == []


def test_missing_object_is_one_line_naming_it(root):
    uri = f"{root}/none/data.csv"
    with pytest.raises(DataSourceError, match="does not exist") as err:
        storage.read_table(uri)
    assert uri in str(err.value) and "\n" not in str(err.value)
    if "://" in root:
        assert re.search(r"\((bucket|container) '[^']+', (key|object|blob) 'ctloop/none/data.csv'\)",
                         str(err.value))


@pytest.mark.parametrize("kind", REMOTE)
def test_missing_bucket_is_one_line_naming_it(kind, stores, clean_env, monkeypatch):
    for name, value in stores[kind].env.items():
        monkeypatch.setenv(name, value)
    missing = f"ctloop-missing-{uuid.uuid4().hex[:8]}"
    word = "container" if kind == "az" else "bucket"
    for call in (lambda: storage.read_bytes(f"{kind}://{missing}/x.csv"),
                 lambda: storage.list_files(f"{kind}://{missing}/log"),
                 lambda: storage.write_bytes(f"{kind}://{missing}/x.csv", b"1")):
        with pytest.raises(DataSourceError, match=f"{word} '{missing}' of {kind}://{missing}/.* does not "
                                                  "exist: create it or fix") as err:
            call()
        assert "\n" not in str(err.value)


@pytest.mark.parametrize("kind", REMOTE)
def test_unreachable_endpoint_fails_after_bounded_attempts(kind, clean_env, monkeypatch):
    dead = f"http://127.0.0.1:{dead_port()}"  # nothing listens there, nor will
    env = {"gs": {"STORAGE_EMULATOR_HOST": dead},
           "s3": s3_env(dead),
           "az": {"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(f"{dead}/{AZURITE_ACCOUNT}")}}
    for name, value in env[kind].items():
        monkeypatch.setenv(name, value)
    # smaller bounds than the defaults (their backoff sleeps were 7-9 s of this test): still several
    # attempts, and the error must name the bound in force
    monkeypatch.setattr(storage, "GCS_RETRY_DEADLINE_S", 2.0)
    monkeypatch.setattr(storage, "ATTEMPTS", 2)
    with pytest.raises(DataSourceError, match=f"cannot reach .* for {kind}://bucket/x.csv .*127.0.0.1") as err:
        storage.read_bytes(f"{kind}://bucket/x.csv")
    bound = f"retrying for {storage.GCS_RETRY_DEADLINE_S:g} s" if kind == "gs" else f"{storage.ATTEMPTS} attempts"
    assert bound in str(err.value) and "\n" not in str(err.value)
    cause = {"s3": "Could not connect to the endpoint URL"}.get(kind, "Connection refused")
    assert cause in str(err.value)  # the root cause, not a wrapper's text


def test_s3_honours_aws_endpoint_url_and_the_abfss_form_names_the_azure_account(stores, clean_env,
                                                                                monkeypatch):
    s3 = stores["s3"]
    bucket = create_bucket(s3)
    for name, value in s3.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.url)  # the generic variable of the AWS SDKs
    storage.write_bytes(f"s3://{bucket}/k", b"via AWS_ENDPOINT_URL")
    assert storage.read_bytes(f"s3://{bucket}/k") == b"via AWS_ENDPOINT_URL"

    az = stores["az"]
    container = create_bucket(az)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", az.env["AZURE_STORAGE_CONNECTION_STRING"])
    storage.write_bytes(f"az://{container}/k", b"one blob")
    for form in (f"abfs://{container}@{AZURITE_ACCOUNT}.dfs.core.windows.net/k",
                 f"abfss://{container}@{AZURITE_ACCOUNT}.dfs.core.windows.net/k"):
        assert storage.read_bytes(form) == b"one blob"
    with pytest.raises(ConfigError, match="names storage account 'other' but AZURE_STORAGE_CONNECTION_STRING"):
        storage.read_bytes(f"abfss://{container}@other.dfs.core.windows.net/k")


# ------------------------------------------------------------------------------ the CLI, for real
def _ctloop(args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ctloop", *args], capture_output=True, text=True,
                          env=env, timeout=300)


class _ImdsWithoutIdentity(JsonHandler):
    """Azure's instance metadata service on a VM with no managed identity assigned: every token request
    is answered 400 "Identity not found" (azure-identity 1.x ``_credentials/imds.py``: a 400 means "no
    identity has been assigned to this resource", and the chain goes on at once). At the closed port of
    ``isolated_env`` the managed identity credential retried the refused connection with backoff (~5 s)."""

    def do_GET(self):
        self.send_json(400, {"error": "invalid_request", "error_description": "Identity not found"})


@pytest.mark.parametrize("kind,setting", [
    ("gs", {}),
    ("s3", {}),
    ("az", {}),
    ("az", {"AZURE_STORAGE_ACCOUNT_NAME": "ctloopnocreds"}),  # DefaultAzureCredential finds nothing
])
def test_missing_credentials_are_one_line_and_exit_code_2(kind, setting, tmp_path):
    with InThreadServer(_ImdsWithoutIdentity) as imds:
        env = {**isolated_env(tmp_path / "home", free_port()), **setting,
               "AZURE_POD_IDENTITY_AUTHORITY_HOST": imds.root_url}
        uri = f"{kind}://bucket/data/current.csv"
        out = _ctloop(["drift", "--reference", uri, "--current", uri], env)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert lines[0].startswith("error: ") and uri in lines[0]
    fix = {"gs": "GOOGLE_APPLICATION_CREDENTIALS", "s3": "AWS_ACCESS_KEY_ID", "az": "AZURE_STORAGE_CONNECTION_STRING"}
    assert fix[kind] in lines[0]


def test_cli_reads_s3_and_azure_inputs(stores, clean_env, monkeypatch, capsys):
    """`ctloop drift` reads its two tables through ctloop.storage: s3:// against az://, both
    uploaded with the clouds' own SDKs. In this process (``clean_env`` left it the isolated
    environment a subprocess got): the real process's exit code and one-line error are the
    missing-credentials test's above."""
    from ctloop.cli import main

    s3, az = stores["s3"], stores["az"]
    bucket, container = create_bucket(s3), create_bucket(az)
    env = {**clean_env, **s3.env, **az.env}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    frame = pd.DataFrame({"income": [float(i % 50) for i in range(200)], "age": [20 + i % 40 for i in range(200)]})
    sdk_put(s3, bucket, "ref.parquet", frame.to_parquet(index=False))
    sdk_put(az, container, "cur.csv", frame.to_csv(index=False).encode())
    code = main(["drift", "--reference", f"s3://{bucket}/ref.parquet", "--current", f"az://{container}/cur.csv",
                 "--no-report"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert f"reference s3://{bucket}/ref.parquet: 200 rows; current az://{container}/cur.csv: 200 rows" in out.out


def test_azure_access_denied_names_the_role_to_grant(stores, clean_env, monkeypatch):
    """A read-only SAS (Azurite enforces SAS permissions): reading works, writing is 403."""
    from datetime import UTC, datetime, timedelta

    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    from tests.fixtures.object_stores import AZURITE_KEY

    az = stores["az"]
    container = create_bucket(az)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", az.env["AZURE_STORAGE_CONNECTION_STRING"])
    storage.write_bytes(f"az://{container}/k", b"readable")
    sas = generate_container_sas(AZURITE_ACCOUNT, container, account_key=AZURITE_KEY,
                                 permission=ContainerSasPermissions(read=True, list=True),
                                 expiry=datetime.now(UTC) + timedelta(hours=1))
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING",
                       f"BlobEndpoint={az.url};SharedAccessSignature={sas}")
    assert storage.read_bytes(f"az://{container}/k") == b"readable"
    assert storage.list_files(f"az://{container}/") == [f"az://{container}/k"]
    with pytest.raises(DataSourceError, match=f"access denied to az://{container}/new .*Storage Blob Data "
                                              "Contributor") as err:
        storage.write_bytes(f"az://{container}/new", b"x")
    assert "\n" not in str(err.value)


# ------------------------------------------------------------------------------ stored bytes, keys
def _put_gzip_encoded(store, bucket: str, key: str, data: bytes) -> None:
    """Upload ``data`` (gzip bytes) with Content-Encoding: gzip, as ``gsutil cp -z`` or ``aws s3 cp
    --content-encoding gzip`` store a file, with the cloud's own SDK."""
    from tests.fixtures.object_stores import _sdk

    client = _sdk(store)
    if store.scheme == "s3":
        client.put_object(Bucket=bucket, Key=key, Body=data, ContentEncoding="gzip", ContentType="text/csv")
    elif store.scheme == "az":
        from azure.storage.blob import ContentSettings

        client.get_container_client(bucket).upload_blob(
            key, data, overwrite=True, content_settings=ContentSettings(content_encoding="gzip", content_type="text/csv"))
    else:
        blob = client.bucket(bucket).blob(key)
        blob.content_encoding = "gzip"
        blob.upload_from_string(data, content_type="text/csv")


def test_a_gzip_encoded_azure_blob_over_32_mib_is_read_whole(stores, clean_env, monkeypatch):
    """azure-core decodes Content-Encoding: gzip itself when asked to, and a blob downloaded in
    chunks (over max_single_get_size, 32 MiB: azure/storage/blob/_shared/base_client.py, 12.31.1)
    came back cut short without an error (Azure/azure-sdk-for-python#23714): 1,226,987 of
    1,600,000 rows. ctloop downloads the stored bytes and gunzips them itself."""
    import base64
    import gzip

    az = stores["az"]
    container = create_bucket(az)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", az.env["AZURE_STORAGE_CONNECTION_STRING"])
    # few wide rows: the size (over one chunk) is the point, not the row count; base64 noise packs to
    # ~3/4 (hex packed to ~1/2), so ~46 MiB of text, not 74 MiB in 1.6 M rows, makes the 33+ MiB
    rows, width = 60_000, 800
    noise = base64.b64encode(os.urandom(width * rows * 3 // 4))
    raw = b"a,b\n" + b"".join(noise[width * i:width * (i + 1)] + b",%d\n" % i for i in range(rows))
    packed = gzip.compress(raw, compresslevel=1)
    assert len(packed) > 33 * 2**20  # more than one chunk
    _put_gzip_encoded(az, container, "big/x.csv", packed)
    assert storage.read_bytes(f"az://{container}/big/x.csv") == packed  # the stored bytes
    frame = storage.read_table(f"az://{container}/big/x.csv")
    assert len(frame) == rows and frame["b"].iloc[-1] == rows - 1


@pytest.mark.parametrize("kind", REMOTE)
def test_csv_compression_is_told_by_the_bytes_not_the_name(kind, stores, clean_env, monkeypatch):
    """x.csv stored gzipped (Content-Encoding: gzip) and y.csv.gz stored plain (what a client that
    decodes Content-Encoding on upload or download leaves) both read."""
    import gzip

    store = stores[kind]
    bucket = create_bucket(store)
    for name, value in store.env.items():
        monkeypatch.setenv(name, value)
    frame = pd.DataFrame({"x": [1, 2, 3], "c": ["a", "b", "c"]})
    text = frame.to_csv(index=False).encode()
    _put_gzip_encoded(store, bucket, "ce/x.csv", gzip.compress(text))
    _put_gzip_encoded(store, bucket, "ce/y.csv.gz", gzip.compress(text))
    sdk_put(store, bucket, "plain/z.csv.gz", text)
    for key in ("ce/x.csv", "ce/y.csv.gz", "plain/z.csv.gz"):
        pd.testing.assert_frame_equal(storage.read_table(f"{kind}://{bucket}/{key}"), frame)


@pytest.mark.parametrize("kind", ["s3", "az"])  # gcp-storage-emulator serves '/x' with the hash of 'x'
def test_a_listed_key_starting_with_a_slash_is_refused_naming_it(kind, stores, clean_env, monkeypatch):
    """'/data/x.csv' and 'data/x.csv' are two objects; list_files wrote the first as
    s3://B//data/x.csv, and reading that URI read the other one. A URI keeps meaning what it
    always meant (s3://B//logs is s3://B/logs: a templated prefix with a leading '/'), so a
    listing that meets such a name says so instead of handing on a URI for another object."""
    store = stores[kind]
    bucket = create_bucket(store)
    for name, value in store.env.items():
        monkeypatch.setenv(name, value)
    sdk_put(store, bucket, "/data/x.csv", b"a\nslash\n")
    sdk_put(store, bucket, "data/x.csv", b"a\nplain\n")
    for listing in (storage.list_files, storage.list_objects):
        with pytest.raises(DataSourceError, match=r"object '/data/x\.csv' .*starts with '/'.*rename it"):
            listing(f"{kind}://{bucket}")
    assert storage.read_bytes(f"{kind}://{bucket}//data/x.csv") == b"a\nplain\n"  # as before: the key 'data/x.csv'


# ------------------------------------------------------------------------------ refused credentials
def test_s3_refused_credentials_on_a_head_name_both_causes(clean_env, monkeypatch, tmp_path):
    """moto checks signatures when INITIAL_NO_AUTH_ACTION_COUNT=0 (moto/core/responses.py,
    moto 5): a GET with an unknown key says InvalidAccessKeyId; a HEAD's 403 has no body, so
    exists() cannot tell a refused key from a missing grant and said only 'allow s3:GetObject'."""
    from tests.fixtures.servers import BIN, daemon

    port = free_port()
    with daemon([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], tmp_path / "moto-auth", port,
                ready="/moto-api/", env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}) as url:
        for name, value in {**s3_env(url), "AWS_ACCESS_KEY_ID": "AKIAREFUSED0000000000"}.items():
            monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError, match="AWS credentials for s3://b/k.csv were refused .*InvalidAccessKeyId"):
            storage.read_bytes("s3://b/k.csv")
        with pytest.raises(DataSourceError) as err:
            storage.exists("s3://b/k.csv")
    text = str(err.value)
    assert "s3://b/k.csv" in text and "refused or lack permission" in text and "\n" not in text
    assert "AWS_ACCESS_KEY_ID" in text and "s3:GetObject" in text


def test_azure_refused_key_or_expired_sas_names_the_setting_not_a_role(stores, clean_env, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    from tests.fixtures.object_stores import AZURITE_KEY

    az = stores["az"]
    container = create_bucket(az)
    sdk_put(az, container, "k", b"x")
    now = datetime.now(UTC)
    expired = generate_container_sas(AZURITE_ACCOUNT, container, account_key=AZURITE_KEY,
                                     permission=ContainerSasPermissions(read=True, list=True),
                                     start=now - timedelta(days=2), expiry=now - timedelta(days=1))
    for setting, what in [
        (az.env["AZURE_STORAGE_CONNECTION_STRING"].replace(AZURITE_KEY, AZURITE_KEY[:-4] + "AAA="), "account key"),
        (f"BlobEndpoint={az.url};SharedAccessSignature={expired}", "SAS"),
    ]:
        monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", setting)
        for call in (lambda: storage.read_bytes(f"az://{container}/k"), lambda: storage.exists(f"az://{container}/k"),
                     lambda: storage.list_files(f"az://{container}/")):
            with pytest.raises(ConfigError, match=f"Azure refused the credentials for az://{container}/.*: the "
                                                  f"{what} in AZURE_STORAGE_CONNECTION_STRING was refused or has "
                                                  "expired") as err:
                call()
            assert "Storage Blob Data Contributor' on container" not in str(err.value)
            assert "\n" not in str(err.value)
