"""A 403 RequestTimeTooSkewed without a Date header (a proxy dropping it) read "this machine's clock is
from the store's" (round 43's message, fix 43 E). S3's error body holds the request's signing time and
its own (``RequestTime``, ``ServerTime``: Amazon S3 API reference, "Error responses"; the
``SkewedS3`` double of ``test_r43_storage_s3_clock_skew.py`` answers them as AWS S3 does): the skew is
now read from them, and where neither they nor a Date header are there the message says the clock is
more than 15 minutes off."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.integration.test_r43_storage_s3_clock_skew import SkewedS3, skewed  # noqa: F401 (fixture)


@pytest.mark.parametrize(
    ("times", "said"),
    [
        (True, "clock is 60 minutes behind the store's"),
        (False, "clock is more than 15 minutes off the store's"),
    ],
    ids=["body-times", "nothing-told"],
)
def test_a_skew_without_a_date_header_is_named(skewed, monkeypatch, times, said):  # noqa: F811
    double = SkewedS3(date=False, times=times)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", double.url)
    try:
        with pytest.raises(ConfigError) as err:
            storage.read_bytes("s3://ctloop-data/labels/x.csv")
    finally:
        double.close()
    assert (
        f"because this machine's {said} (S3 allows 15 minutes; RequestTimeTooSkewed): sync it"
        in str(err.value)
    )
