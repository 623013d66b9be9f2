"""A PVC mounted at /tmp (big scratch space for the steps) or anywhere at or above
/tmp/kfp_outputs shared every task's executor output file.

KFP 2.17.0's launcher reads what the task returned (its parameters and artifacts) from the one fixed
path ``/tmp/kfp_outputs/output_metadata.json`` (``backend/src/v2/component/launcher_v2.go``
``OutputMetadataFilepath``) after the component wrote it (``sdk/python/kfp/dsl/executor.py``
``write_executor_output``). On a claim shared by the steps, two tasks running at once — the
monitoring pipeline's ``ParallelFor`` over partitions — write and read the same file: one task's
launcher may record another's outputs as its own, without a word. Such a mount is refused now,
when the configuration is checked and when compiling; a mount beside it (/tmp/scratch) still works.
"""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from ctloop.config import PlatformConfig, pvc_mounts
from ctloop.errors import ConfigError


@pytest.mark.parametrize("mount", ["scratch:/tmp", "scratch:/tmp/", "scratch:/tmp/kfp_outputs", "scratch://tmp",
                                   "scratch:/", "scratch:/mnt/../tmp"])
def test_a_claim_over_the_executor_output_file_is_refused(mount):
    problem = pvc_mounts([mount])
    assert problem is not None and "/tmp/kfp_outputs" in problem and "\n" not in problem, problem
    with pytest.raises(ConfigError, match="platform.pvc_mounts"):
        PlatformConfig.from_dict({"pvc_mounts": [mount]})


def test_the_cli_says_it_in_one_line_and_writes_nothing(tmp_path, capsys):
    assert main(["compile", "--output-dir", str(tmp_path), "--mount-pvc", "scratch:/tmp"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scratch:/tmp" in err, err
    assert not list(tmp_path.iterdir())


def test_a_claim_beside_it_still_compiles(tmp_path):
    assert pvc_mounts(["scratch:/tmp/scratch", "b:/tmpx"]) is None
    assert main(["compile", "--output-dir", str(tmp_path), "--mount-pvc", "scratch:/tmp/scratch"]) == 0
    docs = list(yaml.safe_load_all((tmp_path / "monitoring.yaml").read_text()))
    executors = docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert all({"constant": "scratch", "mountPath": "/tmp/scratch"}.items() <= e["pvcMount"][-1].items()
               for e in executors.values())
