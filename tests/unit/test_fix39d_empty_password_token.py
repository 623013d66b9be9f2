"""Review D of round 39, finding 3: a token given as the user with an empty password,
``http://TOKEN:@host`` (``requests`` sends ``TOKEN:`` as basic auth either way: requests 2.33
``utils.get_auth_from_url`` unquotes ``username`` and ``password or ''``), was shown whole:
``display_uri`` gave ``http://TOKEN:***@host``, ``hide_password`` masked nothing (an empty password),
and the 401 line named "user 'TOKEN'". An empty password is now read like none: the user is masked."""

from __future__ import annotations

from ctloop.tracking import display_uri, hide_password, refused_credentials, restore_command

TOKEN = "s3cr3tTOKEN"
URI = f"http://{TOKEN}:@mlflow.example:5000"


def test_display_uri_masks_the_user_of_an_empty_password():
    assert display_uri(URI) == "http://***@mlflow.example:5000"
    assert TOKEN not in restore_command(URI, "3")


def test_hide_password_masks_it_in_a_quoted_url():
    """mlflow 3.17 ``utils/rest_utils.py`` ``http_request``: "API request to {url} failed with exception"."""
    text = f"API request to {URI}/api/2.0/mlflow/runs/create failed with exception ..."
    assert hide_password(text, URI) == text.replace(TOKEN, "***")


def test_a_refusal_does_not_name_it(monkeypatch):
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import UNAUTHENTICATED

    for key in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN",
                "MLFLOW_TRACKING_AUTH"):
        monkeypatch.delenv(key, raising=False)
    line = refused_credentials(MlflowException("x", error_code=UNAUTHENTICATED), URI, "act")
    assert TOKEN not in line and "user name of the tracking URI" in line, line
    assert "http://***@mlflow.example:5000" in line, line
