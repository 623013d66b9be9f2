"""The ``rollout`` pipeline's ``action`` is ``deploy`` or ``rollback``; anything else is refused.

``pipelines/rollout.py`` branches ``dsl.If(action == "rollback")`` / ``dsl.Else``: ``--param
action=Rollback`` (or ``rolback``, `` rollback``), in the middle of an incident, started a canary of
that version (``deploy``) instead of serving it again — docs/serving.md's ``ctloop run --pipeline
rollout --param action=rollback``, mistyped.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.params import parse_pairs, pipeline_arguments
from ctloop.pipelines import all_pipelines

BASE = ["model_name=credit-default", "version=6", 'rollout={"inference_service": "credit", "namespace": "serving"}']


@pytest.fixture(scope="module")
def rollout():
    return all_pipelines()["rollout"]


@pytest.mark.parametrize("action", ["Rollback", "rolback", " rollback", "ROLLBACK", "", "roll-back"])
def test_an_action_the_pipeline_does_not_branch_on_is_refused(rollout, action):
    with pytest.raises(ConfigError) as exc:
        pipeline_arguments(rollout, parse_pairs([*BASE, f"action={action}"]))
    assert "action" in str(exc.value) and "deploy" in str(exc.value) and "rollback" in str(exc.value)


@pytest.mark.parametrize("action", ["deploy", "rollback"])
def test_deploy_and_rollback_pass(rollout, action):
    assert pipeline_arguments(rollout, parse_pairs([*BASE, f"action={action}"]))["action"] == action


def test_the_default_is_one_of_them(rollout):
    assert rollout.component_spec.inputs["action"].default == "deploy"
    assert pipeline_arguments(rollout, parse_pairs(BASE)).get("action", "deploy") == "deploy"
