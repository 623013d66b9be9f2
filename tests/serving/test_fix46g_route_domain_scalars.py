"""isvc.route_domain reads config-domain's selectors as Knative does (review G of round 46).

Knative (knative-v1.21.1 pkg/reconciler/route/config/domain.go NewDomainFromConfigMap) reads each
entry with sigs.k8s.io/yaml into ``map[string]string``; its ``convertToJSONableObject`` (yaml.go)
makes a boolean or a number aimed at a string the string Go formats: ``internal: true`` selects
label value ``"true"``. ctloop made it Python's ``"True"`` and matched no Route, and stringified a
list, which Knative refuses (the ConfigMap rejected: nothing is known, None)."""

import pytest

from ctloop.serving.isvc import CLUSTER_LOCAL_DOMAIN, route_domain


@pytest.mark.parametrize(
    ("selector", "labels"),
    [
        ("internal: true", {"internal": "true"}),
        ("internal: yes", {"internal": "true"}),  # YAML 1.1 in both go-yaml v2 and PyYAML
        ("tier: 1", {"tier": "1"}),
        ("tier: ~", {"tier": ""}),
        ("true: x", {"true": "x"}),
    ],
    ids=["bool", "yes", "int", "null", "bool-key"],
)
def test_non_string_selector_values_match_as_knative_reads_them(selector, labels):
    domains = {"example.com": "", CLUSTER_LOCAL_DOMAIN: f"selector:\n  {selector}\n"}
    assert route_domain(domains, labels) == CLUSTER_LOCAL_DOMAIN
    assert route_domain(domains, {k: "other" for k in labels}) == "example.com"


@pytest.mark.parametrize(
    "selector",
    ["tier: [a]", "tier: {a: b}", "tier: 1.5", "day: 2001-12-14"],
    ids=["list", "mapping", "float", "timestamp"],
)
def test_what_knative_refuses_or_ctloop_does_not_reproduce_is_unknown(selector):
    domains = {"example.com": "", CLUSTER_LOCAL_DOMAIN: f"selector:\n  {selector}\n"}
    assert route_domain(domains, {"tier": "1"}) is None
