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
    [
        "tier: [a]",
        "tier: {a: b}",
        "tier: 1.5",
        "day: 2001-12-14",
        # go-yaml v2 (sigs.k8s.io/yaml v1.6.0 goyaml.v2 resolve.go) reads y/Y/n/N as booleans,
        # PyYAML as strings; a base-60 1:30 is an int in PyYAML, a string in go-yaml v2
        "tier: y",
        "tier: N",
        "y: tier",
        "tier: 1:30",
        # go-yaml v2 resolve.go: strconv.ParseInt(plain, 0, 64) reads 0o17 as 15, yamlStyleFloat reads
        # an exponent without a dot or its sign as a float; PyYAML leaves both as text (final review F3)
        "tier: 0o17",
        "tier: 1e3",
        # a null key: sigs.k8s.io/yaml convertToJSONableObject "unsupported map key", refused
        "~: tier",
        # encoding/json matches json:"selector" case-insensitively: of two spellings, unknown
        None,
    ],
    ids=[
        "list",
        "mapping",
        "float",
        "timestamp",
        "y",
        "N",
        "y-key",
        "base-60",
        "octal-0o",
        "exponent",
        "null-key",
        "two-spellings",
    ],
)
def test_what_knative_refuses_or_ctloop_does_not_reproduce_is_unknown(selector):
    doc = f"selector:\n  {selector}\n" if selector else "selector:\n  a: b\nSelector:\n  a: c\n"
    domains = {"example.com": "", CLUSTER_LOCAL_DOMAIN: doc}
    assert route_domain(domains, {"tier": "1"}) is None


@pytest.mark.parametrize("key", ["Selector", "SELECTOR"])
def test_the_selector_key_is_matched_case_insensitively(key):
    # Knative 1.21.1 domain.go domainInternalConfig `json:"selector"`: sigs.k8s.io/yaml decodes
    # through encoding/json, which matches field names case-insensitively
    domains = {"example.com": "", CLUSTER_LOCAL_DOMAIN: f"{key}:\n  tier: internal\n"}
    assert route_domain(domains, {"tier": "internal"}) == CLUSTER_LOCAL_DOMAIN
    assert route_domain(domains, {"tier": "public"}) == "example.com"


def test_a_quoted_y_is_a_string_in_both():
    domains = {"example.com": "", CLUSTER_LOCAL_DOMAIN: 'selector:\n  tier: "y"\n'}
    assert route_domain(domains, {"tier": "y"}) == CLUSTER_LOCAL_DOMAIN
