"""Round 50: the KFP API double pages every list as kubeflow/pipelines 2.17.0 does.

``backend/src/apiserver/list/list.go`` (2.17.0): ``validatePageSize`` takes a page size of 0 (or
none) as ``defaultPageSize`` 20 and one over ``maxPageSize`` 200 as 200, and refuses a negative one
(``NewInvalidInputError``, HTTP 400, gRPC InvalidArgument); ``NextPageToken`` is set only while more
rows follow. ``ListPipelines`` and ``ListExperiments`` (``server/pipeline_server.go``,
``server/experiment_server.go``) page so like the other lists; the double answered them whole, so a
lookup that read one page only could not fail here."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.doubles.kfp_api import PREFIX, KfpApiDouble


@pytest.fixture(scope="module")
def kfp():
    with KfpApiDouble() as double:
        for i in range(205):
            double.state.experiments[f"e{i}"] = {
                "experiment_id": f"e{i}",
                "display_name": f"x{i}",
                "namespace": "",
            }
            double.state.pipelines[f"p{i}"] = {
                "pipeline_id": f"p{i}",
                "name": f"p{i}",
                "display_name": f"p{i}",
                "namespace": "",
            }
        yield double


def _get(kfp, path: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(kfp.url + PREFIX + path, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize(
    ("kind", "key"), [("experiments", "experiments"), ("pipelines", "pipelines")]
)
def test_lists_are_paged_as_the_server_pages_them(kfp, kind, key):
    status, first = _get(kfp, f"/{kind}")
    assert (
        status == 200
        and len(first[key]) == 20
        and first["total_size"] == 205
        and first["next_page_token"]
    )
    _, big = _get(kfp, f"/{kind}?page_size=1000")
    assert len(big[key]) == 200 and big["next_page_token"]
    _, rest = _get(kfp, f"/{kind}?page_size=200&page_token={big['next_page_token']}")
    assert len(rest[key]) == 5 and "next_page_token" not in rest
    assert {i[f"{kind[:-1]}_id"] for i in big[key] + rest[key]} == {
        f"{kind[0]}{i}" for i in range(205)
    }


def test_a_negative_page_size_is_refused(kfp):
    status, body = _get(kfp, "/experiments?page_size=-1")
    assert (
        status == 400
        and body["code"] == 3
        and "page size should be greater than 0" in body["message"]
    )
