"""Credentials in the tracking URI's userinfo replace the variables': MLflow puts
MLFLOW_TRACKING_USERNAME/PASSWORD in an ``Authorization`` header (mlflow 3.17.2
``mlflow/utils/rest_utils.py``) and passes no ``auth=``, so requests takes the URL's userinfo and
overwrites that header (requests 2.x ``models.py`` ``prepare_auth``). A 401 must blame the URI's
user, not the variables that were never sent."""

from __future__ import annotations

import pytest

from tests.helpers import run_main
from tests.integration.test_r38_registry_auth import SECRET, guarded, no_credentials  # noqa: F401

pytestmark = pytest.mark.slow


def test_a_refused_user_from_the_uri_is_named_as_such(guarded, no_credentials, capsys):  # noqa: F811
    url, name, _, _ = guarded
    no_credentials.setenv("MLFLOW_TRACKING_USERNAME", "admin")
    no_credentials.setenv("MLFLOW_TRACKING_PASSWORD", SECRET)  # right, yet not what is sent
    with_user = url.replace("http://", "http://intruder:wrong-Pw@")
    code, out, err = run_main(["registry", "status", "--model-name", name, "--tracking-uri", with_user], capsys, 60)
    assert code == 2, (out, err)
    assert "401" in err and "user 'intruder' from the tracking URI" in err, err
    assert "'admin'" not in err and "wrong-Pw" not in err and SECRET not in err, err
