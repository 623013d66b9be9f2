"""A gzip body of very many members is refused, not read member by member (review revH2 #1).

RFC 1952 §2.2 lets a gzip body hold a series of members, and round 40 reads every one of them
(``gzip.decompress`` does the same). Each member was read by copying all the input left after it
(``unused_data``) and all the output so far, and an empty member (20 bytes) adds no output, so
``--max-body-bytes`` never fired: 128,000 empty members (2.5 MB) held the sink's event loop for
seconds, a 16 MiB body for minutes. A body now holds at most ``MAX_GZIP_MEMBERS`` members: more is a
400 naming that limit; fewer are read whole, as before.
"""

from __future__ import annotations

import gzip
import json

import pytest

from ctloop.inference_log import events
from ctloop.inference_log.events import RejectedEvent, parse_event
from tests.inference_log.test_r40_infer_compressed_bodies import REQUEST, _headers

EMPTY = gzip.compress(b"", mtime=0)  # 20 bytes, no output


def test_a_body_of_many_empty_members_is_a_400_naming_the_limit():
    body = EMPTY * 128_000 + gzip.compress(json.dumps(REQUEST).encode(), mtime=0)
    with pytest.raises(RejectedEvent, match=r"more than \d+ gzip members") as exc:
        parse_event(_headers("request"), body)
    assert exc.value.status == 400


def test_one_member_over_the_limit_is_refused_and_the_limit_itself_is_read():
    limit = events.MAX_GZIP_MEMBERS
    text = json.dumps(REQUEST).encode()
    last = gzip.compress(text, mtime=0)
    assert parse_event(_headers("request"), EMPTY * (limit - 1) + last).body == REQUEST
    with pytest.raises(RejectedEvent, match="gzip members"):
        parse_event(_headers("request"), EMPTY * limit + last)


def test_members_split_anywhere_are_read_whole():
    text = json.dumps(REQUEST).encode()
    cuts = [0, 1, 7, 30, len(text)]
    body = b"".join(gzip.compress(text[a:b]) for a, b in zip(cuts, cuts[1:], strict=False))
    assert gzip.decompress(body) == text
    assert parse_event(_headers("request"), body).body == REQUEST
