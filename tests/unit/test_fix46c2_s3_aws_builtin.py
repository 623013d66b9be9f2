"""Final review F2 of round 46: ``storage._aws_s3`` decides "AWS itself" from botocore's
``SDK::Endpoint`` builtin (botocore 1.44.8 ``client._ruleset_resolver._builtins``), and from the
endpoint's host only where that private attribute is missing; the host check decided every case the
other tests use, so the builtin's branch could break unnoticed. Each branch alone here. No request
is sent: the clients are only built."""

from __future__ import annotations

import boto3
import pytest

from ctloop import storage


def _client(**kwargs):
    return boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="y", region_name="eu-west-1"
    ).client("s3", **kwargs)


def test_no_endpoint_configured_is_aws_by_the_builtin_alone(monkeypatch):
    client = _client()
    monkeypatch.setattr(storage, "_aws_endpoint", lambda url: False)  # the host check says nothing
    assert storage._aws_s3(client)


def test_a_configured_endpoint_is_not_aws_by_the_builtin(monkeypatch):
    client = _client(endpoint_url="http://minio.example:9000")
    monkeypatch.setattr(storage, "_aws_endpoint", lambda url: False)
    assert not storage._aws_s3(client)


@pytest.mark.parametrize(
    ("endpoint", "aws"),
    [
        (None, True),
        ("http://minio.example:9000", False),
        ("https://s3.eu-west-1.amazonaws.com", True),
    ],
    ids=["resolved", "minio", "aws-url"],
)
def test_without_the_private_attribute_the_host_decides(endpoint, aws):
    client = _client(**({"endpoint_url": endpoint} if endpoint else {}))
    del client._ruleset_resolver  # a botocore that keeps its builtins elsewhere
    assert storage._aws_s3(client) is aws
