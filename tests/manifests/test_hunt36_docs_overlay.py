"""docs/manifests.md's "write your own overlay" example, rendered as a user would write it.

Its `resources:` names the prod overlay on GitHub; here the same overlay from this checkout. The
base InferenceService carries two placeholders the ctloop runtime needs real values for: the
model's `storageUri` and the predictor annotation `ctloop.dev/model-sha256`, without which (or
with another hash) the runtime refuses to start (`ctloop.serving.runtime`, `load_serving_dir`).
The example replaced the storageUri only, so the rendered service still carried
`REPLACE-ME-sha256-of-model.skops` and its predictor could never start.
"""

from __future__ import annotations

import os
import re

from tests.manifests.support import DOCS, MANIFESTS, kustomize, need_tool


def _own_overlay() -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), re.S)
    block = next(b for b in blocks if "github.com/ctloop/ctloop//manifests/overlays/prod" in b)
    return block


def test_the_documented_own_overlay_fills_every_placeholder_of_the_inferenceservice(tmp_path):
    need_tool("kubectl")
    prod = os.path.relpath(MANIFESTS / "overlays" / "prod", tmp_path)
    text = re.sub(r"github\.com/ctloop/ctloop//manifests/overlays/prod\?ref=[^\]\s]+", prod, _own_overlay())
    (tmp_path / "kustomization.yaml").write_text(text)
    isvc = next(o for o in kustomize(tmp_path) if o["kind"] == "InferenceService")
    predictor = isvc["spec"]["predictor"]
    assert "REPLACE-ME" not in predictor["model"]["storageUri"]
    assert "REPLACE-ME" not in predictor["annotations"]["ctloop.dev/model-sha256"]
    assert isvc["metadata"]["namespace"] == "ml-serving"
