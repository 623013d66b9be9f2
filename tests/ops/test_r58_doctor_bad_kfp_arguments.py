"""``ctloop doctor`` documents its exit codes (``ctloop.cli.doctor``, ``ctloop.ops.doctor``): 0 all ok, 1 a check
failed, 2 bad arguments. A KFP argument every other command refuses with one line and exit 2 (``--ca-file`` without
a host, a ``--token-file`` that holds no token, a named token without a host outside a pod) was a ``FAIL KFP API``
line and exit 1, after every other check had run. Now it is refused as the other commands refuse it. What comes
from the environment (``KFP_TOKEN_FILE``, ``KFP_CA_FILE``) stays a failed check, exit 1
(``tests/unit/test_hard34_token_file.py`` ``test_doctor_names_a_binary_token_file``).
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_api import KfpApiDouble
from tests.ops.test_platform import isolate_kfp_env


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    isolate_kfp_env(monkeypatch, tmp_path)
    monkeypatch.delenv("KFP_CA_FILE", raising=False)
    # a kubeconfig (never read: refused before) that kfp.Client would find without a host; with none "no KFP host"
    # comes first (tests/ops/test_r58_kfp_named_token_wins.py)
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kubeconfig"))
    with KfpApiDouble() as double:
        yield double


def _bad(tmp_path, kfp_url: str, real_ca) -> dict[str, tuple[list[str], str]]:
    """case -> (arguments, the start of the error line)."""
    pem = tmp_path / "ca.crt"
    pem.write_text("not a certificate\n")
    empty = tmp_path / "token"
    empty.write_text("")
    return {
        "ca-file without a host": (
            ["--ca-file", str(real_ca)],
            f"error: --ca-file {real_ca}: no KFP host to verify",
        ),
        "ca-file not PEM": (
            ["--host", kfp_url, "--ca-file", str(pem)],
            f"error: --ca-file {pem}: no PEM CA",
        ),
        "empty token file": (
            ["--host", kfp_url, "--token-file", str(empty)],
            f"error: --token-file {empty}: the file is empty",
        ),
        "token without a host": (
            ["--token", "s3cr3t"],
            "error: --token: no KFP host to send the token to",
        ),
    }


@pytest.mark.parametrize(
    "case",
    ["ca-file without a host", "ca-file not PEM", "empty token file", "token without a host"],
)
def test_a_bad_kfp_argument_is_exit_2_as_for_every_command(kfp, private_ca, tmp_path, capsys, case):
    args, start = _bad(tmp_path, kfp.url, private_ca[0])[case]
    assert main(["doctor", *args, "--timeout", "5"]) == 2
    out, err = capsys.readouterr()
    assert err.strip().startswith(start) and "\n" not in err.strip(), err
    assert out == "" and "s3cr3t" not in err, out  # no check ran
    assert kfp.calls == []
    assert (
        main(["runs", *args, "--experiment", "", "--timeout", "5"]) == 2
    )  # the same line as the others'
    assert capsys.readouterr().err == err
