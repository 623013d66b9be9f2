"""``platform.pvc_mounts`` in ctloop.yaml and ``ctloop compile --mount-pvc`` are checked by one
function (:func:`ctloop.config.parse_pvc_mount`, :func:`ctloop.config.check_pvc_mounts`). The
config check was its own regex: it passed a 70-character claim and one claim mounted twice (which
compile then refused, after `apply` had validated the spec), and refused ``1abc``, a claim and
volume name Kubernetes takes (DNS-1123 labels may start with a digit)."""

import pytest

from ctloop import compiler
from ctloop.config import PlatformConfig, check_pvc_mounts, parse_pvc_mount
from ctloop.errors import ConfigError


@pytest.mark.parametrize(("mounts", "says"), [(["a" * 70 + ":/x"], "at most 63 characters"),
                                              (["data:/x", "data:/y"], "claim data twice"),
                                              (["a:/x", "b:/x/"], "two claims at /x"),
                                              (["data.v2:/x"], "takes no '.'")])
def test_the_spec_refuses_what_compile_refuses(mounts, says):
    with pytest.raises(ConfigError, match=r"pvc_mounts") as exc:
        PlatformConfig.from_dict({"pvc_mounts": mounts})
    assert says in str(exc.value)


def test_a_claim_starting_with_a_digit_is_taken():
    assert PlatformConfig.from_dict({"pvc_mounts": ["1abc:/mnt/x"]}).pvc_mounts == ["1abc:/mnt/x"]


def test_compile_uses_the_same_functions():
    assert compiler.parse_pvc_mount is parse_pvc_mount and compiler.check_pvc_mounts is check_pvc_mounts
