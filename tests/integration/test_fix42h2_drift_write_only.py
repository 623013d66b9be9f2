"""``ctloop drift --output s3://…`` with the identity ctloop documents for its tasks
(manifests/components/storage-credentials/irsa: s3:GetObject, s3:PutObject, s3:ListBucket, no
s3:DeleteObject) failed with exit code 2 and wrote nothing: fix 42b deleted an earlier run's
drift.json before rendering the report, unconditionally. Now the delete is asked for only when a
verdict is there (a HEAD: s3:GetObject), and a refused delete is one warning; the run writes both
files. The store is moto's server with IAM checks on (moto's INITIAL_NO_AUTH_ACTION_COUNT: the
requests after the first four are checked against the user's policy), not a double."""

from __future__ import annotations

import json
import os
from datetime import UTC

import numpy as np
import pandas as pd
import pytest

from ctloop import storage
from ctloop.cli import main
from tests.fixtures.object_stores import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    azurite,
    isolated_env,
    moto_identity,
)
from tests.fixtures.servers import free_port

pytestmark = pytest.mark.slow

BUCKET = "ctloop-drift-wonly"


@pytest.fixture
def write_only(tmp_path, monkeypatch):
    """A moto_server user allowed ["s3:GetObject", "s3:PutObject", "s3:ListBucket"] only (:func:`moto_identity`); yields its client."""
    with moto_identity(tmp_path, monkeypatch, bucket=BUCKET, actions=["s3:GetObject", "s3:PutObject", "s3:ListBucket"], user="drift") as client:
        yield client


def _sides(tmp_path):
    rng = np.random.default_rng(7)
    for name, shift in (("ref", 0.0), ("cur", 0.5)):
        frame = pd.DataFrame({"x": rng.normal(shift, 1, 200), "c": rng.choice(["a", "b"], 200)})
        frame.to_parquet(tmp_path / f"{name}.parquet")
    return str(tmp_path / "ref.parquet"), str(tmp_path / "cur.parquet")


def _run(ref, cur, out):
    argv = ["drift", "--reference", ref, "--current", cur, "--output", out, "--quiet"]
    return main([*argv, "--report-sample-size", "200"])


def _keys(client):
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return sorted(o["Key"] for o in listed)


def test_a_first_run_writes_both_files_without_delete_permission(write_only, tmp_path, capsys):
    ref, cur = _sides(tmp_path)
    out = f"s3://{BUCKET}/drift/run1"
    assert _run(ref, cur, out) == 0
    assert _keys(write_only) == ["drift/run1/drift.json", "drift/run1/report.html"]
    assert json.loads(storage.read_bytes(f"{out}/drift.json"))["report"] is not None
    assert "warning" not in capsys.readouterr().err  # nothing to delete: no delete asked for


def test_a_reused_output_warns_once_and_writes_both_files(write_only, tmp_path, capsys):
    ref, cur = _sides(tmp_path)
    out = f"s3://{BUCKET}/drift/reused"
    write_only.put_object(Bucket=BUCKET, Key="drift/reused/drift.json", Body=b'{"earlier": "run"}')
    assert _run(ref, cur, out) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1 and f"could not delete the earlier {out}/drift.json" in warned[0]
    assert "access denied" in warned[0]
    assert _keys(write_only) == ["drift/reused/drift.json", "drift/reused/report.html"]
    verdict = json.loads(storage.read_bytes(f"{out}/drift.json"))
    assert "earlier" not in verdict and verdict["report"] is not None  # replaced by this run's


@pytest.fixture
def sas_without_delete(tmp_path, monkeypatch):
    """Azurite, a container, and a container SAS granting read, write, create and list but not
    delete (Azurite checks a SAS's permissions as Azure does); the environment holds only it."""
    from datetime import datetime, timedelta

    from azure.storage.blob import (
        BlobServiceClient,
        ContainerSasPermissions,
        generate_container_sas,
    )

    with azurite(tmp_path / "azurite") as blob_url:
        key = {"account_name": AZURITE_ACCOUNT, "account_key": AZURITE_KEY}
        service = BlobServiceClient(blob_url, credential=key)
        container = service.create_container(BUCKET)
        allowed = ContainerSasPermissions(read=True, write=True, create=True, list=True)
        expiry = datetime.now(UTC) + timedelta(hours=1)
        sas = generate_container_sas(
            AZURITE_ACCOUNT, BUCKET, account_key=AZURITE_KEY, permission=allowed, expiry=expiry
        )
        for name in [k for k in os.environ if k.startswith(("AZURE_", "AWS_"))]:
            monkeypatch.delenv(name)
        for name, value in isolated_env(tmp_path / "home", free_port()).items():
            monkeypatch.setenv(name, value)
        connection = f"BlobEndpoint={blob_url};SharedAccessSignature={sas}"
        monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection)
        yield container


def test_a_sas_without_delete_warns_and_writes_both_files(sas_without_delete, tmp_path, capsys):
    ref, cur = _sides(tmp_path)
    sas_without_delete.upload_blob("drift/reused/drift.json", b'{"earlier": "run"}')
    out = f"az://{BUCKET}/drift/reused"
    assert _run(ref, cur, out) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1 and "access denied" in warned[0]
    names = sorted(b.name for b in sas_without_delete.list_blobs())
    assert names == ["drift/reused/drift.json", "drift/reused/report.html"]
    assert "earlier" not in json.loads(storage.read_bytes(f"{out}/drift.json"))
