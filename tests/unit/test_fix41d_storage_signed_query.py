"""A signed query after a bucket/container with no key (``az://c?sv=…&sig=…``, ``s3://b?X-Amz-Signature=…``)
was read as part of the container's name and quoted, signature included, in error lines (review 41 item 4);
it is refused before any request, named without it. No bucket/container name holds '?'."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError


@pytest.mark.parametrize("uri", ["az://sales?sv=2024-05-04&sr=c&sig=SECRETSIG", "s3://b?X-Amz-Signature=SECRETSIG",
                                 "gs://b?X-Goog-Signature=SECRETSIG", "s3://b/?X-Amz-Signature=SECRETSIG"])
def test_a_signed_query_after_a_bucket_is_refused_without_it(uri):
    with pytest.raises(ConfigError) as err:
        storage.parse(uri)
    assert "SECRETSIG" not in str(err.value)


def test_a_question_mark_in_a_bucket_name_is_refused():
    with pytest.raises(ConfigError, match="bucket"):
        storage.parse("s3://b?x=1/k.csv")
