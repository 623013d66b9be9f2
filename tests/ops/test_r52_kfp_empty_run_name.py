"""An empty run name had a wording of its own, unlike a blank one and unlike KFP's.

kubeflow/pipelines 2.17.0 ``backend/src/apiserver/server/api_converter.go`` ``toModelRun`` refuses a run
without a name ("Run name cannot be empty", an InternalServerError: HTTP 500, wrapped by ``run_server.go``
``CreateRun`` as "CreateJob(job.ToV2())Failed to create a run due to conversion error", the KFP double's
wording). ctloop refuses it before any call, but ``create_run(run_name="")`` said "create_run: run_name is
empty; name the run" (no value, no example, not the ``— fix:`` form), while ``run_name=" "`` and every other
blank name (``--run-name``, ``--job-name``, a schedule) say ``<what> '<value>' is blank — fix: give a name,
e.g. …``. Both now say the latter.
"""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.platform import Platform


class _NoCalls:
    """A DOUBLE of ``kfp.Client`` that fails the test on any use: the name is refused before KFP is asked."""

    def __getattr__(self, name):
        raise AssertionError(f"kfp.Client.{name} used")


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_run_name_is_refused_as_a_blank_one(name):
    platform = Platform(client=_NoCalls())
    with pytest.raises(ConfigError) as refused:
        platform.create_run("continuous-training", experiment="ctloop", run_name=name)
    line = str(refused.value)
    assert (
        line == f"run name {name!r} is blank — fix: give a name, e.g. continuous-training-triggered"
    ), line
