"""A KFP 500 said only "Internal Server Error", dropping why.

kubeflow/pipelines 2.17.0 ``backend/src/common/util/error.go``: ``UserError.GRPCStatus`` sends the
whole internal chain as the status message and the *external* message as its one detail
(``google.rpc.Status``); ``NewInternalServerError`` sets that external message to the fixed text
``Internal Server Error`` (``NewUnavailableServerError``: ``Service unavailable``). grpc-gateway
writes both into the JSON body. ctloop printed the detail when there is one (for a NotFound it is
the clean ``PipelineVersion <id> not found``), so every 500 read "HTTP 500 Internal Server Error:
Internal Server Error" — e.g. ``CreateRun`` of a deleted pipeline version
(``resource/resource_manager.go``), whose reason is only in the message. A generic detail now gives
way to the message.
"""

from __future__ import annotations

import json

import pytest
from kfp_server_api.exceptions import ApiException

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform

CHAIN = ("Failed to create a new run: InternalServerError: Failed to create a run due to error fetching manifest: "
         "Failed to fetch a template due to error retrieving pipeline version: Failed to fetch a pipeline version and "
         "its manifest from pipeline version v-1: Failed to get a pipeline version with id v-1: ResourceNotFoundError: "
         "PipelineVersion v-1 not found")


def _body(code: int, message: str, external: str) -> str:
    return json.dumps({"code": code, "message": message,
                       "details": [{"@type": "type.googleapis.com/google.rpc.Status", "code": code,
                                    "message": external}]})


def _fail(status: int, body: str) -> str:
    def call():
        exc = ApiException(status=status, reason="Internal Server Error" if status == 500 else "Not Found")
        exc.body, exc.headers = body, {"Content-Type": "application/json"}
        raise exc

    with pytest.raises(PlatformError) as caught:
        Platform(client=object())._call("create run", call)
    return str(caught.value)


def test_a_500_says_why_not_only_internal_server_error():
    line = _fail(500, _body(13, CHAIN, "Internal Server Error"))
    assert "PipelineVersion v-1 not found" in line, line


def test_a_specific_detail_is_still_preferred():
    line = _fail(404, _body(5, "Failed to get a pipeline version v-1: Failed to get a pipeline version with id v-1: "
                               "ResourceNotFoundError: PipelineVersion v-1 not found", "PipelineVersion v-1 not found"))
    assert "HTTP 404 Not Found: PipelineVersion v-1 not found —" in line, line
