"""deploy(template=) refuses a template naming another InferenceService, nothing written.

Review G44: ``rollout._checked_template`` checked the template's mode, form and storageUri but
not ``metadata.name``/``metadata.namespace``. A template named ``other`` given for ``credit`` was
created as ``other`` (POST to the namespace of the request), and the deploy then waited for
``credit``, read 404 and reported ``credit`` "deleted while waiting" — with ``other`` left
serving in the cluster (a create's URL carries no name: the body's is taken). Now both are
checked before anything is written.

Through KubeApiDouble (tests/doubles/kube_api.py)."""

from __future__ import annotations

import pytest

from ctloop.errors import ServingError
from ctloop.serving import isvc as specs
from ctloop.serving import rollout

NS, NAME = "ml", "credit"
V1 = "gs://models/v1"


def _template(name, namespace):
    return specs.inference_service(
        name, namespace=namespace, model_name="credit", version="1", storage_uri=V1
    )


@pytest.mark.parametrize(
    ("name", "namespace", "named"),
    [("other", NS, "metadata.name 'other'"), (NAME, "prod", "metadata.namespace 'prod'")],
    ids=["other-name", "other-namespace"],
)
def test_a_template_for_another_service_is_refused_before_anything_is_written(
    kube, isvcs, name, namespace, named
):
    with pytest.raises(ServingError) as err:
        rollout.deploy(
            isvcs,
            name=NAME,
            model_name="credit",
            version="1",
            storage_uri=V1,
            timeout_s=2,
            template=_template(name, namespace),
        )
    message = str(err.value)
    assert named in message and "nothing written" in message and "\n" not in message, message
    assert kube.objects == {}
    assert [c for c in kube.calls if c[0] != "GET"] == []


def test_a_template_without_a_namespace_takes_the_deploys(kube, isvcs):
    body = _template(NAME, NS)
    del body["metadata"]["namespace"]
    state = rollout.deploy(
        isvcs,
        name=NAME,
        model_name="credit",
        version="1",
        storage_uri=V1,
        timeout_s=5,
        template=body,
    )
    assert state.action == "created" and (NS, NAME) in kube.objects
