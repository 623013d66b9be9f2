"""deploy_canary's docstring (compiled into the pipeline, shown in the KFP UI) said traffic was
always put back on the champion when the step failed; since r39-serving2 a spec changed by someone
else while the step waited is held instead (``ctloop.serving.release.deploy`` re-raises
ServingChangedOutside, nothing rolled back: tests/serving/test_r39_serving2_deploy_changed_during_wait.py)."""

import re

from ctloop.components.deploy.component import deploy_canary


def test_the_docstring_says_a_change_by_someone_else_holds():
    doc = " ".join(deploy_canary.python_func.__doc__.split())
    assert re.search(r"changed by someone else .* is held instead", doc), doc
    assert "nothing is rolled back" in doc
    assert "if that fails, traffic is put back on the champion" not in doc
