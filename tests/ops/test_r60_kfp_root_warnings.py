"""kfp's own root-logger warnings stay out of ctloop's one-line errors (round 60).

kfp 2.17.0 ``kfp/client/auth.py`` ``get_gcp_access_token`` (called by ``client.py`` ``_load_config`` for a
``*.googleusercontent.com`` host, ``_is_inverse_proxy_host``) catches google-auth's failure and logs
``logging.warning('Failed to get GCP access token: %s', e)`` on the root logger; with no handler there
``logging.warning`` runs ``basicConfig`` and the CLI's stderr held ``WARNING:root:Failed to get GCP access token:
...`` before ctloop's ``error:`` line. ``client.py`` ``_get_config_with_default_credentials`` logs ``Failed to set
up default credentials`` the same way. Run as a process: pytest's own log handler on the root logger would take
the record instead of stderr."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.doubles.kfp_api import KfpApiDouble

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _env(tmp_path) -> dict[str, str]:
    drop = ("KFP_TOKEN", "KFP_TOKEN_FILE", "KF_PIPELINES_ENDPOINT", "KUBECONFIG", "KUBERNETES_SERVICE_HOST",
            "KF_PIPELINES_IAP_OAUTH2_CLIENT_ID", "KFP_CA_FILE", "KFP_INSTALL_NAMESPACE", "CTLOOP_KFP_INSTALL_NAMESPACE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(HOME=str(tmp_path / "home"), KF_PIPELINES_SA_TOKEN_PATH="/nonexistent/token",
               GOOGLE_APPLICATION_CREDENTIALS=str(tmp_path / "no-such-adc.json"), PYTHONPATH=SRC,
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    return env


def test_the_googleusercontent_route_without_credentials_is_one_stderr_line(tmp_path):
    # kfp's test is re.match(r'\S+.googleusercontent.com/{0,1}$', host) on the whole URL: a path ending so is one
    with KfpApiDouble(path_prefix="/kfp.googleusercontent.com", tokens={"t": "alice"}) as double:
        done = subprocess.run([sys.executable, "-m", "ctloop", "runs", "--host", double.url, "--experiment", "",
                               "--timeout", "5"], capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    err = done.stderr
    assert done.returncode == 2, (done.returncode, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "WARNING:root" not in err and "no token was sent: kfp found no Google credentials for the " in err, err
    # google-auth's reason, which kfp logged, is in ctloop's line
    assert "googleusercontent.com host (File " in err and "no-such-adc.json was not found" in err, err


def test_the_filter_is_scoped_to_ctloops_calls(caplog):
    """Outside ctloop's call the same record from kfp's module passes: another caller's kfp.Client (a notebook)
    logs as upstream does."""
    from kfp.client import auth

    from ctloop.ops.platform import kfp_logs_dropped

    with caplog.at_level(logging.WARNING):
        with kfp_logs_dropped() as dropped:
            auth.get_gcp_access_token()
        assert not [r for r in caplog.records if "Failed to get GCP access token" in r.getMessage()]
        assert dropped and dropped[0].startswith("Failed to get GCP access token"), dropped
        auth.get_gcp_access_token()
    assert [r for r in caplog.records if "Failed to get GCP access token" in r.getMessage()]
    logging.getLogger().warning("someone else's warning")
    assert caplog.records[-1].getMessage() == "someone else's warning"


def test_the_interactive_oauth_flows_warnings_pass(caplog):
    """kfp 2.17.0 ``auth.py`` ``get_auth_code`` warns the person at the terminal (``User pressed CTRL+C. See
    instructions below.``) while it waits for a browser: not dropped, even inside ctloop's call."""
    from kfp.client import auth

    from ctloop.ops.platform import kfp_logs_dropped

    def pressed(*_a, **_k):
        raise KeyboardInterrupt

    caplog.set_level(logging.WARNING)
    with pytest.MonkeyPatch.context() as mp, kfp_logs_dropped() as dropped:
        mp.delenv("SSH_CONNECTION", raising=False)
        mp.delenv("SSH_CLIENT", raising=False)
        mp.setattr(auth, "get_auth_response_local", pressed)
        mp.setattr(auth, "get_auth_response_ssh", lambda *a, **k: None)
        with pytest.raises(ValueError):  # no response: kfp's own error, after the warning
            auth.get_auth_code("cid")
    assert dropped == []
    assert [r.funcName for r in caplog.records if r.getMessage() == "User pressed CTRL+C. See instructions below."] \
        == ["get_auth_code"]
