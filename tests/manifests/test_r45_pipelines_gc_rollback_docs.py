"""docs/manifests.md's manual rollback when the rolled-out revision was garbage-collected.

The page said that after a promotion, restoring the champion's storageUri (rollback steps 2–3)
"does not depend on" the previously rolled-out revision Knative may have garbage-collected. It
does: step 2 keeps ``canaryTrafficPercent: 0``, whose ``prev`` target names that revision; a
Knative 1.21 Route with a missing target reports RevisionMissing and keeps the traffic it had
(``pkg/reconciler/route``), so the failed model kept 100 % (what ctloop.serving.rollout now avoids,
docs/serving.md). The page now says so and documents the one patch without a pin; that patch,
run with ``kubectl patch --local`` on the promoted state, gives the rolled-back spec.
"""

from __future__ import annotations

import json
import re
import shlex

from tests.manifests.support import DOCS
from tests.manifests.test_kubectl_workflows import example, kubectl_patch, valid

MARKER = "# the rolled-out revision is gone (one patch, no pin):"


def gone_patch() -> dict:
    lines = DOCS.read_text().splitlines()
    command = lines[lines.index(MARKER) + 1]
    argv = shlex.split(command)
    assert argv[:3] == ["kubectl", "patch", "isvc"] and argv[argv.index("--type") + 1] == "merge"
    return json.loads(argv[argv.index("-p") + 1])


def test_the_page_no_longer_claims_the_restore_does_not_depend_on_the_revision():
    text = " ".join(DOCS.read_text().split())
    assert "does not depend on it" not in text
    assert re.search(r"RevisionMissing.{0,80}keeps the traffic it had", text)


def test_the_documented_patch_needs_no_prev_revision_and_reaches_the_rolled_back_spec(
    kubectl, tmp_path
):
    patch = gone_patch()
    assert patch["spec"]["predictor"]["canaryTrafficPercent"] is None  # no pin: no `prev` target
    got = valid(kubectl_patch(kubectl, example("promoted"), patch, tmp_path))
    want = example("rolled-back")
    assert got["spec"] == want["spec"]
    assert got["metadata"]["labels"] == want["metadata"]["labels"]
