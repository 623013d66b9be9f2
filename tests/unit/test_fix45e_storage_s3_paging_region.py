"""Two S3 loops of round 45's storage work (fix45e).

A listing whose store sends a continuation token it sent before never ended: ``_S3.pages`` (round 45,
written to catch a truncated page without a token) asked with the token again and again, where
botocore's paginator had refused it ("The same next token was received twice",
botocore/paginate.py ``PageIterator``). Now a token seen before is one line naming the store.

``_S3.bucket_region`` asked HeadBucket before every dataset scan of a store that sends no
``x-amz-bucket-region`` (default MinIO, Ceph RGW): only a region named in the header was remembered,
though the docs say "asked once per bucket". Now the client's region, the answer then, is remembered too
(a 5xx, which names nothing, is asked again next time).

botocore's own ``Stubber`` answers for the store: the answers are the ListObjectsV2 and HeadBucket
shapes of botocore's S3 service model."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from ctloop import storage
from ctloop.errors import DataSourceError


@pytest.fixture
def stubbed(monkeypatch):
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
        endpoint_url="http://rgw:7480",
    )
    s3 = storage._S3()
    monkeypatch.setattr(s3, "client", lambda: client)
    s3._endpoint = "http://rgw:7480"
    monkeypatch.setattr(storage, "_S3_BUCKET_REGIONS", {})
    with Stubber(client) as stub:
        yield s3, stub


def _page(i: int, token: str) -> dict:
    return {
        "IsTruncated": True,
        "NextContinuationToken": token,
        "KeyCount": 1,
        "Contents": [{"Key": f"data/part-{i}.csv", "Size": 1}],
    }


@pytest.mark.parametrize("tokens", [["t1", "t1"], ["t1", "t2", "t1"]], ids=["same-twice", "cycle"])
@pytest.mark.parametrize("call", ["names", "list"])
def test_a_continuation_token_sent_again_is_an_error(stubbed, tokens, call):
    s3, stub = stubbed
    for i, token in enumerate(tokens):
        stub.add_response("list_objects_v2", _page(i, token))
    loc = storage.parse("s3://b/data")
    with pytest.raises(DataSourceError) as caught:
        if call == "names":
            list(s3.names(loc, "data/", loc.uri))
        else:
            s3.list(loc, ".csv")
    assert str(caught.value).startswith(
        f"s3://b/data: http://rgw:7480 sent the same continuation token (NextContinuationToken) twice while "
        f"listing b/data/ ({len(tokens)} keys listed so far), so its listing never ends"
    )
    stub.assert_no_pending_responses()


def test_distinct_tokens_list_every_page(stubbed):
    s3, stub = stubbed
    stub.add_response("list_objects_v2", _page(0, "t1"))
    stub.add_response(
        "list_objects_v2",
        _page(1, "t2"),
        {"Bucket": "b", "Prefix": "data/", "ContinuationToken": "t1"},
    )
    stub.add_response(
        "list_objects_v2",
        {"IsTruncated": False, "KeyCount": 1, "Contents": [{"Key": "data/part-2.csv", "Size": 1}]},
        {"Bucket": "b", "Prefix": "data/", "ContinuationToken": "t2"},
    )
    loc = storage.parse("s3://b/data")
    assert list(s3.names(loc, "data/", loc.uri)) == [
        "data/part-0.csv",
        "data/part-1.csv",
        "data/part-2.csv",
    ]


def test_a_bucket_without_a_region_header_is_asked_once(stubbed):
    s3, stub = stubbed
    # 200 with no x-amz-bucket-region: MinIO's answer
    stub.add_response(
        "head_bucket",
        {"ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}}},
        {"Bucket": "b"},
    )
    loc = storage.parse("s3://b/data/x.parquet")
    assert [s3.bucket_region(loc) for _ in range(3)] == ["us-east-1"] * 3
    stub.assert_no_pending_responses()  # one HeadBucket (before: one per call, the second unanswered here)


def test_a_failing_head_is_asked_again(stubbed):
    s3, stub = stubbed
    stub.add_client_error("head_bucket", "503", "Service Unavailable", 503)
    stub.add_response(
        "head_bucket",
        {
            "ResponseMetadata": {
                "HTTPStatusCode": 200,
                "HTTPHeaders": {"x-amz-bucket-region": "eu-west-1"},
            }
        },
    )
    loc = storage.parse("s3://b/data/x.parquet")
    assert s3.bucket_region(loc) == "us-east-1"
    assert s3.bucket_region(loc) == "eu-west-1"
    assert s3.bucket_region(loc) == "eu-west-1"
    stub.assert_no_pending_responses()
