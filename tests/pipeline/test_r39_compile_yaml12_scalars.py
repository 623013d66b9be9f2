"""A label, toleration or claim name that YAML 1.2 reads as a number made a pipeline KFP refuses.

The compiled file is written by PyYAML (YAML 1.1): it leaves ``1e5``, ``0o17``, ``0X1F`` or ``1.0e5``
unquoted, since to YAML 1.1 they are text. The KFP 2.17.0 API server reads an uploaded pipeline with
gopkg.in/yaml.v3 (``backend/src/apiserver/template/v2_template.go`` ``NewV2SpecTemplate``: decode
into ``map[string]interface{}``, then protojson), whose v3.0.1 ``resolve.go`` takes them as numbers
(``strconv.ParseInt(plain, 0, 64)`` with '_' removed, ``yamlStyleFloat``, ``0o``/``0b``): a node
selector ``pool: 1e5`` (a valid label value) compiled, and the upload failed ("cannot unmarshal
platform specific configs": a number for a string field); in a ``google.protobuf.Value`` (a claim's
``runtimeValue.constant``) it would silently become another value. Every such text is quoted now.
"""

from __future__ import annotations

import re

import yaml

from ctloop.compiler import compile_all
from ctloop.config import PlatformConfig

# libyaml's safe loader: the same documents as yaml.SafeLoader (same constructor), ~10x faster on a
# compiled pipeline (~0.3 s a file in pure Python)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# gopkg.in/yaml.v3 v3.0.1 resolve.go, for a plain (unquoted) scalar
_RESOLVE_MAP = {"true", "True", "TRUE", "false", "False", "FALSE", "", "~", "null", "Null", "NULL", ".nan", ".NaN",
                ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<"}
_GO_INT_BASE0 = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)\Z")
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def yaml_v3_reads_as_text(plain: str) -> bool:
    """What yaml.v3 (v3.0.1 ``resolve``) makes of a plain scalar: text, or not (a timestamp stays text
    when decoded into interface{}, as KFP does)."""
    if plain in _RESOLVE_MAP:
        return False
    if plain[:1] == ".":
        return not re.fullmatch(r"\.[0-9]+([eE][-+]?[0-9]+)?", plain)  # strconv.ParseFloat
    if plain[:1] in "+-0123456789":
        digits = plain.replace("_", "")
        return not (_GO_INT_BASE0.match(digits) or _YAML_STYLE_FLOAT.match(digits)
                    or re.fullmatch(r"-?0b[01]+|-?0o[0-7]+", digits))
    return True


def _plain_texts(text: str) -> list[str]:
    """Every scalar PyYAML reads as text and the file writes without quotes."""
    found = []

    def walk(node):
        if isinstance(node, yaml.ScalarNode):
            if not node.style and node.tag == "tag:yaml.org,2002:str":  # plain: None (libyaml: "")
                found.append(node.value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(key)
                walk(value)

    for doc in yaml.compose_all(text, Loader=SAFE_LOADER):
        walk(doc)
    return found


def test_the_model_of_yaml_v3_agrees_with_its_source():
    assert not yaml_v3_reads_as_text("1e5") and not yaml_v3_reads_as_text("0o17")
    assert not yaml_v3_reads_as_text("0X1F") and not yaml_v3_reads_as_text("1_000") and not yaml_v3_reads_as_text(".5e3")
    assert yaml_v3_reads_as_text("gpu-pool") and yaml_v3_reads_as_text("2026-12-05") and yaml_v3_reads_as_text("1e5x")


def test_every_text_of_a_compiled_pipeline_stays_text_to_the_kfp_api_server(tmp_path):
    platform = PlatformConfig.from_dict({
        "node_selector": {"pool": "1e5", "zone": "0o17", "rack": "1.0e5"},
        "tolerations": [{"key": "0X1F", "operator": "Equal", "value": "0B1", "effect": "NoSchedule"}],
        "pvc_mounts": ["1e5:/mnt/x"],
    })
    paths = compile_all(tmp_path, platform=platform, pvc_mounts=[("1e5", "/mnt/x")])
    for path in paths:
        text = path.read_text()
        read_as_other = sorted({t for t in _plain_texts(text) if not yaml_v3_reads_as_text(t)})
        assert read_as_other == [], (path.name, read_as_other)
        doc = list(yaml.load_all(text, Loader=SAFE_LOADER))[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
        first = next(iter(doc.values()))
        assert first["nodeSelector"]["labels"] == {"pool": "1e5", "rack": "1.0e5", "zone": "0o17"}
        assert first["pvcMount"][-1]["pvcNameParameter"]["runtimeValue"]["constant"] == "1e5"


def test_an_ordinary_compile_keeps_its_header(tmp_path):
    for path in compile_all(tmp_path, platform=PlatformConfig.from_dict({"node_selector": {"pool": "1e5"}})):
        assert path.read_text().startswith("# PIPELINE DEFINITION\n"), path.name
