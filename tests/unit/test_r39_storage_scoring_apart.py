"""``ctloop score`` refuses an output inside the ``data`` directory (the next run would read the
predictions as input). On an object store a ``data`` prefix with a dot in its last name
(``s3://b/exports.2026``, a date or version) was taken for a file by its "extension" and the
output let inside it; now only a table file's extension (``.parquet``, ``.pq``, ``.csv``,
``.csv.gz``, any case: what the input reader reads) makes ``data`` a file."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.scoring import check_apart


@pytest.mark.parametrize("data", ["s3://b/exports.2026", "gs://b/exports.2026/", "az://c/credit.v2"])
def test_an_output_inside_a_dotted_prefix_is_refused(data):
    with pytest.raises(ConfigError, match="is inside data"):
        check_apart(data, output=f"{data.rstrip('/')}/scores")


# A table file's name alone no longer makes data a file: the store is asked (Spark's out.parquet/ is a
# directory). That needs a store: tests/integration/test_fix39b_storage_stores.py (review B, F4).
