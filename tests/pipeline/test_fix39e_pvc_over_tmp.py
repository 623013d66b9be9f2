"""A claim at /tmp (scratch space for the steps) was refused on the belief that every task of KFP
2.17.0 writes its executor output to one fixed file, ``/tmp/kfp_outputs/output_metadata.json``
(the constant ``OutputMetadataFilepath``, ``backend/src/v2/component/launcher_v2.go``). It does not:
KFP 2.17.0's driver (``backend/src/v2/driver/driver.go`` ``provisionOutputs``) sets each task's
``outputs.outputFile`` to ``LocalPathForURI(<pipeline root>/<task>/<salt>)/output_metadata.json``
— ``/gcs/...``, ``/s3/...``, ``/minio/...`` (launcher_v2.go ``LocalPathForURI``), a file of its
own for every task — and falls back to the fixed path only for a pipeline root of another scheme,
which its object store takes only as the in-memory ``mem://`` (``backend/src/v2/objectstore/config.go``
``ParseBucketPathToConfig``: gs, s3, minio, mem), where no artifact passes between pods and no ctloop
pipeline runs. The one path the driver gives every task alike is ``/tmp/kfp/outputs/<output
name>`` for an output parameter, which the launcher reads only when the executor output lacks it
(``collectOutputParameters``); ctloop's components return their outputs (``sdk/python/kfp/dsl/
executor.py`` ``write_output_parameter_value``: into the executor output), never through that file.
So a claim at /tmp, /tmp/kfp_outputs or /tmp/kfp is accepted again; a claim at / is still refused,
for what is true of it: it hides the image's own files."""

from __future__ import annotations

import re

import pytest
import yaml

from ctloop.cli import main
from ctloop.config import PlatformConfig, pvc_mounts

# libyaml's safe loader: the same documents as yaml.SafeLoader (same constructor), ~10x faster on a
# compiled pipeline (~0.3 s a file in pure Python)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.mark.parametrize("mount", ["scratch:/tmp", "scratch:/tmp/", "scratch:/tmp/kfp_outputs", "scratch://tmp",
                                   "scratch:/mnt/../tmp", "scratch:/tmp/kfp"])
def test_a_claim_at_tmp_is_accepted(mount):
    assert pvc_mounts([mount]) is None
    assert PlatformConfig.from_dict({"pvc_mounts": [mount]}).pvc_mounts == [mount]


@pytest.mark.parametrize("mount", ["scratch:/", "scratch://", "scratch:/tmp/.."])
def test_a_claim_at_the_root_is_refused_for_what_it_hides(mount):
    problem = pvc_mounts([mount])
    assert problem is not None and "/" in problem and "image" in problem and "\n" not in problem, problem
    assert "kfp_outputs" not in problem, problem


def test_no_component_returns_a_parameter_through_the_shared_file(tmp_path):
    """What makes /tmp safe to share: no compiled component writes an output parameter to its
    file (``/tmp/kfp/outputs/<name>``, the same for every task); a component that did (an
    ``OutputPath(str)``) would need the refusal back."""
    assert main(["compile", "--output-dir", str(tmp_path), "--mount-pvc", "scratch:/tmp"]) == 0
    for path in sorted(tmp_path.glob("*.yaml")):
        text = path.read_text()
        assert not re.search(r"outputs\.parameters\[[^]]*\]\.output_file", text), path.name
        docs = list(yaml.load_all(text, Loader=SAFE_LOADER))
        executors = docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
        assert all({"constant": "scratch", "mountPath": "/tmp"}.items() <= e["pvcMount"][-1].items()
                   for e in executors.values()), path.name
