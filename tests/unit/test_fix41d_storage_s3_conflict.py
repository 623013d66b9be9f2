"""S3 answers 409 ConditionalRequestConflict to a conditional PUT (If-None-Match: *) while another
conditional write of the key is under way; that writer's object is not there yet, so taking 409 for
"taken" made the label store read a manifest that did not exist (review 41, suspicion). The PUT is
asked again (the S3 user guide's advice for 409). Modelled with botocore's Stubber (botocore/stub.py):
moto 5 does not produce the conflict."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ctloop import storage

PUT = {"Bucket": "b", "Key": "m.json", "Body": ANY, "ContentType": ANY, "IfNoneMatch": "*", "Metadata": ANY}


@pytest.fixture
def stub(monkeypatch):
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    monkeypatch.setattr(storage._S3, "client", lambda self: client)
    # the store checks If-None-Match (its probe: test_r42_storage_s3_ignored_if_none_match.py)
    monkeypatch.setattr(storage._S3, "conditional_writes", lambda self, loc: True)
    with Stubber(client) as stubbed:
        yield stubbed
        stubbed.assert_no_pending_responses()


def test_a_conflict_then_success_creates(stub):
    stub.add_client_error("put_object", "ConditionalRequestConflict", http_status_code=409, expected_params=PUT)
    stub.add_response("put_object", {}, expected_params=PUT)
    assert storage.create_bytes("s3://b/m.json", b"one")


def test_a_conflict_then_taken_is_refused_once_the_other_object_exists(stub):
    stub.add_client_error("put_object", "ConditionalRequestConflict", http_status_code=409, expected_params=PUT)
    stub.add_client_error("put_object", "PreconditionFailed", http_status_code=412, expected_params=PUT)
    # the other writer's object: without this create's token (round 44)
    stub.add_response("head_object", {"Metadata": {}}, expected_params={"Bucket": "b", "Key": "m.json"})
    assert not storage.create_bytes("s3://b/m.json", b"one")
