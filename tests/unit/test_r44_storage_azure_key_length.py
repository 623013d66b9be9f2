"""Azure's 1,024-character limit on a blob name counts UTF-16 code units (round 44, storage).

The Azure REST reference ("Naming and referencing containers, blobs, and metadata") says a blob name
"cannot be more than 1,024 characters long"; the service counts .NET string length, UTF-16 code units:
a name holds at most 512 U+1F60A (each a surrogate pair) and 1,024 U+963F (each one unit), as the
azure-storage-cpp maintainer measured against the service (Azure/azure-storage-cpp#291). Azurite 3.37
checks no length at all, so no server here can refuse it. ctloop counted code points: a key of 513
emoji (1,026 units) passed the check and the upload was refused after the work."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError

EMOJI = "\U0001f60a"  # outside the BMP: two UTF-16 code units


def test_a_key_past_1024_utf16_units_is_refused():
    with pytest.raises(
        ConfigError,
        match=r"1026 characters: Azure keys hold at most 1024 characters, counted in UTF-16",
    ):
        storage.parse("az://c/" + EMOJI * 513)


@pytest.mark.parametrize(
    "key",
    [EMOJI * 512, "\u963f" * 1024, EMOJI * 511 + "ab"],
    ids=["512-emoji", "1024-bmp", "mixed-1024"],
)
def test_keys_of_1024_utf16_units_pass(key):
    assert storage.parse("az://c/" + key).key == key


def test_s3_and_gcs_still_count_utf8_bytes():
    assert storage.parse("s3://b/" + EMOJI * 256).key == EMOJI * 256  # 1024 bytes
    with pytest.raises(ConfigError, match="1028 bytes"):
        storage.parse("gs://b/" + EMOJI * 257)
