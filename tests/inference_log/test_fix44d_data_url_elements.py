"""A stored ``BYTES`` data URL always decodes to the element's bytes (fix 44d).

Round 44 stored a binary ``BYTES`` element that is no UTF-8 as the RFC 2397 data URL
``data:application/octet-stream;base64,<bytes>`` and a UTF-8 element as its text, so the text
``data:application/octet-stream;base64,/9j/`` and the bytes ``ff d8 ff`` were stored alike: a
reader could not tell which was sent. Now a UTF-8 element that starts with ``data:`` is stored as
a data URL of its bytes too.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest

from ctloop.inference_log.binary_tensors import BINARY_ELEMENT, decode, split
from tests.inference_log.test_binary_tensors import kserve_to_rest

ELEMENTS = [
    b"\xff\xd8\xff",  # the start of a JPEG: no UTF-8
    b"data:application/octet-stream;base64,/9j/",  # text that is the data URL of those bytes
    b"data:text/plain,hi",  # any text that starts like a data URL
    "caf\u00e9".encode(),  # ordinary text
]


def _stored(elements: list[bytes]) -> list[str]:
    array = np.array(elements, dtype=np.object_)
    body, _ = kserve_to_rest({"id": "r-1"}, "inputs", [("s", "BYTES", array)])
    payload, tail = split(body)
    return decode(payload, tail, "request")["inputs"][0]["data"]


def test_text_that_looks_like_a_data_url_is_stored_apart_from_the_bytes_it_names():
    stored = _stored(ELEMENTS)
    assert len(set(stored[:2])) == 2  # before: both "data:application/octet-stream;base64,/9j/"
    assert stored[3] == "caf\u00e9"


@pytest.mark.parametrize("at", range(len(ELEMENTS)))
def test_every_stored_data_url_decodes_to_the_element(at):
    value = _stored(ELEMENTS)[at]
    if value.startswith("data:"):
        assert value.startswith(BINARY_ELEMENT)
        assert base64.b64decode(value.removeprefix(BINARY_ELEMENT)) == ELEMENTS[at]
    else:
        assert value.encode() == ELEMENTS[at]
