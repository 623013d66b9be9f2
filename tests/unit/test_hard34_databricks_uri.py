"""A ``databricks`` tracking URI that cannot have credentials here: one ``error:`` line naming the
URI and what is missing, exit code 2, never MLflow's traceback (mlflow 3.17.2, the one installed).

``databricks://scope:prefix`` is MLflow's secret-scope form: ``mlflow/utils/databricks_utils.py``
``TrackingURIConfigProvider.get_config`` and ``get_workspace_info_from_databricks_secrets`` read
``<prefix>-host``/``<prefix>-token`` through ``_get_dbutils()``, which raises ``_NoDbutilsError``
outside a Databricks notebook or job (``registry status`` printed it as a traceback through
``warn_on_deprecated_cross_workspace_registry_uri``). ``databricks``/``databricks://<profile>``
need DATABRICKS_HOST or a ``~/.databrickscfg`` profile (``_get_databricks_creds_config``).
"""

from __future__ import annotations

import pytest

from ctloop import tracking
from ctloop.errors import ConfigError
from tests.helpers import run_main

HANG_S = 60
COMMANDS = [
    ["registry", "status", "--model-name", "m"],
    ["registry", "verify", "--model-name", "m", "--version", "1"],
    ["approve", "--model-name", "m", "--version", "1", "--reason", "ok"],
    ["audit", "--model-name", "m"],
    ["monitor", "history", "--model-name", "m"],
]
CASES = {
    "databricks://scope:prefix": ["secrets prefix-host and prefix-token", "secret scope 'scope'", "dbutils",
                                  "DATABRICKS_HOST and DATABRICKS_TOKEN"],
    # r46: a Unity Catalog URI is no tracking URI (mlflow 3.17 refuses it as one): refused before its credentials
    "databricks-uc://scope:prefix": ["a Unity Catalog URI names a model registry", "databricks://<profile>"],
    "databricks://prof": ["no Databricks config file", "databricks configure --profile prof"],
    "databricks": ["DATABRICKS_HOST is unset", "no Databricks config file", "DATABRICKS_TOKEN"],
}


@pytest.fixture(autouse=True)
def no_databricks(monkeypatch, tmp_path):
    for name in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_FILE", "DATABRICKS_CONFIG_PROFILE",
                 "DATABRICKS_AZURE_RESOURCE_ID", "DATABRICKS_RUNTIME_VERSION", "MLFLOW_TRACKING_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    yield
    import mlflow

    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize("uri", list(CASES))
def test_a_databricks_uri_without_credentials_is_one_line(uri, command, capsys):
    code, out, err = run_main([*command, "--tracking-uri", uri], capsys, HANG_S)
    assert code == 2 and "Traceback" not in err, err[-3000:]
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and repr(uri) in lines[0], err
    assert all(fragment in lines[0] for fragment in CASES[uri]), lines[0]


def test_databricks_with_its_variables_goes_on_to_mlflow(monkeypatch):
    monkeypatch.setenv("DATABRICKS_HOST", "https://adb-1.azuredatabricks.net")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi0123")
    tracking.check_databricks_uri("databricks")
    assert tracking.configure("databricks") == "databricks"
    # databricks://<profile> without a config file: the SDK's _known_file_config_loader returns
    # ("does not exist", databricks-sdk 0.156 config.py) and the variables give the host (review34)
    tracking.check_databricks_uri("databricks://prof")


def test_a_config_file_without_the_profile_asked_for_is_refused_even_with_the_variables(tmp_path, monkeypatch):
    """The SDK raises "resolve: … has no prof profile configured" when the file exists without it."""
    monkeypatch.setenv("DATABRICKS_HOST", "https://adb-1.azuredatabricks.net")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi0123")
    cfg = tmp_path / "databrickscfg"
    cfg.write_text("[other]\nhost = https://adb-2.azuredatabricks.net\ntoken = dapi2\n")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(cfg))
    with pytest.raises(ConfigError, match=r"has no profile \[prof\]"):
        tracking.check_databricks_uri("databricks://prof")


@pytest.mark.parametrize("text, accepted", [
    ("[__settings__]\ndefault_profile = prod\n[prod]\nhost = https://adb-2.azuredatabricks.net\ntoken = t\n", True),
    ("[DEFAULT]\nazure_workspace_resource_id = /subscriptions/s/resourceGroups/g/providers/"
     "Microsoft.Databricks/workspaces/w\n", True),
    ("[__settings__]\ndefault_profile = prod\n[DEFAULT]\nhost = https://adb-1.azuredatabricks.net\ntoken = t\n"
     "[prod]\ntoken = t\n", True),  # the SDK fails on [prod] (no host); MLflow's legacy reader takes [DEFAULT]
    ("[__settings__]\ndefault_profile = prod\n[prod]\ntoken = t\n", False),  # no host anywhere
    ("[__settings__]\ndefault_profile = dev\n[DEFAULT]\nhost = https://adb-1.azuredatabricks.net\ntoken = t\n",
     True),  # the SDK finds no [dev]; MLflow's legacy fallback reads [DEFAULT] (review)
], ids=["settings-default-profile", "azure-resource-id", "legacy-default-after-sdk-failed", "no-host",
         "legacy-default-fallback"])
def test_the_bare_form_reads_the_profile_the_sdk_resolves(tmp_path, monkeypatch, text, accepted):
    """databricks-sdk 0.156 ``Config._resolve_profile``: DATABRICKS_CONFIG_PROFILE, else
    ``[__settings__] default_profile``, else DEFAULT; a host or an Azure resource id (review34:
    a file MLflow accepts was refused)."""
    cfg = tmp_path / "databrickscfg"
    cfg.write_text(text)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(cfg))
    if accepted:
        tracking.check_databricks_uri("databricks")
    else:
        with pytest.raises(ConfigError, match=r"no profile \[prod\] with a host"):
            tracking.check_databricks_uri("databricks")


@pytest.mark.parametrize("content", [b"\xff\xfe\x00[prof]", b"host = https://x\n"], ids=["binary", "no section"])
@pytest.mark.parametrize("uri", ["databricks", "databricks://prof"])
def test_a_databricks_config_file_that_is_not_one_is_one_line(tmp_path, monkeypatch, capsys, content, uri):
    """MLflow's legacy ProfileConfigProvider reads it with configparser: a UnicodeDecodeError or
    MissingSectionHeaderError traceback."""
    cfg = tmp_path / "databrickscfg"
    cfg.write_bytes(content)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(cfg))
    code, out, err = run_main(["registry", "status", "--model-name", "m", "--tracking-uri", uri], capsys, HANG_S)
    assert code == 2 and "Traceback" not in err, err[-3000:]
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and f"the Databricks config file {cfg} cannot be read" in lines[0], err


def test_a_databricks_profile_in_databrickscfg_goes_on_to_mlflow(tmp_path, monkeypatch):
    cfg = tmp_path / "home" / ".databrickscfg"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("[DEFAULT]\nhost = https://adb-1.azuredatabricks.net\ntoken = dapi1\n\n"
                   "[prof]\nhost = https://adb-2.azuredatabricks.net\ntoken = dapi2\n")
    tracking.check_databricks_uri("databricks")
    tracking.check_databricks_uri("databricks://prof")
    with pytest.raises(ConfigError, match=r"no profile \[other\]"):
        tracking.check_databricks_uri("databricks://other")
    other = tmp_path / "elsewhere.cfg"
    other.write_text("[other]\nhost = https://adb-3.azuredatabricks.net\ntoken = dapi3\n")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(other))
    tracking.check_databricks_uri("databricks://other")


def test_the_secret_scope_form_goes_on_to_mlflow_where_dbutils_is(monkeypatch):
    """In a Databricks notebook or job ``_get_dbutils`` answers; MLflow reads the secrets."""
    from mlflow.utils import databricks_utils

    monkeypatch.setattr(databricks_utils, "_get_dbutils", lambda: object())
    tracking.check_databricks_uri("databricks://scope:prefix")


def test_other_uris_are_not_looked_at():
    for uri in ("sqlite:///x.db", "http://127.0.0.1:5000", "./mlruns", "file:///tmp/m", "uc://scope:prefix"):
        tracking.check_databricks_uri(uri)


def test_a_profile_named_by_the_variable_has_no_default_fallback(tmp_path, monkeypatch):
    """DATABRICKS_CONFIG_PROFILE=prod, [prod] absent, [DEFAULT] with a host: MLflow's legacy reader
    is ProfileConfigProvider("prod") — no [DEFAULT] — and refuses; so does ctloop (review)."""
    cfg = tmp_path / "databrickscfg"
    cfg.write_text("[DEFAULT]\nhost = https://adb-1.azuredatabricks.net\ntoken = t\n")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(cfg))
    monkeypatch.setenv("DATABRICKS_CONFIG_PROFILE", "prod")
    with pytest.raises(ConfigError, match=r"no profile \[prod\] with a host"):
        tracking.check_databricks_uri("databricks")
