"""rollout.inference_service is held to the tag-routing name limit when the config is checked.

Review G44: an InferenceService name of 47..63 characters is a valid Kubernetes name, but the
tag host Knative serves ctloop's canary at, ``latest-<name>-predictor``, then passes the 63
characters of a DNS label (``ctloop.serving.isvc.check_tag_routing_name``: KServe v0.20.0
``ksvc_reconciler.go`` tags, knative-v1.21.1 ``domains.go``). Round 44 refused such a name at
deploy time only, while the config check (``rollout.inference_service``: ``k8s_name``, at most 63)
accepted it — so a pipeline prepared, trained, evaluated and registered a model before its deploy
step refused. Now one constant, ``config.TAG_ROUTED_NAME_MAX`` (63 − len("latest--predictor")),
is what both the config check and the deploy refuse; the CLI's ``--isvc`` keeps 63 (status or
rollback of a service made elsewhere)."""

from __future__ import annotations

import argparse

import pytest

from ctloop import config as C
from ctloop.cli.argtypes import isvc_name
from ctloop.errors import ConfigError, ServingError
from ctloop.serving import isvc as specs

LONGEST = "credit-default-gradient-boosted-churn-model-v2"  # 46 characters
assert len(LONGEST) == 46


def test_the_limit_is_the_tag_host_label_minus_its_fixed_parts():
    assert C.TAG_ROUTED_NAME_MAX == 63 - len("latest--predictor") == 46


def test_config_refuses_a_name_one_over_the_limit_naming_field_and_limit():
    C.RolloutConfig.from_dict({"inference_service": LONGEST, "namespace": "ml"})
    with pytest.raises(ConfigError) as err:
        C.RolloutConfig.from_dict({"inference_service": LONGEST + "x", "namespace": "ml"})
    message = str(err.value)
    assert "rollout.inference_service:" in message and "at most 46" in message, message
    assert "\n" not in message


def test_deploy_refuses_what_config_refuses():
    specs.check_tag_routing_name("a" * C.TAG_ROUTED_NAME_MAX)
    with pytest.raises(ServingError) as err:
        specs.check_tag_routing_name("a" * (C.TAG_ROUTED_NAME_MAX + 1))
    assert f"at most {C.TAG_ROUTED_NAME_MAX} characters" in str(err.value)


def test_the_cli_still_takes_a_63_character_name_for_existing_services():
    assert isvc_name("a" * 63) == "a" * 63
    with pytest.raises(argparse.ArgumentTypeError):
        isvc_name("a" * 64)
