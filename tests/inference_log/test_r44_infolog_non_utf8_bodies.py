"""A request body that is no UTF-8 (a Latin-1 client) is logged, not refused (round 44).

KServe v0.20.0's agent reads the model request's bytes (``io.ReadAll(r.Body)``) and queues them
as the request event's data as they are, with the request's own ``Content-Type``
(``pkg/logger/handler.go``, ``ServeHTTP``: ``Bytes: &body, ContentType: contentType``), and it
never retries a refused event. A Go model server reads such a body (``encoding/json`` replaces
invalid UTF-8 with U+FFFD) and answers 200, so the response event follows. Before, the sink
answered the request event 400 ``body is not JSON: str is not valid UTF-8`` and the call was
left a response half without features. Now the body is decoded with the ``charset`` its
``Content-Type`` declares, else as UTF-8 with each invalid byte U+FFFD; a body that is no JSON
either way is still a 400.
"""

from __future__ import annotations

import pytest

from ctloop.inference_log.events import RejectedEvent, join, parse_event

LATIN1 = '{"instances": [{"city": "Z\u00fcrich", "income": 1.5}]}'.encode("latin-1")  # b"Z\xfcrich"


def _headers(kind: str, content_type: str = "application/json") -> dict[str, str]:
    # binary mode as KServe v0.20.0's agent sends it (pkg/logger/worker.go: every extension set)
    return {
        "ce-id": "call-1",
        "ce-type": f"org.kubeflow.serving.inference.{kind}",
        "ce-specversion": "1.0",
        "ce-source": "http://localhost:9081/",
        "ce-inferenceservicename": "credit-default",
        "ce-namespace": "ns",
        "ce-component": "predictor",
        "ce-endpoint": "",
        "ce-metadata": "{}",
        "ce-time": "2026-11-22T10:31:02.417Z",
        "content-type": content_type,
    }


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=ISO-8859-1",
        'application/json;charset="latin-1"',
        "application/json; charset=cp1252",
    ],
)
def test_a_body_in_its_declared_charset_is_read_in_it(content_type):
    request = parse_event(_headers("request", content_type), LATIN1)
    response = parse_event(_headers("response", content_type), b'{"predictions": [0.7]}')
    (row,) = join(request, response)
    assert (row["city"], row["income"], row["prediction"]) == ("Z\u00fcrich", 1.5, 0.7)
    assert request.to_wal().decode("utf-8")  # the write-ahead log line is UTF-8


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=no-such-charset",
    ],
)
def test_invalid_utf8_without_a_charset_that_reads_it_becomes_replacement_characters(content_type):
    """As Go's encoding/json reads it: each byte that is no UTF-8 is U+FFFD, the rest kept."""
    request = parse_event(_headers("request", content_type), LATIN1)
    assert request.body == {"instances": [{"city": "Z\ufffdrich", "income": 1.5}]}
    assert "Z\ufffdrich" in request.to_wal().decode("utf-8")


def test_bytes_that_are_no_json_in_any_charset_are_still_refused():
    with pytest.raises(RejectedEvent) as err:
        parse_event(
            _headers("request", "application/json; charset=latin-1"), b'{"instances": [\xfc'
        )
    assert err.value.status == 400 and err.value.code == "bad_json"


def test_a_structured_event_s_base64_data_is_read_in_its_datacontenttype_charset():
    """A structured event (``ctloop logger import``'s blob records, other producers) names the
    data's type in ``datacontenttype``; its ``data_base64`` bytes are read in that charset."""
    import base64
    import json

    envelope = {
        "specversion": "1.0",
        "id": "call-2",
        "source": "batch",
        "type": "org.kubeflow.serving.inference.request",
        "inferenceservicename": "credit-default",
        "datacontenttype": "application/json; charset=iso-8859-1",
        "data_base64": base64.b64encode(LATIN1).decode(),
    }
    event = parse_event(
        {"content-type": "application/cloudevents+json"}, json.dumps(envelope).encode()
    )
    assert event.body == {"instances": [{"city": "Z\u00fcrich", "income": 1.5}]}
