"""``TaskEnv | {...}`` was a plain frozenset: the service-link names were gone.

``ctloop.ops.settings.TaskEnv`` holds the names every task's container defines and, by their shape, every
service link (``<SERVICE>_SERVICE_HOST``, ``<SERVICE>_PORT_<n>_TCP``: Kubernetes
``pkg/kubelet/envvars/envvars.go``). frozenset's operators build the base type, so a caller that added the
names of its own step (``task_env_names() | {"MY_VAR"}``) got a set without the shape matching, and a
``$(MLFLOW_SERVICE_HOST)`` it had accepted before was suddenly "not defined". Union (``|``, ``union``, a
frozenset on the left) now keeps the type; intersection answers by the same membership as ``in``.
"""

from __future__ import annotations

from ctloop.ops.settings import TaskEnv, task_env_names

LINK = "MLFLOW_SERVICE_HOST"  # a service link of a Service "mlflow": in the set by its shape only


def test_union_keeps_the_service_link_shape():
    env = task_env_names()
    assert LINK in env
    for joined in (
        env | {"MY_VAR"},
        env.union({"MY_VAR"}, ["OTHER"]),
        frozenset({"MY_VAR"}) | env,
        env | frozenset({"MY_VAR"}),
    ):
        assert isinstance(joined, TaskEnv), type(joined)
        assert LINK in joined and "MY_VAR" in joined and "KFP_POD_NAME" in joined
        assert joined.by_shape(LINK) == ("mlflow",)
        assert joined.by_shape("MY_VAR") == ()


def test_intersection_answers_as_membership_does():
    env = task_env_names()
    asked = {LINK, "KFP_POD_NAME", "NOT_A_LINK_AT_ALL"}
    assert env & asked == {LINK, "KFP_POD_NAME"} == env.intersection(asked)


def test_a_set_on_the_left_or_a_derived_set_keeps_the_shape():
    """A ``set`` literal on the left ran ``set.__or__`` first (TaskEnv was a frozenset subclass, not a
    set one): ``{"MY_VAR"} | env`` was a plain set, ``{LINK} & env`` empty; ``env - {...}`` and
    ``env.copy()`` plain frozensets (review H3 #1)."""
    env = task_env_names()
    for derived in ({"MY_VAR"} | env, env - {"KFP_POD_UID"}, env.copy(), env.difference({"KFP_POD_UID"}),
                                    env | set()):
        assert isinstance(derived, TaskEnv), type(derived)
        assert LINK in derived and derived.by_shape(LINK) == ("mlflow",)
    assert "MY_VAR" in ({"MY_VAR"} | env)
    assert {LINK} & env == {LINK} == env & {LINK}
    assert {LINK, "NOT_A_LINK_AT_ALL"} - env == {"NOT_A_LINK_AT_ALL"}
    assert {LINK, "KFP_POD_NAME"} <= env and env >= {LINK} and env.issuperset([LINK])
    assert "KFP_POD_UID" not in env - {"KFP_POD_UID"}
    assert hash(env) == hash(task_env_names())
