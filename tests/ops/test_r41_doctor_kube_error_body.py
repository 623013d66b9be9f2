"""``ctloop doctor`` names a Kubernetes API refusal by its Status ``message``. A body that is JSON
but not an object (``[]``, ``"text"``, ``5``: a proxy in front of the API server) raised
AttributeError ('list' object has no attribute 'get') instead of naming the HTTP status and reason."""

from __future__ import annotations

import pytest

from ctloop.ops.doctor import _kube_error


class _ApiException:  # the fields doctor reads of kubernetes.client.exceptions.ApiException
    def __init__(self, body):
        self.status, self.reason, self.body = 403, "Forbidden", body


@pytest.mark.parametrize("body", ["[]", '"denied"', "5", "null", "not json", ""])
def test_a_body_that_is_no_status_object_names_the_status_and_reason(body):
    assert _kube_error(_ApiException(body)) == "HTTP 403: Forbidden"


def test_a_status_object_gives_its_message():
    body = '{"kind": "Status", "message": "inferenceservices is forbidden: User \\"x\\" cannot list"}'
    assert _kube_error(_ApiException(body)) == 'HTTP 403: inferenceservices is forbidden: User "x" cannot list'
