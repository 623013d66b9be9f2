"""Review 50 C: a ``$(NAME)`` refused only because it has the shape of a Kubernetes service link.

No list can hold the service links of a namespace's Services (kubelet ``getServiceEnvVarMap``, names by
Kubernetes ``pkg/kubelet/envvars/envvars.go`` ``FromServices``: ``<SERVICE>_SERVICE_HOST``,
``<SERVICE>_SERVICE_PORT[_<port name>]``, ``<SERVICE>_PORT``, ``<SERVICE>_PORT_<n>_<PROTO>[_PROTO|_PORT|_ADDR]``,
``<SERVICE>`` upper-cased with ``-`` as ``_``), so ``task_env_names`` holds every name of that shape and
refuses it. The refusal said the name "Kubernetes replaces with that variable of the task's container":
false for ``$(MY_SERVICE_PORT)`` in a namespace without a Service ``my-service`` or ``my``. It now says
the name has a service link's shape, which Service would make it one, and what to do (the kubelet's
``$$`` escape is no way out: ctloop refuses ``$$``, see ``doubled_dollar``)."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.params import pipeline_arguments
from ctloop.ops.settings import task_env_names
from ctloop.pipelines import all_pipelines


def _refusal(**values):
    values = {
        "model_name": "credit",
        "data": {"uri": "gs://b/c.parquet", "target": "y", "time_column": "t"},
        **values,
    }
    with pytest.raises(ConfigError) as caught:
        pipeline_arguments(all_pipelines()["continuous-training"], values, defined=task_env_names())
    return str(caught.value)


@pytest.mark.parametrize(
    ("target", "where", "services"),
    [
        ("$(MY_SERVICE_PORT)", 1, "a Service 'my' (or 'my-service')"),
        ("price in $(USD_PORT)", 10, "a Service 'usd'"),
        ("$(FRAUD_API_PORT_8080_TCP_ADDR)", 1, "a Service 'fraud-api'"),
    ],
)
def test_a_name_of_a_service_link_shape_is_refused_as_a_shape(target, where, services):
    line = _refusal(data={"uri": "gs://b/c.parquet", "target": target, "time_column": "t"})
    assert f"data.target: character {where} starts '$(" in line, line
    assert "has the shape of a Kubernetes service link" in line, line
    assert f"if {services} exists in the profile's namespace, the kubelet replaces it" in line, line
    assert "which Kubernetes replaces with that variable of the task's container" not in line, line
    # what to do: rename, and why '$$' is no escape here
    assert "rename the column or reword the value" in line, line
    assert "'$$(' escape" in line and "ctloop refuses '$$'" in line, line


def test_a_name_every_container_has_keeps_its_wording():
    """KUBERNETES_SERVICE_HOST has a service link's shape too, but is in every pod: it is replaced."""
    line = _refusal(
        data={"uri": "gs://b/c.parquet", "target": "$(KUBERNETES_SERVICE_HOST)", "time_column": "t"}
    )
    assert "which Kubernetes replaces with that variable of the task's container" in line, line
    assert "shape" not in line, line


def test_a_service_link_in_tracking_uri_says_how_to_name_the_service():
    line = _refusal(tracking_uri="http://$(MLFLOW_SERVICE_HOST):$(MLFLOW_SERVICE_PORT)")
    assert "tracking_uri: character 8 starts '$(MLFLOW_SERVICE_HOST)'" in line, line
    assert "has the shape of a Kubernetes service link" in line, line
    assert "give the Service's DNS name instead, e.g. http://mlflow.<namespace>.svc:5000" in line, (
        line
    )


@pytest.mark.parametrize("name", ["_X_PORT", "X__PORT", "A-B_PORT"])
def test_a_shape_no_service_name_gives_is_not_a_service_link(name):
    """A Service's name is a DNS label (Kubernetes ``ValidateServiceName``): no Service's link starts
    with ``_`` or ends its prefix in one, so no container has such a name and it passes unchanged."""
    assert name not in task_env_names()
    assert pipeline_arguments(
        all_pipelines()["continuous-training"],
        {
            "model_name": "credit",
            "data": {"uri": "gs://b/c.parquet", "target": f"$({name})", "time_column": "t"},
        },
        defined=task_env_names(),
    )


def test_a_service_port_link_names_the_service_it_most_likely_is():
    # MLFLOW_SERVICE_PORT: Service 'mlflow' (<SERVICE>_SERVICE_PORT) or 'mlflow-service' (<SERVICE>_PORT);
    # the DNS name suggested was mlflow-service's (longest first: review 50 F)
    line = _refusal(tracking_uri="http://mlflow:$(MLFLOW_SERVICE_PORT)")
    assert "e.g. http://mlflow.<namespace>.svc:5000" in line, line
    assert "if a Service 'mlflow' (or 'mlflow-service') exists" in line, line
