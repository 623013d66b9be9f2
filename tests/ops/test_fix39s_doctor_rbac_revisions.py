"""doctor's RBAC check asked only about inferenceservices, while the runner's Role
(manifests/base/rbac.yaml) also grants ``get`` on revisions.serving.knative.dev
(``ctloop.serving.kube.REVISION_RULE``): the deploy and rollback waits read the Knative Revision
in traffic[] to confirm which storageUri it serves (KServe v0.20.0
``internal.serving.kserve.io/storage-initializer-sourceuri``). Without that grant a rollout still
works, trusting traffic[] alone with a warning in the step's log — which doctor never mentioned.
It now asks it in each target namespace: missing is a warning, not a failure.
Through the doubles of tests/ops/test_doctor.py (SelfSubjectAccessReviews as the runner).
"""

from ctloop.ops import doctor
from ctloop.serving.kube import REVISION_RULE
from tests.ops.test_doctor import RUNNER, cluster

__all__ = ["cluster"]  # fixtures

GROUP, RESOURCE, VERBS = REVISION_RULE


def _without(cluster, resource=None, verbs=()):
    cluster.kube.grants[RUNNER] = {g for g in cluster.kube.grants[RUNNER]
                                   if g[1] != resource and g[2] not in verbs}


def _reviews(cluster):
    return {(c[2]["spec"]["resourceAttributes"]["resource"], c[2]["spec"]["resourceAttributes"]["verb"],
             c[2]["spec"]["resourceAttributes"]["namespace"])
            for c in cluster.kube.calls if c[1].endswith("selfsubjectaccessreviews")}


def test_revisions_not_readable_is_a_warning_naming_the_grant(cluster, capsys):
    _without(cluster, resource=RESOURCE)
    code, lines, _ = cluster.run(capsys)
    assert code == 0
    line = lines["RBAC"]
    assert line.startswith(f"warn RBAC: {RUNNER} may not get revisions.serving.knative.dev in ctloop"), line
    assert "traffic[] alone" in line and "manifests/overlays/<env>" in line, line
    assert ("revisions", "get", "ctloop") in _reviews(cluster)


def test_revisions_readable_is_ok(cluster, capsys):
    cluster.kube.grant(RUNNER, GROUP, RESOURCE, list(VERBS), "ctloop")
    code, lines, _ = cluster.run(capsys)
    assert code == 0 and lines["RBAC"].startswith(f"ok   RBAC {RUNNER} may get/create/patch inferenceservices"), lines
    assert "revisions" in lines["RBAC"]


def test_a_missing_inferenceservice_verb_still_fails_and_names_the_revisions_too(cluster, capsys):
    _without(cluster, resource=RESOURCE, verbs=("patch",))
    code, lines, _ = cluster.run(capsys)
    assert code == 1
    line = lines["RBAC"]
    assert line.startswith(f"FAIL RBAC: {RUNNER} may not patch inferenceservices.serving.kserve.io in ctloop"), line
    assert "get revisions.serving.knative.dev in ctloop" in line, line


def test_the_rules_asked_are_the_role():
    assert doctor.OPTIONAL_RUNNER_RULES == (REVISION_RULE,)
