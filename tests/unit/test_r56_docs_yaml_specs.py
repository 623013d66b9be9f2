"""Every ctloop.yaml example in README.md and docs/ is a spec ``ctloop apply`` accepts.

Every document of every ```` ```yaml ```` block (a multi-document block is split) is checked as a
ctloop.yaml example unless ``_not_a_spec`` recognises it as something else: a Kubernetes manifest
(an ``apiVersion`` that is not ctloop's, another ``kind``, a ``spec:``), a Kustomization or its
``patches``/``components``/``resources``, an InferenceService's ``logger`` stanza, or a list of
``KEY=value`` literals. So a mistyped key (``trainig:``) reaches ``parse_spec``, which refuses it.
A fragment is checked as the part of a spec it shows: a model's sections go under ``models``, one
section's keys (``contract:``) under that section, and the keys it leaves out (apiVersion, kind, a
model's data and gate) come from a minimal model, never over what the block says. ``CHECKED``
lists the examples, so a new one is listed or classified. ``mypkg.models:MyClassifier``, the
bring-your-own estimator of docs/estimators.md, is written to a temporary package first, as its
reader would. Validation is ``ctloop.ops.spec.parse_spec``, what ``ctloop apply``/``doctor -f`` run first.
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


def _blocks() -> list[tuple[str, str, str]]:
    """(where: ``file:line``, id: ``file#n`` = the file's n-th yaml block, text)."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for n, match in enumerate(BLOCK.finditer(text), 1):
            where = f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
            found.append((where, f"{path.relative_to(ROOT)}#{n}", match.group(1)))
    return found


KUSTOMIZE_KEYS = {
    "resources",
    "components",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "replacements",
    "images",
    "namespace",
}
LITERAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _not_a_spec(doc: object) -> str:
    """What a YAML document is when it is clearly no ctloop.yaml (or part of one); "" otherwise.

    Everything not recognised here is checked as a spec, so a mistyped key (``trainig:``) fails
    ``parse_spec`` instead of being taken for something else."""
    if (
        isinstance(doc, list)
        and doc
        and all(isinstance(item, str) and LITERAL.match(item) for item in doc)
    ):
        return "kustomize literals (KEY=value lines of a configMapGenerator)"
    if not isinstance(doc, dict):
        return ""
    api, kind = doc.get("apiVersion"), doc.get("kind")
    if kind == "Kustomization" or (
        api is None and kind is None and doc and set(doc) <= KUSTOMIZE_KEYS
    ):
        return "a Kustomization (or its patches/components/resources)"
    if isinstance(api, str) and not api.startswith("ctloop.dev/"):
        return f"a Kubernetes manifest ({api})"
    if kind is not None and kind != spec.KIND:
        return f"a Kubernetes manifest (kind {kind})"
    if "spec" in doc:
        return "a Kubernetes resource's spec (an InferenceService)"
    if set(doc) == {"logger"}:
        return "an InferenceService predictor's logger stanza"
    return ""


SECTION_FIELDS = {
    name: {f.name for f in section.fields()} for name, section in spec.MODEL_SECTIONS.items()
}


def _as_spec(doc: object) -> object:
    """The spec a fragment shows: a model's sections go under ``models``, one section's keys
    (``contract:``) under that section; the rest (full specs, mistyped keys) as written."""
    if not isinstance(doc, dict) or not doc:
        return doc
    keys = set(doc)
    if not keys & set(spec.ROOT_KEYS):
        owners = [name for name, fields in SECTION_FIELDS.items() if keys <= fields]
        if not keys & set(spec.MODEL_KEYS) and len(owners) == 1:
            doc = {owners[0]: doc}  # one section's keys, e.g. data.contract
        doc = {"models": [doc]}  # a model's sections (or one whole model, or a mistyped key)
    spec_data = {"apiVersion": spec.API_VERSION, "kind": spec.KIND, **doc}
    models = doc.get("models")
    if models is None or (isinstance(models, list) and all(isinstance(m, dict) for m in models)):
        spec_data["models"] = [_merge(MINIMAL, model) for model in models or [{}]]
    return spec_data


def _examples(
    blocks: list[tuple[str, str, str]],
) -> tuple[list[tuple[str, str, object]], dict[str, str]]:
    """The spec examples (where, id, spec) and what every other document is (id -> kind)."""
    found, others = [], {}
    for where, ident, block in blocks:
        try:
            docs = list(yaml.safe_load_all(block))
        except yaml.YAMLError:
            continue  # test_every_yaml_block_parses names it
        for i, doc in enumerate(docs, 1):
            suffix = f".{i}" if len(docs) > 1 else ""
            kind = _not_a_spec(doc)
            if kind:
                others[ident + suffix] = kind
            else:
                found.append((where + suffix, ident + suffix, _as_spec(doc)))
    return found, others


BLOCKS = _blocks()
EXAMPLES, OTHERS = _examples(BLOCKS)
# Every ctloop.yaml example (``file#n``: the file's n-th yaml block; ``.k``: its k-th document).
# A new yaml block is either recognised as something else by _not_a_spec or checked and listed here.
CHECKED = [
    "docs/batch-scoring.md#1",  # a scoring schedule
    "docs/configuration.md#1",  # a data.contract
    "docs/estimators.md#1",  # module:Class
    "docs/serving.md#1",  # a metric source
]


def test_every_yaml_block_parses():
    """docs/manifests.md's own overlay listed its remote base as a flow list, ``resources:
    [github.com/...prod?ref=v0.1.0]``, which YAML cannot read (``kubectl kustomize``: "did not find
    expected ',' or ']'"): copied as shown, it failed before anything was built."""
    broken = []
    for where, _, block in BLOCKS:
        try:
            list(yaml.safe_load_all(block))
        except yaml.YAMLError as exc:
            broken.append(f"{where}: {str(exc).splitlines()[0]}")
    assert not broken


def test_the_docs_hold_exactly_the_listed_ctloop_yaml_examples():
    """A block counted as an example only when all its keys were known let a mistyped key
    (``trainig:``), ``model_default:`` beside ``models:``, a bare ``contract:`` and every
    multi-document block pass unchecked, and ``>= 3`` could not tell."""
    assert [ident for _, ident, _ in EXAMPLES] == CHECKED, OTHERS


@pytest.mark.parametrize("where, ident, data", EXAMPLES, ids=[where for where, _, _ in EXAMPLES])
def test_the_example_is_a_valid_spec(where, ident, data, tmp_path, monkeypatch):
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "models.py").write_text(MYPKG)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mypkg", raising=False)
    monkeypatch.delitem(sys.modules, "mypkg.models", raising=False)
    spec.parse_spec(data, where)


def test_examples_ctloop_yaml_is_a_valid_spec():
    spec.load_spec(ROOT / "examples" / "ctloop.yaml")
