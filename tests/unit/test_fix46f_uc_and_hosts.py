"""Round 46 review F, tracking URI and KFP host messages.

- The bare tracking URI ``uc`` is Unity Catalog to mlflow 3.17, not a directory: ``tracking/registry.py``
  ``get_store_builder`` and ``tracking/_tracking_service/utils.py`` test ``store_uri in {"databricks",
  "databricks-uc", "uc"}`` before the scheme, so ``--tracking-uri uc`` came out as MLflow's traceback
  (rc 1). Refused now in one line, as the other Unity Catalog forms; ``./uc`` and ``UC`` stay paths.
- The Unity Catalog refusal quoted ``uc:http://u:S3CRET@host`` with its password in clear.
- A ``kfp.host`` in ctloop.yaml without a scheme was quoted with its credentials in full
  (``u:S3CRET@kfp.example.com:99x``), where ``--host`` and ``KF_PIPELINES_ENDPOINT`` mask them.
- An ``http``-prefixed host without a scheme is refused because kfp 2.17's client sends it over plain
  http (urllib3 2.x ``parse_url`` gives no scheme, ``PoolManager.connection_from_host`` takes http, port
  80): the bearer token would go out in cleartext. The message said it would be sent "without a scheme".
"""

from __future__ import annotations

import pytest

from ctloop.config import KfpConfig
from ctloop.errors import ConfigError
from ctloop.tracking import check_unity_catalog_uri

SECRET = "S3CRET"


@pytest.fixture
def no_databricks(monkeypatch, tmp_path):
    for name in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "uc").mkdir()  # a directory named uc does not make the bare uc a path to MLflow


def test_the_bare_uc_is_refused_as_unity_catalog(no_databricks):
    with pytest.raises(ConfigError, match=r"^tracking URI 'uc': a Unity Catalog URI"):
        check_unity_catalog_uri("uc")


@pytest.mark.parametrize("uri", ["./uc", "UC", "ucx", "data/uc"])
def test_paths_that_look_like_uc_are_paths(no_databricks, uri):
    check_unity_catalog_uri(uri)


@pytest.mark.parametrize("how", ["flag", "environment"], ids=["flag", "environment"])
def test_the_cli_refuses_the_bare_uc_in_one_line(no_databricks, monkeypatch, capsys, how):
    from ctloop.cli import main

    flags = ["--tracking-uri", "uc"] if how == "flag" else []
    if how == "environment":
        monkeypatch.setenv("MLFLOW_TRACKING_URI", "uc")
    assert main(["registry", "status", "--model-name", "m", *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Unity Catalog URI" in err and "Traceback" not in err, err


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        (f"uc:http://u:{SECRET}@host", "uc:http://u:***@host"),
        (f"uc:https://{SECRET}@host:8080/api", "uc:https://***@host:8080/api"),
        (f"UC:http://u:{SECRET}@host", "UC:http://u:***@host"),
    ],
)
def test_the_unity_catalog_refusal_masks_the_password(uri, shown):
    with pytest.raises(ConfigError) as caught:
        check_unity_catalog_uri(uri)
    said = str(caught.value)
    assert SECRET not in said and repr(shown) in said, said


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        (f"u:{SECRET}@kfp.example.com:99x", "'kfp.example.com:99x' (its credentials not shown)"),
        (f"httpu:{SECRET}@h", "'h' (its credentials not shown)"),
        (f"{SECRET}@kfp.example.com:99x", "'kfp.example.com:99x' (its credentials not shown)"),
        (f"https://u:{SECRET}@h:99x", "'https://h:99x' (its credentials not shown)"),
    ],
)
def test_kfp_host_in_the_spec_is_shown_as_the_flag_shows_it(host, shown):
    with pytest.raises(ConfigError) as caught:
        KfpConfig.from_dict({"host": host}, "kfp")
    said = str(caught.value)
    assert SECRET not in said and f"got {shown}" in said, said


def test_an_http_prefixed_host_is_refused_for_the_plain_http_it_would_use():
    from ctloop.urls import kfp_host_problem

    said = kfp_host_problem("http-gw.example.com/pipeline")
    assert said and "plain http://" in said and "without a scheme" not in said, said


def test_urllib3_sends_a_schemeless_http_prefixed_host_over_plain_http():
    # what the message says, from the client kfp 2.17's kfp_server_api uses (urllib3 2.x poolmanager.py)
    import urllib3

    pool = urllib3.PoolManager().connection_from_url(
        "http-gw.example.com/pipeline/apis/v2beta1/runs"
    )
    assert (type(pool).__name__, pool.scheme, pool.port) == ("HTTPConnectionPool", "http", 80)
