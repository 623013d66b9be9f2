"""The keys of ConfigMap ``inferenceservice-config`` key ``deploy`` folded as KServe's Go reads them.

KServe v0.20.0 (go.mod: ``go 1.25.8``) reads ``deploy`` with encoding/json (``pkg/apis/serving/
v1beta1/configmap.go`` ``NewDeployConfig``), which matches a key to a field when both fold alike:
go1.25 ``src/encoding/json/fold.go`` ``appendFoldedName`` — an ASCII letter upper-cased, any other
rune ``foldRune``: the smallest rune of its ``unicode.SimpleFold`` orbit (what ``bytes.EqualFold``
compares). The orbits that hold an ASCII letter and another rune are two (``src/unicode/tables.go``
``asciiFold``/``caseOrbit``: ``k`` → U+212A KELVIN SIGN → ``K``, ``s`` → U+017F LONG S → ``S``);
``caseOrbit`` maps U+0130 ``İ`` and U+0131 ``ı`` each to itself, and U+FB06 ``ﬆ`` has no orbit with
``s`` or ``t``. ctloop folded with Python's full case mapping (``c.lower().upper()``): ``ﬆ`` became
``ST`` and ``ı`` became ``I``, so a key Go skips (``deploymentRolloutﬆrategy``, ``maxUnavaılable``)
was taken for a field, and a value of the wrong type there refused a ConfigMap KServe accepts. The
double (tests/doubles/kube_api.py ``_go_key``) folded the same way and is fixed with it.
"""

from __future__ import annotations

import json

import pytest

from ctloop.serving import isvc as specs
from tests.doubles.kube_api import new_deploy_config


def _deploy(text: str) -> dict:
    return {specs.DEPLOY_CONFIG_KEY: text}


@pytest.mark.parametrize(
    "extra",
    [
        '"deploymentRolloutﬆrategy": 5',  # U+FB06: Python upper() "ST", Go no fold with S or T
        '"deploymentRolloutStrategy": {"defaultRollout": {"maxUnavaılable": 1}}',  # U+0131: Go keeps it
        '"deploymentRolloutStrategy": {"defaultRollout": {"maxUnavaİlable": 1}}',  # U+0130: Go keeps it
    ],
)
def test_a_key_go_does_not_fold_into_a_field_is_skipped(extra):
    text = '{"defaultDeploymentMode": "Knative", ' + extra + "}"
    assert specs.read_deploy_config(_deploy(text)) == ("Knative", "")
    assert new_deploy_config(text) == "Knative"  # the double's KServe agrees


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ('"deploymentRolloutſtrategy": 5', "deploymentRolloutStrategy"),  # U+017F folds to S
        (
            '"deploymentRolloutStrategy": {"defaultRollout": {"maxſurge": 1}}',
            "deploymentRolloutStrategy.defaultRollout.maxSurge",
        ),
    ],
)
def test_a_key_go_folds_into_a_field_is_that_field(extra, field):
    text = '{"defaultDeploymentMode": "Knative", ' + extra + "}"
    mode, problem = specs.read_deploy_config(_deploy(text))
    assert mode == "" and problem.startswith(f"key 'deploy' names a {field} that is no ")
    assert new_deploy_config(text) is None


def test_the_fold_of_the_runes_themselves():
    assert specs._go_fold("\u212a\u017f") == "KS" == specs._go_fold("ks")
    assert specs._go_fold("İıﬆ") == "İıﬆ"  # each its own orbit, none with an ASCII letter
    text = json.dumps({"DEFAULTDEPLOYMENTMODE": "Standard", "defaultdeploymentmode": "Knative"})
    assert specs.read_deploy_config(_deploy(text)) == ("Knative", "")  # the last matching key wins
