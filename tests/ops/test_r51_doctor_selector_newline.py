"""A PodDefault selector with a trailing newline in a label key's prefix, name or value was valid.

``ctloop.ops.doctor.selector_error`` models k8s.io/apimachinery v0.28.1 ``pkg/util/validation``
(``IsDNS1123Subdomain``, ``IsQualifiedName``, ``IsValidLabelValue``: Go regexps ``^…$``, where ``$`` is the
end of the text). Its patterns ended in Python's ``$``, which also matches before a final newline, so
``example.com\\n/app`` passed though the admission webhook's conversion refuses it (and every pod of the
namespace with it). The prefix is now checked with ``ctloop.config.K8S_SUBDOMAIN`` (one pattern, ``\\Z``), the
name and value with ``\\Z`` (review H3 #6).
"""

from __future__ import annotations

import pytest

from ctloop.ops.doctor import selector_error


@pytest.mark.parametrize(
    ("selector", "said"),
    [
        ({"matchLabels": {"example.com\n/app": "x"}}, "its prefix is not a DNS subdomain"),
        ({"matchLabels": {"app\n": "x"}}, "is not a label name"),
        ({"matchLabels": {"app": "x\n"}}, "is not a label value"),
        (
            {"matchExpressions": [{"key": "app", "operator": "In", "values": ["x\n"]}]},
            "is not a label value",
        ),
    ],
)
def test_a_trailing_newline_is_refused(selector, said):
    assert said in selector_error(selector)


def test_the_same_without_the_newline_converts():
    assert selector_error({"matchLabels": {"example.com/app": "x", "app": ""}}) == ""
