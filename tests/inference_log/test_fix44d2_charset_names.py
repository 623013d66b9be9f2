"""A hostile ``charset`` name does not grow the process's codec cache (fix 44d2).

``codecs.lookup`` keeps every name it is asked about, found or not, in ``encodings._cache`` for the
life of the process. The caller of the model controls the ``Content-Type`` KServe's agent forwards,
so unique charset names (20,000 random 4 KB names: RSS 41 -> 115 MB; the sink 90 -> 183 MB after
3,000 rejected requests) grew the sink's memory without limit. Now a name longer than 40
characters, outside RFC 2978's charset characters, or no codec name Python ships is treated as
undeclared before any lookup.
"""

from __future__ import annotations

import encodings

import pytest

from ctloop.inference_log.events import RejectedEvent, parse_event

# a Latin-1 byte: the declared charset is looked up
BODY = b'{"instances": [{"city": "Z\xfcrich"}]}'
HEADERS = {  # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go)
    "ce-id": "call-1",
    "ce-type": "org.kubeflow.serving.inference.request",
    "ce-specversion": "1.0",
    "ce-source": "http://localhost:9081/",
    "ce-inferenceservicename": "credit-default",
    "ce-namespace": "ns",
    "ce-component": "predictor",
    "ce-endpoint": "",
    "ce-metadata": "{}",
    "ce-time": "2026-11-22T10:31:02.417Z",
}

HOSTILE = {
    "long": [f"x{i:04d}" + "a" * 4000 for i in range(50)],
    "short-unknown": [f"x-charset-{i:04d}" for i in range(50)],  # RFC 2978 characters, no codec
    "bad-characters": [f"utf 8 /{i}" for i in range(50)],
}


def _parse(charset: str, body: bytes = BODY):
    headers = dict(HEADERS, **{"content-type": f"application/json; charset={charset}"})
    return parse_event(headers, body)


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_hostile_charset_names_leave_the_codec_cache_as_it_was(kind):
    _parse("latin-1")  # the cache holds what a real name adds
    before = len(encodings._cache)
    for name in HOSTILE[kind]:
        assert _parse(name).body == {"instances": [{"city": "Z\ufffdrich"}]}  # read as UTF-8
        with pytest.raises(RejectedEvent):  # a rejected event looks its charset up too
            _parse(name, b'{"instances": [\xfc')
    assert len(encodings._cache) == before


@pytest.mark.parametrize(
    "charset", ["iso-8859-1", "latin1", "l1", "windows-1252", "cp1252", "iso_8859-15"]
)
def test_real_charset_names_are_still_honoured(charset):
    assert _parse(charset).body == {"instances": [{"city": "Z\u00fcrich"}]}
