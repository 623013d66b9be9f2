"""The cluster's default deployment mode: what a failed read says, and ConfigMaps KServe refuses
(second review of the r54 cluster work).

* ``kube.read_kserve_default`` turned a 401, a 5xx, a timeout and a ConfigMap found nowhere alike
  into ``("", "")``, and the refusal then named ``manifests/extras/kserve-config-reader``, which
  only answers a 403. Now the failure is carried (``isvc.ClusterDefault``) and the refusal names
  the reader only for a 403, else says what failed.
* ``isvc.read_deploy_config`` took ConfigMaps KServe v0.20.0's ``NewDeployConfig``
  (``pkg/apis/serving/v1beta1/configmap.go``: ``json.Unmarshal`` into ``DeployConfig``, fields
  ``defaultDeploymentMode string``, ``deploymentRolloutStrategy *DeploymentRolloutStrategy``)
  refuses: go1.22 ``encoding/json`` ``decode.go`` keeps decoding after a type error and returns the
  earliest one (``d.saveError``), and refuses ``NaN`` (no JSON); ``"[]"`` read as an empty object.
* tests/doubles/kube_api.py's KubeApiDouble (a double of the Kubernetes API) took a JSON null for a
  mode: ``{"defaultDeploymentMode": "Knative", "DefaultDeploymentMode": null}`` stopped its
  reconciles, where Go leaves the field as it was on a null.
"""

from __future__ import annotations

import pytest
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import ReadTimeoutError

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout
from ctloop.serving.kube import read_kserve_default
from tests.doubles.kube_api import KubeApiDouble

OBJ = {"metadata": {"name": "credit", "annotations": {}}}  # KServe has not reconciled it


class _CoreV1:
    """A double of CoreV1Api's ``read_namespaced_config_map``: each namespace fails with its
    error, or answers 404."""

    def __init__(self, **errors: Exception) -> None:
        self.errors = errors

    def read_namespaced_config_map(self, name, namespace, **_kw):
        raise self.errors.get(namespace) or ApiException(status=404, reason="Not Found")


class _Isvcs:
    """The one method of kube.InferenceServices rollout._check_mode asks, over ``core``."""

    def __init__(self, core: _CoreV1) -> None:
        self.core = core

    def kserve_default(self) -> specs.ClusterDefault:
        return read_kserve_default(self.core)


def _refusal(core: _CoreV1) -> str:
    with pytest.raises(ServingError) as caught:
        rollout._check_mode(_Isvcs(core), OBJ)
    return str(caught.value)


@pytest.mark.parametrize(
    ("core", "said"),
    [
        (
            _CoreV1(kserve=ApiException(status=401, reason="Unauthorized")),
            "not read: 401 Unauthorized in kserve",
        ),
        (
            _CoreV1(kserve=ApiException(status=503, reason="Service Unavailable")),
            "not read: 503 Service Unavailable in kserve",
        ),
        (
            _CoreV1(
                kserve=ReadTimeoutError(
                    None, "/api/v1/namespaces/kserve/configmaps", "read timed out"
                )
            ),
            "not read: no answer from the API server in kserve (ReadTimeoutError: ",
        ),
        (_CoreV1(), "not read: 404 Not Found in kserve and kubeflow"),
    ],
)
def test_a_read_failing_but_by_rbac_says_what_failed(core, said):
    message = _refusal(core)
    assert f"ConfigMap {specs.KSERVE_CONFIG} {said}" in message, message
    assert specs.KSERVE_CONFIG_READER not in message  # was: named for every failure


def test_a_403_names_the_reader():
    found = read_kserve_default(_CoreV1(kserve=ApiException(status=403, reason="Forbidden")))
    assert (
        found.forbidden and found.failure == "403 Forbidden in kserve" and found.read_failure == ""
    )
    message = _refusal(_CoreV1(kserve=ApiException(status=403, reason="Forbidden")))
    assert f"{specs.KSERVE_CONFIG_READER} lets the runner get it" in message


REFUSED = [
    # the earliest type error is returned even when a later key sets the field
    ('{"defaultDeploymentMode": 1, "defaultDeploymentMode": "Knative"}', "is no string (1)"),
    (
        '{"DefaultDeploymentMode": {"a": [1]}, "defaultDeploymentMode": "Knative"}',
        'is no string ({"a": [1]})',
    ),
    (
        '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": "x"}',
        'names a deploymentRolloutStrategy that is no JSON object ("x")',
    ),
    (
        '{"defaultDeploymentMode": "Knative", "DEPLOYMENTROLLOUTSTRATEGY": []}',
        "is no JSON object ([])",
    ),
    ('{"defaultDeploymentMode": "Knative", "x": NaN}', "is not JSON"),
    ('{"defaultDeploymentMode": "Knative", "x": -Infinity}', "is not JSON"),
    ("[]", "is no JSON object"),  # was: "names no defaultDeploymentMode"
    # KServe v0.20.0 pkg/apis/serving/v1beta1/configmap.go: DeploymentRolloutStrategy.DefaultRollout
    # *RolloutSpec; RolloutSpec.MaxSurge, MaxUnavailable string (review 3: these were Knative)
    (
        '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": {"defaultRollout": 5}}',
        "names a deploymentRolloutStrategy.defaultRollout that is no JSON object (5)",
    ),
    (
        '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": {"DEFAULTROLLOUT": []}}',
        "deploymentRolloutStrategy.defaultRollout that is no JSON object ([])",
    ),
    (
        '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": {"defaultRollout": {"maxSurge": 1}}}',
        "names a deploymentRolloutStrategy.defaultRollout.maxSurge that is no string (1)",
    ),
    (
        '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": '
        '{"defaultRollout": {"maxSurge": "25%", "MaxUnavailable": false}}}',
        "deploymentRolloutStrategy.defaultRollout.maxUnavailable that is no string (false)",
    ),
]


@pytest.mark.parametrize(("deploy", "why"), REFUSED)
def test_config_maps_kserve_refuses_are_refused(deploy, why):
    mode, problem = specs.read_deploy_config({"deploy": deploy})
    assert mode == "" and why in problem, problem  # was: Knative


TAKEN = [
    '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": null}',
    '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": {"defaultRollout": null}}',
    '{"defaultDeploymentMode": "Knative", "DefaultDeploymentMode": null}',
    '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": {"defaultRollout": '
    '{"maxSurge": "1", "maxUnavailable": null, "other": 3}, "x": 1}}',
]


@pytest.mark.parametrize("deploy", TAKEN)
def test_nulls_and_objects_are_taken(deploy):
    assert specs.read_deploy_config({"deploy": deploy}) == ("Knative", "")


def test_the_double_leaves_the_mode_as_it_was_on_a_null():
    data = {"deploy": '{"defaultDeploymentMode": "Knative", "DefaultDeploymentMode": null}'}
    with KubeApiDouble() as double:
        double.add(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": specs.KSERVE_CONFIG, "namespace": "kserve"},
                "data": data,
            }
        )
        # was: a NewDeployConfig error (nothing reconciled), mode ""
        assert (double.deploy_config_error(), double.default_mode()) == (False, "Knative")


# review 3: the double read the ConfigMap with a plain dict (json.loads), not as Go does
DISAGREED = [
    '{"defaultDeploymentMode": "Knative", "defaultDeploymentMode": null}',  # was: an error
    '{"defaultDeploymentMode": 1, "defaultDeploymentMode": "Knative"}',  # was: Knative
    '{"defaultDeploymentMode": "Knative", "x": NaN}',  # was: Knative
    '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": "x"}',  # was: Knative
    '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": {"defaultRollout": 5}}',
    '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": {"defaultRollout": {"maxSurge": 1}}}',
    '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy": {"defaultRollout": {"maxSurge": "1"}}}',
    '{"DEFAULTDEPLOYMENTMODE": "Serverless", "deploymentRolloutStrategy": null}',
    '{"defaultDeploymentMode": "knative"}',
    "null",
]


def test_the_double_and_ctloop_read_the_config_map_alike():
    double = KubeApiDouble()  # no server: only its reading of the ConfigMap is asked
    pairs = []
    for deploy in DISAGREED + TAKEN + [deploy for deploy, _why in REFUSED]:
        double.add(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": specs.KSERVE_CONFIG, "namespace": "kserve"},
                "data": {"deploy": deploy},
            }
        )
        mode, problem = specs.read_deploy_config({"deploy": deploy})
        pairs.append(
            (deploy, (double.deploy_config_error(), double.default_mode()), (bool(problem), mode))
        )
    assert [p for p in pairs if p[1] != p[2]] == []
