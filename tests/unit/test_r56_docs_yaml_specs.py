"""Every ctloop.yaml example in README.md and docs/ is a spec ``ctloop apply`` accepts.

A ```` ```yaml ```` block is a ctloop.yaml example when its keys are spec keys (``models``,
``defaults``, ``kfp``, ...) or a model's sections (``training``, ``gate``, ...); Kubernetes
manifests (``apiVersion`` + ``spec``, a Kustomization) are not. A fragment is checked as the part
of a spec it shows: the keys it leaves out (apiVersion, kind, a model's data and gate) come from
a minimal model, never over what the block says. ``mypkg.models:MyClassifier``, the bring-your-own
estimator of docs/estimators.md, is written to a temporary package first, as its reader would.
Validation is ``ctloop.ops.spec.parse_spec``, what ``ctloop apply``/``doctor -f`` run first.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

from ctloop.ops import spec

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```ya?ml\n(.*?)^```", re.S | re.M)
MINIMAL = {
    "name": "credit-default",
    "data": {
        "uri": "gs://bucket/credit.parquet",
        "target": "default",
        "time_column": "application_date",
    },
    "gate": {"thresholds": {"roc_auc": 0.7}},
}
MYPKG = """
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


class MyClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, temperature=1.0):
        self.temperature = temperature

    def fit(self, X, y):
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)

    def predict_proba(self, X):
        return self.model_.predict_proba(X)
"""


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = (
            _merge(base[key], value)
            if isinstance(value, dict) and isinstance(base.get(key), dict)
            else value
        )
    return out


def _blocks() -> list[tuple[str, str]]:
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            where = f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
            found.append((where, match.group(1)))
    return found


def _examples() -> list[tuple[str, dict]]:
    found = []
    for where, block in BLOCKS:
        try:
            data = yaml.safe_load(block)
        except yaml.YAMLError:
            continue  # test_every_yaml_block_parses names it
        if not isinstance(data, dict):
            continue
        keys = set(data)
        if keys <= set(spec.MODEL_KEYS):
            data = {"models": [data]}  # a model's sections (or one whole model)
        elif not (keys <= set(spec.ROOT_KEYS) and keys & {"models", "defaults", "kfp", "platform"}):
            continue  # a Kubernetes manifest, a Kustomization, a logger stanza
        spec_data = {"apiVersion": spec.API_VERSION, "kind": spec.KIND, **data}
        spec_data["models"] = [_merge(MINIMAL, model) for model in data.get("models") or [{}]]
        found.append((where, spec_data))
    return found


BLOCKS = _blocks()
EXAMPLES = _examples()


def test_every_yaml_block_parses():
    """docs/manifests.md's own overlay listed its remote base as a flow list, ``resources:
    [github.com/...prod?ref=v0.1.0]``, which YAML cannot read (``kubectl kustomize``: "did not find
    expected ',' or ']'"): copied as shown, it failed before anything was built."""
    broken = []
    for where, block in BLOCKS:
        try:
            list(yaml.safe_load_all(block))
        except yaml.YAMLError as exc:
            broken.append(f"{where}: {str(exc).splitlines()[0]}")
    assert not broken


def test_the_docs_hold_ctloop_yaml_examples():
    # batch-scoring.md (scoring schedule), serving.md (metric source), estimators.md (module:Class)
    assert len(EXAMPLES) >= 3, [where for where, _ in EXAMPLES]


@pytest.mark.parametrize("where, data", EXAMPLES, ids=[where for where, _ in EXAMPLES])
def test_the_example_is_a_valid_spec(where, data, tmp_path, monkeypatch):
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "models.py").write_text(MYPKG)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mypkg", raising=False)
    monkeypatch.delitem(sys.modules, "mypkg.models", raising=False)
    spec.parse_spec(data, where)


def test_examples_ctloop_yaml_is_a_valid_spec():
    spec.load_spec(ROOT / "examples" / "ctloop.yaml")
