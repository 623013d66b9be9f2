"""``--mount-pvc`` / ``platform.pvc_mounts`` that no pod can take are refused at compile time.

The KFP 2.17.0 driver (``backend/src/v2/driver/k8s.go`` ``makeVolumeMountPatch``) turns each
``pvcMount`` into a pod volume *named after the claim* and a volume mount of that name. Kubernetes
then refuses the pod (every task of every run fails to start) when a volume name is no DNS-1123
label (a claim ``data.v2``: a claim name is a DNS subdomain and may hold dots), when two volumes
share a name (the same claim mounted twice) or two mounts a path. ctloop compiled and uploaded
such pipelines without a word.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.compiler import add_pvc_mounts, parse_pvc_mount
from ctloop.errors import ConfigError
from tests.helpers import REPO

GOLDEN = REPO / "tests" / "golden" / "pipelines" / "rollout.yaml"


@pytest.mark.parametrize("mount", ["data.v2:/mnt/data", "a" * 64 + ":/mnt/data"])
def test_a_claim_that_is_no_volume_name_is_refused(mount):
    with pytest.raises(ConfigError, match="volume name takes no '.' and at most 63 characters"):
        parse_pvc_mount(mount)


@pytest.mark.parametrize("mounts", [[("logs", "/mnt/a"), ("logs", "/mnt/b")], [("logs", "/mnt/a"), ("data", "/mnt/a/")]])
def test_one_claim_or_one_path_twice_is_refused(mounts):
    mounts = [parse_pvc_mount(f"{c}:{p}") for c, p in mounts]
    with pytest.raises(ConfigError, match="one volume per claim and one mount per path"):
        add_pvc_mounts(GOLDEN.read_text(), mounts)


def test_the_cli_says_it_in_one_line(tmp_path, capsys):
    assert main(["compile", "--output-dir", str(tmp_path / "out"), "--mount-pvc", "logs:/mnt/a",
                 "--mount-pvc", "logs:/mnt/b"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "claim logs twice" in err and "Traceback" not in err, err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())  # no file half made


def test_distinct_mounts_still_compile():
    text = add_pvc_mounts(GOLDEN.read_text(), [parse_pvc_mount("ctloop-inference-log-records:/mnt/inference-log"),
                                                parse_pvc_mount("data-v2:/mnt/data")])
    assert text.count("mountPath: /mnt/data") >= 1
