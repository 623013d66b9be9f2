"""The If-None-Match probe of an S3-compatible store (fix 42h3, review of fix 42e).

Any host under amazonaws.com was taken for AWS S3 and not probed, so MinIO behind an AWS load
balancer (``*.elb.<region>.amazonaws.com``) or on an EC2 public name (``ec2-*.compute-1.amazonaws.com``)
was trusted to check the header without being asked. Only S3's own host names count now (the forms of
botocore's ``data/endpoints.json`` partitions and the S3 user guide: ``s3``, ``s3-fips``,
``s3-external-1``, ``s3.dualstack``, ``s3-accesspoint``, ``s3-<region>``, interface VPC endpoints,
virtual-hosted buckets, S3 Express).

An identity that may not write (Get/List only) was told ``left the empty probe object`` although the
first write of it had been refused: nothing was left. The store is moto's server with IAM checks on."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from ctloop import storage
from ctloop.errors import DataSourceError
from ctloop.labels.store import ingest_labels
from tests.fixtures.object_stores import moto_identity


@pytest.mark.parametrize(
    ("url", "aws"),
    [
        ("https://s3.amazonaws.com", True),
        ("https://s3.us-east-1.amazonaws.com", True),
        ("https://s3-us-west-2.amazonaws.com", True),
        ("https://s3-external-1.amazonaws.com", True),
        ("https://s3-fips.us-gov-west-1.amazonaws.com", True),
        ("https://s3.dualstack.eu-west-1.amazonaws.com", True),
        ("https://s3-fips.dualstack.us-east-1.amazonaws.com", True),
        ("https://ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com", True),
        ("https://bucket.s3.eu-central-1.amazonaws.com", True),
        ("https://bucket.vpce-1a2b3c4d-5e6f.s3.us-east-1.vpce.amazonaws.com", True),
        ("https://s3.cn-north-1.amazonaws.com.cn", True),
        ("https://s3express-usw2-az1.us-west-2.amazonaws.com", True),
        ("http://minio-1234567890.elb.us-east-1.amazonaws.com:9000", False),
        ("http://ec2-3-4-5-6.compute-1.amazonaws.com:9000", False),
        ("http://s3.elb.us-east-1.amazonaws.com", False),
        ("https://s3.amazonaws.com.example.net", False),
        ("http://ec2-3-4-5-6.eu-west-1.compute.amazonaws.com", False),
    ],
    ids=[
        "global",
        "regional",
        "dash-region",
        "external-1",
        "fips-gov",
        "dualstack",
        "fips-dualstack",
        "access-point",
        "virtual-hosted",
        "vpc-endpoint",
        "china",
        "express",
        "elb",
        "ec2-compute-1",
        "elb-named-s3",
        "look-alike",
        "ec2-regional",
    ],
)
def test_only_s3_host_names_are_aws_s3(url, aws):
    assert storage._aws_endpoint(url) is aws


@pytest.fixture
def read_only_identity(tmp_path, monkeypatch):
    """A moto_server user allowed ["s3:GetObject", "s3:ListBucket"] only (:func:`moto_identity`); yields its client."""
    with moto_identity(tmp_path, monkeypatch, bucket="ctloop-probe", actions=["s3:GetObject", "s3:ListBucket"], user="reader") as client:
        yield client


def test_a_probe_never_written_is_not_said_to_be_left(read_only_identity, tmp_path):
    labels = tmp_path / "l.csv"
    pd.DataFrame({"request_id": ["r1"], "label": [1]}).to_csv(labels, index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DataSourceError, match="access denied"):
            ingest_labels(str(labels), "s3://ctloop-probe/store")
    assert [str(w.message) for w in caught if "probe" in str(w.message)] == []
    assert read_only_identity.list_objects_v2(Bucket="ctloop-probe").get("Contents", []) == []
