"""A missing value in the two protocols. V1 refuses NaN (it is no JSON number, RFC 8259: KServe
v0.20.0 ``protocol/dataplane.py`` ``DataPlane.decode`` parses with orjson, which refuses it, and
the runtime's ``text/plain`` path refuses it the same way) and serves ``null`` as missing. A V2 REST
body is parsed by FastAPI/Starlette's ``json.loads`` (``protocol/rest/v2_endpoints.py`` ``infer``,
``InferenceRequest`` in ``v2_datamodels.py``: ``data: List``), which accepts the literal ``NaN``,
and the runtime served it as a missing value — the same body was refused on V1 and served on V2.
Now a NaN in a V2 JSON ``data`` list is refused as V1 refuses it (400 naming the tensor, send null),
and ``null`` is the missing value in both protocols, served identically. Through the real KServe
model server from .venv-serving."""

from __future__ import annotations

import json
import os
import subprocess

import httpx
import pytest

from tests.fixtures.servers import free_port, stop_group, wait_http
from tests.helpers import REPO
from tests.serving.test_runtime_server import MODEL, SERVING_PYTHON, records, sha256_of, trained

__all__ = ["trained"]  # fixture


@pytest.fixture(scope="module")
def runtime(trained, tmp_path_factory):
    """The runtime of this checkout (PYTHONPATH: its src, whichever checkout .venv-serving was
    installed from)."""
    directory, _, _ = trained
    log = tmp_path_factory.mktemp("runtime") / "runtime.log"
    port, grpc = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "CTLOOP_MODEL"))}
    env.update(
        PYTHONPATH=str(REPO / "src"),
        CTLOOP_MODEL_SHA256=sha256_of(directory),
        CTLOOP_MODEL_VERSION="3",
    )
    proc = subprocess.Popen(
        [
            str(SERVING_PYTHON),
            "-m",
            "ctloop.serving.runtime",
            "--model_name",
            MODEL,
            "--model_dir",
            str(directory),
            "--http_port",
            str(port),
            "--grpc_port",
            str(grpc),
            "--workers",
            "1",
        ],
        stdout=open(log, "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env,
        cwd=str(log.parent),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/v1/models/{MODEL}", proc, log, timeout=90)
        yield url
    finally:
        stop_group(proc)


pytestmark = pytest.mark.slow


def _v2_body(row: dict, income) -> bytes:
    inputs = []
    for name, value in row.items():
        value = income if name == "income" else value
        datatype = "BYTES" if isinstance(value, str) else "FP64"
        inputs.append({"name": name, "shape": [1], "datatype": datatype, "data": [value]})
    return json.dumps({"inputs": inputs}).encode()  # json.dumps writes NaN for float("nan")


def test_nan_is_refused_and_null_served_alike_in_v1_and_v2(runtime, trained):
    _, _, rows = trained
    row = records(rows.head(1))[0]
    post = {"content": None, "headers": {"content-type": "application/json"}, "timeout": 30}
    v2_nan = httpx.post(
        f"{runtime}/v2/models/{MODEL}/infer", **{**post, "content": _v2_body(row, float("nan"))}
    )
    assert v2_nan.status_code == 400, v2_nan.text
    assert "NaN" in v2_nan.text and "'income'" in v2_nan.text and "null" in v2_nan.text
    v1_nan = httpx.post(
        f"{runtime}/v1/models/{MODEL}:predict",
        **{
            **post,
            "content": json.dumps({"instances": [{**row, "income": float("nan")}]}).encode(),
        },
    )
    assert v1_nan.status_code == 400
    v2_null = httpx.post(
        f"{runtime}/v2/models/{MODEL}/infer", **{**post, "content": _v2_body(row, None)}
    )
    v1_null = httpx.post(
        f"{runtime}/v1/models/{MODEL}:predict",
        **{**post, "content": json.dumps({"instances": [{**row, "income": None}]}).encode()},
    )
    assert v2_null.status_code == 200 and v1_null.status_code == 200, (v2_null.text, v1_null.text)
    assert v2_null.json()["outputs"][0]["data"] == pytest.approx(
        sum(v1_null.json()["predictions"], [])
    )
