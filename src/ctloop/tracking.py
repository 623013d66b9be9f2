"""MLflow tracking for ctloop: one place that configures MLflow and logs a training run.

mlflow 3.17 facts this module handles (see docs/architecture.md):

* loading any sklearn model needs ``MLFLOW_ALLOW_PICKLE_DESERIALIZATION=true``;
* ``log_model`` serialises with skops by default, and HistGradientBoosting / tree models need
  their tree types listed in ``skops_trusted_types``;
* requirement inference costs ~4.5 s per ``log_model``: we pass ``pip_requirements`` explicitly;
* the KServe sklearn runtime cannot read ``model.skops``: a joblib copy is logged next to it under
  ``model-joblib/model.joblib``.

Every model file a training run writes has its sha256 recorded as a run tag, which every loader
checks before it deserialises a byte (``ctloop.artifacts.load_verified``): ``ctloop.joblib_sha256``
(``model-joblib/model.joblib``, the pickle KServe's stock runtime reads), ``ctloop.skops_sha256``
(``model-joblib/model.skops``, what the ctloop serving runtime loads) and
``ctloop.logged_model_sha256`` (the ``model.skops`` of the MLflow logged model). Run tags live in
the tracking database, apart from the artifact store the files live in.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ctloop.artifacts import sha256_file
from ctloop.errors import ConfigError, RegistryError, one_line
from ctloop.urls import _CUT_USERINFO, _cut_userinfo, _ipv6_host  # noqa: F401 - read here and by callers

if TYPE_CHECKING:  # pragma: no cover
    import ssl

    import pandas as pd

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
REFERENCE_ARTIFACT_DIR = "reference"
REFERENCE_FILE = "reference.parquet"
JOBLIB_ARTIFACT_DIR = "model-joblib"
META_ARTIFACT_DIR = "ctloop"
MODEL_ARTIFACT_NAME = "model"
# Cap on the rows kept as drift reference (a seeded sample when the training set is larger).
REFERENCE_MAX_ROWS = 200_000

# Bounds on every HTTP call to a tracking server. mlflow 3.17.2's own defaults
# (mlflow/environment_variables.py: MLFLOW_HTTP_REQUEST_MAX_RETRIES=7, _BACKOFF_FACTOR=2,
# _TIMEOUT=120 s) retry an unreachable server for about four minutes without a word. These,
# set unless the environment already sets them, bound one call to under a minute: 3 attempts of
# at most 15 s each plus 1 s + 2 s of backoff (urllib3 Retry, plus up to 1 s of jitter each). A 429,
# 413 or 503 with ``Retry-After`` is retried after that backoff too: urllib3 2.x sleeps whatever the
# header says, up to six hours (util/retry.py DEFAULT_RETRY_AFTER_MAX = 21600), and mlflow 3.17.2
# respects it by default (MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER): "Retry-After: 3600" was an hour
# of silence per retry.
HTTP_ENV = {
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "15",
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER": "false",
}
# The preflight probe of an http(s) tracking URI: attempts, seconds each, pause between them.
PREFLIGHT_ATTEMPTS = 3
PREFLIGHT_TIMEOUT_S = 5.0
PREFLIGHT_PAUSE_S = 2.0
_ANSWERED: set[str] = set()

TAG_JOBLIB_SHA256 = "ctloop.joblib_sha256"
TAG_SKOPS_SHA256 = "ctloop.skops_sha256"
TAG_LOGGED_MODEL_SHA256 = "ctloop.logged_model_sha256"
TAG_DATASET_DIGEST = "ctloop.dataset_digest"
TAG_DATA_URI = "ctloop.data_uri"
TAG_CODE_VERSION = "ctloop.code_version"
TAG_MODEL_ID = "ctloop.model_id"
# JSON list: the types a bring-your-own model needs beyond ctloop's skops allow-list
# (training.trusted_types); kept in the run, outside the artifact store, like the hashes.
TAG_TRUSTED_TYPES = "ctloop.trusted_types"


def configure(tracking_uri: str = "") -> str:
    """Point MLflow at ``tracking_uri`` and set the switches mlflow 3.17 needs. Returns the URI.

    Empty ``tracking_uri`` means ``MLFLOW_TRACKING_URI`` from the environment (how a cluster
    injects it from a Secret/ConfigMap), else a local ``sqlite:///mlflow.db``. An http(s) server
    is probed first (:func:`preflight`): one that does not answer is a RegistryError within
    about 20 s, not four minutes of silent retries; MLflow's own HTTP calls are bounded by
    :data:`HTTP_ENV`.

    Process-wide, for a program using ctloop as a library: the switches go into ``os.environ``
    (``setdefault``: a value already there wins), so they hold for the whole process and every
    subprocess it starts, and are not undone: ``MLFLOW_ALLOW_PICKLE_DESERIALIZATION=true``,
    ``MLFLOW_DISABLE_TELEMETRY=true``, ``MLFLOW_ENABLE_ASYNC_LOGGING=false``,
    ``MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR=false``, ``MLFLOW_ALLOW_FILE_STORE=true`` (a file store
    only), and :data:`HTTP_ENV`: ``MLFLOW_HTTP_REQUEST_TIMEOUT=15``, ``MLFLOW_HTTP_REQUEST_MAX_RETRIES=2``,
    ``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR=1``, ``MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER=false`` (any
    MLflow client of the process then ignores ``Retry-After``; it cannot be capped instead: mlflow
    3.17 ``utils/request_utils.py`` builds urllib3's ``Retry`` without ``retry_after_max``, whose
    default, 21600 s, is bound when urllib3 2.x ``util/retry.py`` defines it). MLflow's global
    tracking and registry URIs are set too, which mlflow 3.17 exports as ``MLFLOW_TRACKING_URI`` and
    ``MLFLOW_REGISTRY_URI`` (``tracking/_tracking_service/utils.py`` ``set_tracking_uri``,
    ``tracking/_model_registry/utils.py`` ``set_registry_uri``). Set any of them before the first
    call to keep another value.
    """
    import mlflow

    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "") or DEFAULT_TRACKING_URI
    if is_file_store(uri):  # in maintenance mode since mlflow 3.x
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    os.environ.setdefault("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", "true")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    for key, value in HTTP_ENV.items():
        os.environ.setdefault(key, value)
    _check_database_uri(uri)
    said_as = "tracking URI" if tracking_uri else "MLFLOW_TRACKING_URI"
    check_url_form(uri, said_as)
    check_unity_catalog_uri(uri, said_as)
    check_databricks_uri(uri)
    preflight(uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def check_url_form(uri: str, parameter: str) -> None:
    """Refuse an http(s) tracking URI that is no URL by the rule of ``--tracking-uri``
    (:func:`ctloop.urls.url_problem`), in one line naming ``parameter``, its password never shown:
    ``MLFLOW_TRACKING_URI``, which no argparse type checks, took ``http://admin:1234/pa@h`` (urlsplit
    reads host ``admin``, port 1234) and was retried for seconds, then "not answering" in three lines;
    a blank one was said as ``--tracking-uri ' '``."""
    from ctloop.urls import url_problem

    if not uri.strip():
        raise ConfigError(f"{parameter} is blank: give the MLflow tracking URI, e.g. http://mlflow.mlflow.svc:5000, "
                          "or unset it")
    if uri.split("://", 1)[0].lower() in ("http", "https") and "://" in uri:
        problem = url_problem(uri, ("http", "https"))
        if problem:
            raise ConfigError(f"{parameter} {display_uri(uri)!r} {problem}")


UNITY_CATALOG_SCHEMES = ("databricks-uc", "uc")  # model registry URIs (databricks-uc[://profile], uc, uc:http://...)


def check_unity_catalog_uri(uri: str, parameter: str = "tracking URI") -> None:
    """Refuse a Unity Catalog URI as the tracking URI, in one line naming it. mlflow 3.17 takes it as a
    registry URI only: as a tracking URI it raises "Setting the tracking URI to a Unity Catalog backend
    is not supported" (``tracking/_tracking_service/utils.py`` ``_get_databricks_uc_rest_store``), which
    came out of every ctloop command as a traceback. ctloop's registry is its tracking server's (one URI,
    one lock), and a Unity Catalog name has three levels (``utils/_unity_catalog_utils.py``
    ``split_uc_model_name``), which ctloop's promotion lock ``<name>.ctloop-promotion-lock`` is not."""
    scheme, colon, rest = uri.partition(":")
    # mlflow 3.17 reads the bare "uc" as Unity Catalog before any scheme (tracking/registry.py get_store_builder,
    # tracking/_tracking_service/utils.py: store_uri in {"databricks", "databricks-uc", "uc"}); ./uc and UC are paths
    if uri == "uc" or (scheme.lower() in UNITY_CATALOG_SCHEMES and (colon or scheme.lower() == "databricks-uc")):
        # uc:http://user:password@host: the password of the URI after "uc:" stays out too
        shown = f"{scheme}:{display_uri(rest)}" if "://" in rest else display_uri(uri)
        raise ConfigError(f"{parameter} {shown!r}: a Unity Catalog URI names a model registry, not a tracking server "
                          "(MLflow refuses it as a tracking URI), and ctloop keeps its models in the tracking "
                          "server's registry — fix: give the tracking server: databricks, databricks://<profile> or "
                          "http(s)://<mlflow server>")


def is_file_store(uri: str) -> bool:
    """``uri`` is MLflow's file store: a ``file:`` URI or a bare path."""
    return uri.startswith("file:") or (bool(uri) and "://" not in uri and not uri.startswith("databricks"))


def existing_store(tracking_uri: str = "", *, parameter: str = "--tracking-uri") -> None:
    """Refuse a local tracking URI that names no store (ConfigError naming ``parameter``), for the
    entry points that read an existing registry: opening a sqlite URI creates the database (and
    its directories), a file store its folders, so a mistyped URI would answer "no registered
    model" or "champion none" and leave an empty registry behind. Remote URIs pass."""
    from urllib.parse import unquote, urlparse

    uri = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "") or DEFAULT_TRACKING_URI
    if not tracking_uri and os.environ.get("MLFLOW_TRACKING_URI", ""):  # the variable's value: said by its name
        parameter = "MLFLOW_TRACKING_URI"
    fix = (f"check {parameter}" + ("" if parameter == "MLFLOW_TRACKING_URI" else " (or MLFLOW_TRACKING_URI)")
           + ": this reads an existing registry")
    _check_database_uri(uri)  # a driver not installed: one line, before SQLAlchemy's traceback
    check_url_form(uri, parameter)  # the variable's is checked as the flag's value is (argtypes.tracking_uri)
    check_unity_catalog_uri(uri, parameter)  # before its credentials: with them it is refused all the same
    check_databricks_uri(uri, parameter)  # no credentials for it: one line, before MLflow's traceback
    if uri.split("://", 1)[0].split("+", 1)[0] == "sqlite":
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            database = make_url(uri).database
        except ArgumentError as exc:
            raise ConfigError(f"{parameter} {uri!r} is not a database URL ({exc}): {fix}") from exc
        if database and database != ":memory:" and not Path(database).is_file():
            if uri == DEFAULT_TRACKING_URI and not tracking_uri and parameter.startswith("--"):
                # MLflow's default, which the user never typed: said as such, with where local runs keep theirs
                raise ConfigError(f"no {parameter} given and MLFLOW_TRACKING_URI unset, so MLflow's default {uri!r}: "
                                  f"no MLflow database at {database}: give {parameter} (or MLFLOW_TRACKING_URI); "
                                  "ctloop demo and ctloop run --local keep theirs at sqlite:///<their --workdir>/mlflow.db"
                                  ": this reads an existing registry")
            raise ConfigError(f"{parameter} {uri!r}: no MLflow database at {database}: {fix}")
    elif uri.startswith("file:") or ("://" not in uri and not uri.startswith("databricks")):
        path = Path(unquote(urlparse(uri).path) if uri.startswith("file:") else uri)
        if path.is_file():
            raise ConfigError(f"{parameter} {uri!r}: {path} is a file, not an MLflow file store: {fix}")
        if not path.is_dir():
            raise ConfigError(f"{parameter} {uri!r}: no MLflow file store at {path}: {fix}")


_DATABASE_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")


def check_databricks_uri(uri: str, parameter: str = "tracking URI") -> None:
    """A ``databricks`` URI that cannot have credentials where this runs is one ConfigError line
    naming it and what is missing, before MLflow's traceback (mlflow 3.17.2); others pass.

    * ``databricks://<scope>:<prefix>``: MLflow reads the secrets ``<prefix>-host`` and
      ``<prefix>-token`` of secret scope ``<scope>`` through ``dbutils``, and only so
      (``mlflow/utils/databricks_utils.py`` ``TrackingURIConfigProvider``,
      ``get_workspace_info_from_databricks_secrets``; environment variables are not consulted).
      ``_get_dbutils`` finds it in the IPython namespace of a Databricks notebook or job; outside
      one it raises ``_NoDbutilsError``, which the registry store let out as a traceback.
    * ``databricks`` / ``databricks://<profile>``: the Databricks SDK and MLflow's legacy providers
      (``_get_databricks_creds_config``) need a host: ``DATABRICKS_HOST``, the profile in
      ``~/.databrickscfg`` (``DATABRICKS_CONFIG_FILE``; ``DATABRICKS_CONFIG_PROFILE``, else
      ``DEFAULT``, for the bare form), Azure's ``DATABRICKS_AZURE_RESOURCE_ID``, or the Databricks
      runtime or model serving itself. Refused only when none of them is there (no network:
      the SDK's host discovery is MLflow's to do)."""
    scheme = uri.split("://", 1)[0] if "://" in uri else uri
    if scheme not in ("databricks", "databricks-uc"):
        return
    from mlflow.exceptions import MlflowException
    from mlflow.utils import databricks_utils
    from mlflow.utils.uri import get_db_info_from_uri

    try:
        scope, prefix = get_db_info_from_uri(uri)
    except MlflowException as exc:
        raise ConfigError(f"{parameter} {uri!r}: {exc.message}") from exc
    fix = ("outside Databricks use 'databricks' with DATABRICKS_HOST and DATABRICKS_TOKEN set, or "
           "'databricks://<profile>' of a ~/.databrickscfg profile with host and token")
    if prefix:
        try:
            databricks_utils._get_dbutils()
        except databricks_utils._NoDbutilsError as exc:
            raise ConfigError(
                f"{parameter} {uri!r}: its credentials are the secrets {prefix}-host and {prefix}-token of "
                f"Databricks secret scope {scope!r}, which MLflow reads through dbutils, there only in a "
                f"Databricks notebook or job — fix: {fix}") from exc
        except Exception:  # noqa: BLE001 - dbutils is there; what it answers is MLflow's to report
            pass
        return
    config_file = os.environ.get("DATABRICKS_CONFIG_FILE") or "~/.databrickscfg"
    profiles, default_profile = _databricks_profiles(config_file, parameter, uri)
    if scope:  # databricks://<profile>: a config file without it is the SDK's "has no <profile> profile"
        if profiles is not None and scope not in profiles:
            raise ConfigError(
                f"{parameter} {uri!r}: {config_file} has no profile [{scope}] — fix: `databricks configure "
                f"--profile {scope}` (host and token), or use 'databricks' with DATABRICKS_HOST and "
                "DATABRICKS_TOKEN set")
        if profiles is not None:
            return
    if (os.environ.get("DATABRICKS_HOST") or os.environ.get("DATABRICKS_AZURE_RESOURCE_ID")
            or os.environ.get("DATABRICKS_RUNTIME_VERSION")
            or databricks_utils.is_in_databricks_model_serving_environment()):
        return
    # the profile the SDK reads (databricks-sdk 0.156 config.py _resolve_profile): the one asked for,
    # else [__settings__] default_profile, else DEFAULT; its own keys only (_sections: no DEFAULT merge)
    # — and when the SDK fails, MLflow falls back to its legacy reader (mlflow 3.17
    # databricks_utils._get_databricks_creds_config)
    profile = scope or os.environ.get("DATABRICKS_CONFIG_PROFILE") or default_profile or "DEFAULT"
    hosts = {"host", "azure_workspace_resource_id"}
    # mlflow's legacy reader is ProfileConfigProvider(<the profile named by the URI or
    # DATABRICKS_CONFIG_PROFILE>), else (None): [DEFAULT] — whenever the SDK failed (review, checked)
    fallback = () if scope or os.environ.get("DATABRICKS_CONFIG_PROFILE") else ("DEFAULT",)
    if not any(hosts & set((profiles or {}).get(name, ())) for name in {profile, *fallback}):
        where = (f"{config_file} has no profile [{profile}] with a host" if profiles is not None
                 else f"there is no Databricks config file ({config_file})")
        raise ConfigError(
            f"{parameter} {uri!r}: no Databricks credentials here: DATABRICKS_HOST is unset and {where} — fix: "
            f"set DATABRICKS_HOST and DATABRICKS_TOKEN, or "
            f"`databricks configure{'' if profile == 'DEFAULT' else ' --profile ' + profile}`")


def _databricks_profiles(config_file: str, parameter: str, uri: str) -> tuple[dict[str, list[str]] | None, str]:
    """``({profile: its own keys}, [__settings__] default_profile)`` of the Databricks config file,
    read as the Databricks SDK reads it (``_sections``: a profile's keys without DEFAULT's; None
    when there is no file): one the SDK and MLflow's legacy ``ProfileConfigProvider`` would read
    with ``configparser`` and fail on (not text, not INI) is a ConfigError naming it."""
    import configparser

    path = Path(config_file).expanduser()
    parser = configparser.ConfigParser()
    try:
        if not path.exists():
            return None, ""
        with path.open(encoding="utf-8") as f:
            parser.read_file(f)
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0][:200]
        raise ConfigError(f"{parameter} {uri!r}: the Databricks config file {config_file} cannot be read as one "
                          f"({why}) — fix: correct it (`databricks configure`) or point DATABRICKS_CONFIG_FILE "
                          "elsewhere") from exc
    sections = parser._sections  # noqa: SLF001 - as the SDK reads it: a profile's own keys
    settings = sections.pop("__settings__", {})
    profiles = {name: list(keys) for name, keys in sections.items()}
    if parser.defaults():
        profiles["DEFAULT"] = list(parser.defaults())
    return profiles, str(settings.get("default_profile", "")).strip()


def _check_database_uri(uri: str) -> None:
    """A database tracking URI whose driver SQLAlchemy cannot load is one ConfigError line."""
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if scheme.split("+", 1)[0] not in _DATABASE_SCHEMES:
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        url = make_url(uri)
    except (ArgumentError, ValueError) as exc:  # e.g. a port that is no number
        raise ConfigError(f"tracking URI {display_uri(uri)!r} is not a database URL "
                          f"({hide_password(str(exc), uri)})") from None
    try:
        dialect = url.get_dialect()
        # the driver module itself (pymysql, psycopg2), loaded as create_engine loads it (SQLAlchemy 2.x
        # engine/create.py: import_dbapi when the dialect defines it, else a legacy dialect's dbapi())
        load = dialect.import_dbapi if "import_dbapi" in vars(dialect) else getattr(dialect, "dbapi", None)
        if callable(load):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a legacy dialect's deprecation warning: MLflow's to give
                load()
    except NotImplementedError:
        return  # a dialect that loads its driver some other way: MLflow finds out
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigError(f"tracking URI {display_uri(uri)!r}: no database driver for {scheme!r} ({exc}); use e.g. "
                          "sqlite:///mlflow.db, postgresql+psycopg2://user@host/db (with psycopg2 installed) "
                          "or http://mlflow:5000") from exc


def mlflow_tls() -> ssl.SSLContext:
    """The TLS the tasks' MLflow client uses for an https tracking URI, from the same variables:
    ``MLFLOW_TRACKING_INSECURE_TLS`` (no verification), else ``MLFLOW_TRACKING_SERVER_CERT_PATH``,
    else ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` (a CA bundle), and a client certificate (with its
    key) from ``MLFLOW_TRACKING_CLIENT_CERT_PATH`` — mlflow 3.17 ``utils/rest_utils.py``
    (``MlflowHostCreds.verify``, ``http_request``) and requests 2.33 ``sessions.py``
    (``merge_environment_settings``). With none of them set, requests' own bundle (certifi's,
    requests 2.33 ``adapters.py`` ``cert_verify``: ``verify=True`` is ``DEFAULT_CA_BUNDLE_PATH``), not
    OpenSSL's default paths: the client ignores ``SSL_CERT_FILE``/``SSL_CERT_DIR``, so does this.
    A variable that cannot be used is a ConfigError naming it."""
    import ssl

    from requests.utils import DEFAULT_CA_BUNDLE_PATH

    insecure = os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").strip().lower()
    if insecure not in ("", "true", "false", "1", "0"):
        raise ConfigError(f"MLFLOW_TRACKING_INSECURE_TLS={insecure!r}: give true or false (as the MLflow client does)")
    server_ca = os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH", "")
    if insecure in ("true", "1") and server_ca:
        raise ConfigError("MLFLOW_TRACKING_INSECURE_TLS=true and MLFLOW_TRACKING_SERVER_CERT_PATH are both set: the "
                          "MLflow client refuses the pair — fix: unset one")
    if insecure in ("true", "1"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        name, cafile = next(((n, os.environ[n]) for n in ("MLFLOW_TRACKING_SERVER_CERT_PATH", "REQUESTS_CA_BUNDLE",
                                                           "CURL_CA_BUNDLE") if os.environ.get(n)),
                            ("requests' CA bundle", DEFAULT_CA_BUNDLE_PATH))
        try:
            context = (ssl.create_default_context(capath=cafile) if os.path.isdir(cafile)
                       else ssl.create_default_context(cafile=cafile))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"{name}={cafile}: not a readable CA bundle ({getattr(exc, 'strerror', None) or exc}) — "
                              "fix: the path of a PEM file") from exc
    client = os.environ.get("MLFLOW_TRACKING_CLIENT_CERT_PATH", "")
    if client:
        try:
            context.load_cert_chain(client)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"MLFLOW_TRACKING_CLIENT_CERT_PATH={client}: not a readable certificate with its key "
                              f"({getattr(exc, 'strerror', None) or exc}) — fix: one PEM file holding both") from exc
    return context


def certificate_fix(cert: ssl.SSLCertVerificationError, host: str) -> str:
    """What to do about a tracking server certificate that ``cert`` refused: a certificate that does
    not name ``host`` (OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH, verify code 62, or for an IP address
    X509_V_ERR_IP_ADDRESS_MISMATCH, 64; the client's urllib3
    matches the URI's host as ``ssl`` does) needs a host name it names, another CA will not help;
    anything else (an unknown issuer) needs the CA bundle the MLflow client reads."""
    message = str(cert.verify_message or cert)  # 62 X509_V_ERR_HOSTNAME_MISMATCH, 64 X509_V_ERR_IP_ADDRESS_MISMATCH
    if getattr(cert, "verify_code", None) in (62, 64) or "Hostname mismatch" in message or "IP address mismatch" in message:
        return (f"use a host name its certificate names in the tracking URI (not {host!r}: a certificate for "
                "a name or IP address lists it in its subjectAltName), or have the certificate issued for it")
    ignored = [n for n in ("SSL_CERT_FILE", "SSL_CERT_DIR") if os.environ.get(n)]
    return ("set MLFLOW_TRACKING_SERVER_CERT_PATH to the CA bundle that signed it, as the MLflow client reads it "
            "(the tasks: that key in ConfigMap ctloop-settings)"
            + (f"; the client ignores {' and '.join(ignored)}" if ignored else ""))


def preflight(uri: str, *, say=None) -> None:
    """Check that the tracking server at an http(s) ``uri`` answers; other URIs pass at once.

    Any HTTP answer counts (401/403/404 included: the server is there, MLflow reports what it
    refuses); no answer within :data:`PREFLIGHT_TIMEOUT_S`, refused connections and unknown
    hosts are retried :data:`PREFLIGHT_ATTEMPTS` times with a progress line each
    (``say``, default: ``ctloop: ...`` on stderr), then raise one RegistryError naming the URI.
    A URI that answered once is not probed again in this process.
    """
    import http.client
    import ssl
    import urllib.error
    import urllib.request

    if not uri.startswith(("http://", "https://")) or uri in _ANSWERED:
        return
    say = say or (lambda line: print(f"ctloop: {line}", file=sys.stderr, flush=True))
    shown = display_uri(uri)
    # to the host alone: urllib takes ``user:password@host`` for a host name (MLflow's requests sends
    # the userinfo as basic auth), and any answer counts
    probe = _probe_url(uri).rstrip("/") + "/health"
    elsewhere = contacted_instead(uri)  # a '/', '?' or '#' in the password: the server shown is not asked
    at = f"host {elsewhere!r} (not {shown})" if elsewhere else shown
    started = time.monotonic()
    reason = ""
    # verified as the MLflow client will verify it (MLFLOW_TRACKING_SERVER_CERT_PATH, ...)
    context = mlflow_tls() if probe.lower().startswith("https://") else None
    for attempt in range(1, PREFLIGHT_ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(probe, timeout=PREFLIGHT_TIMEOUT_S, context=context):
                pass
            _ANSWERED.add(uri)
            return
        except urllib.error.HTTPError:  # an HTTP status: the server answers
            _ANSWERED.add(uri)
            return
        except http.client.InvalidURL as exc:  # a port that is no number, a space in the path: no retry mends it
            # http.client (3.11) says which: 'nonnumeric port: ...' or "URL can't contain control characters.
            # '<path>' ...", the path quoted (not repeated here: it may hold a token)
            said = str(exc)
            if said.startswith("nonnumeric port"):
                why = "its port is not a number; a '/', '?' or '#' in a password is written %2F, %3F, %23"
            elif "control characters" in said:
                why = "it holds a space or control character; a space is written %20"
            else:
                why = one_line(said.replace(probe, shown))
            raise ConfigError(f"tracking URI {shown!r} is not a URL ({why}): fix --tracking-uri, tracking_uri or "
                              "MLFLOW_TRACKING_URI") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = str(getattr(exc, "reason", "") or exc) or type(exc).__name__
            if isinstance(getattr(exc, "reason", exc), ssl.SSLCertVerificationError):
                cert = getattr(exc, "reason", exc)
                from urllib.parse import urlsplit

                raise RegistryError(
                    f"MLflow tracking server at {at}: its certificate is not trusted "
                    f"({cert.verify_message or cert}) — fix: "
                    f"{ELSEWHERE_FIX if elsewhere else certificate_fix(cert, urlsplit(probe).hostname or '')}"
                ) from exc
        if attempt < PREFLIGHT_ATTEMPTS:
            say(f"MLflow at {at} not answering ({reason}), retry {attempt + 1}/{PREFLIGHT_ATTEMPTS} "
                f"in {PREFLIGHT_PAUSE_S:.0f} s")
            time.sleep(PREFLIGHT_PAUSE_S)
    raise RegistryError(
        f"MLflow tracking server at {at} is not answering ({reason}; {PREFLIGHT_ATTEMPTS} attempts "
        f"over {time.monotonic() - started:.0f} s): "
        f"{ELSEWHERE_FIX if elsewhere else 'start it or fix the tracking URI'} "
        "(--tracking-uri, tracking_uri, MLFLOW_TRACKING_URI)")


# _CUT_USERINFO, _cut_userinfo and _ipv6_host live in ctloop.urls (the URL rule of argtypes and config uses them)


def display_uri(uri: str) -> str:
    """``uri`` without a password in its userinfo (``http://user:***@host``), or without the user
    name of an http(s) URI when it comes alone or with an empty password (``http://***@host``: a
    token), for messages."""
    from urllib.parse import urlsplit, urlunsplit

    cut = _cut_userinfo(uri)  # a password holding '/', '?' or '#', an unparsable URI, or a token as the user
    try:
        parts = urlsplit(uri)
        if parts.password or (parts.password == "" and cut is None):
            host = parts.netloc.rsplit("@", 1)[1]
            return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
    except ValueError:
        pass
    return f"{cut['scheme']}***@{cut['rest']}" if cut else uri


def hide_password(text: str, uri: str) -> str:
    """``text`` with the password of ``uri``'s userinfo replaced by ``***`` wherever it appears (a
    message that quotes the URI or a URL requested through it); a token (an http(s) user name alone
    or with an empty password, :func:`_cut_userinfo`) only where the text quotes the URI, after its
    ``://`` (the same word elsewhere, ``contact a@corp.com``, is left alone)."""
    from urllib.parse import unquote, urlsplit

    try:
        password = urlsplit(uri).password
    except ValueError:  # unparsable (an unclosed IPv6 bracket)
        password = None
    before = after = ""
    if not password and (cut := _cut_userinfo(uri)) is not None:
        if cut["password"]:
            password = cut["password"]
        else:
            password, before, after = cut["user"], "://", ("@" if cut["password"] is None else ":@")
    for form in (password, unquote(password or "")):  # requests sends (and may print) it decoded
        text = text.replace(before + form + after, before + "***" + after) if form else text
    return text


def masked(exc: BaseException, uri: str) -> BaseException:
    """``exc`` with ``uri``'s password out of its message (its args, and an MlflowException's
    ``message``), or a RegistryError of the masked message when the text is elsewhere."""
    if hide_password(str(exc), uri) == str(exc):
        return exc
    exc.args = tuple(hide_password(a, uri) if isinstance(a, str) else a for a in exc.args)
    if isinstance(getattr(exc, "message", None), str):
        exc.message = hide_password(exc.message, uri)  # type: ignore[attr-defined]
    if hide_password(str(exc), uri) != str(exc):
        return RegistryError(hide_password(str(exc), uri))
    return exc


def restore_command(uri: str, experiment_id: str, *, what: str = "experiments --experiment-id") -> str:
    """The shell command that restores deleted experiment ``experiment_id`` of the store ``uri``:
    ``mlflow experiments restore`` has no store option and reads ``MLFLOW_TRACKING_URI``
    (mlflow 3.17.2 ``mlflow/experiments.py``, ``_get_store()``); a password shows as ``***``.
    ``what``: the command group and its id option (:func:`restore_run_command`)."""
    import shlex

    shown = display_uri(uri) if uri else ""
    if "***" in shown and uri.split("://", 1)[0] in ("http", "https"):
        # requests sends the URL's userinfo over the variables: a pasted "u:***@" would be refused
        shown = _without_userinfo(uri)
        prefix = (f"MLFLOW_TRACKING_URI={shlex.quote(shown)} MLFLOW_TRACKING_USERNAME=... "
                  "MLFLOW_TRACKING_PASSWORD=... ")
    else:
        prefix = f"MLFLOW_TRACKING_URI={shlex.quote(shown)} " if uri else ""
    group, option = what.split(" ", 1)
    command = f"{prefix}mlflow {group} restore {option} {experiment_id}"
    return command + (" (put the password back in place of ***)" if "***" in shown else "")


def restore_run_command(uri: str, run_id: str) -> str:
    """:func:`restore_command` of deleted run ``run_id``: ``mlflow runs restore --run-id`` (mlflow 3.17.2
    ``mlflow/runs.py``, the same ``_get_store()``)."""
    return restore_command(uri, run_id, what="runs --run-id")


ELSEWHERE_FIX = ("a '/', '?' or '#' in the password ends the host part, for the MLflow client too (its port, if "
                 "any, is then read from the password): write them %2F, %3F, %23")


def contacted_instead(uri: str) -> str | None:
    """The host the MLflow client connects to for ``uri`` (:func:`_probe_url`) when it is not the
    host and port :func:`display_uri` shows, else None: a '/', '?' or '#' in a password ends the
    authority for urllib3 2.7 (``src/urllib3/util/url.py`` ``parse_url``, under requests 2.33) as
    for urlsplit, so ``http://admin:2024/pw@mlflow:5000`` goes to ``admin`` port 2024. The host
    alone: its port is the start of the password."""
    from urllib.parse import urlsplit

    default = {"http": 80, "https": 443}
    try:
        to, seen = urlsplit(_probe_url(uri)), urlsplit(display_uri(uri))
        if (to.hostname, to.port or default.get(to.scheme)) == (seen.hostname, seen.port or default.get(seen.scheme)):
            return None
    except ValueError:
        return None
    return to.hostname or None


def _probe_url(uri: str) -> str:
    """Where the MLflow client connects for ``uri``, without a userinfo (sent as basic auth, not
    to be taken by urllib for a host name): requests 2.33 hands the URL to urllib3 2.x
    (``util/url.py`` ``parse_url``), whose authority ends at the first '/', '?' or '#' as urlsplit's
    netloc does, so ``http://mlflow:5000/u@corp.com`` goes to ``mlflow:5000``, not ``corp.com``; a
    netloc urlsplit cannot read (a port that is no number: a password it cut) loses its userinfo."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        return _without_userinfo(uri)
    return uri if "@" not in parts.netloc else _without_userinfo(uri)


def _without_userinfo(uri: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(uri)
    except ValueError:
        parts = None
    if parts is not None and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    cut = _cut_userinfo(uri)  # a userinfo urlsplit cut: what follows it
    return f"{cut['scheme']}{cut['rest']}" if cut else uri


# mlflow 3.17.2 mlflow/utils/rest_utils.py verify_rest_response: a 200 whose body is no JSON object
_NOT_JSON = "API request to endpoint was successful but the response body was not in a valid JSON format"


def not_mlflow_json(exc: BaseException, uri: str, action: str) -> str | None:
    """One line for an answer that is not MLflow's JSON, naming the tracking URI (password
    masked) and what came instead (HTML and its title: a login proxy's sign-in page, answered
    200 or reached through the redirect ``requests`` follows); ``None`` for any other error.
    MLflow's client raises an MlflowException quoting the whole page (mlflow 3.17.2
    ``mlflow/utils/rest_utils.py`` ``verify_rest_response``), or a ``JSONDecodeError`` where it
    parses the answer itself (``call_endpoint``, the artifact repositories' ``response.json()``)."""
    import json

    if isinstance(exc, json.JSONDecodeError):
        body = exc.doc
    else:
        message = str(getattr(exc, "message", "") or exc)
        if not message.startswith(_NOT_JSON):
            return None
        body = message.partition("Response body: '")[2]
    title = re.search(r"<title[^>]*>(.*?)</title", body, re.I | re.S)
    what = "HTML" if body.lstrip()[:1] == "<" else "text" if body.strip() else "an empty body"
    page = f" (page title {' '.join(title[1].split())[:80]!r})" if title and title[1].strip() else ""
    return (f"MLflow at {display_uri(uri)} answered {what}, not MLflow JSON, to {action}{page}: a login page of a proxy in "
            "front of MLflow (oauth2-proxy, an ingress' sign-in)? Give credentials the proxy accepts "
            "(MLFLOW_TRACKING_TOKEN is sent as a bearer token, MLFLOW_TRACKING_USERNAME and "
            "MLFLOW_TRACKING_PASSWORD as basic auth), or point the tracking URI at MLflow itself")


def refused_credentials(exc: Exception, uri: str, action: str) -> str | None:
    """One line for an MLflow answer that refused the caller (HTTP 401 or 403), naming the
    environment variables that carry credentials and which of them are set, never their values;
    ``None`` for any other error. MLflow's client sends ``MLFLOW_TRACKING_USERNAME`` and
    ``MLFLOW_TRACKING_PASSWORD`` as basic auth, else ``MLFLOW_TRACKING_TOKEN`` as a bearer token
    (mlflow 3.17.2 ``mlflow/utils/rest_utils.py`` ``http_request``), or asks the auth provider
    named by ``MLFLOW_TRACKING_AUTH``; a refusal arrives as an MlflowException whose error code is
    ``UNAUTHENTICATED`` (401) or ``PERMISSION_DENIED`` (403) (``mlflow/exceptions.py``
    ``get_error_code``). An answer that is no MLflow JSON (a login proxy's sign-in page) is
    :func:`not_mlflow_json`'s line."""
    page = not_mlflow_json(exc, uri, action)
    if page:
        return page
    code = str(getattr(exc, "error_code", ""))
    if code not in ("UNAUTHENTICATED", "CUSTOMER_UNAUTHORIZED", "PERMISSION_DENIED"):
        return None
    from urllib.parse import unquote, urlsplit

    env = os.environ
    where = f"MLflow at {display_uri(uri)}"
    user, password, token = (env.get(f"MLFLOW_TRACKING_{k}", "") for k in ("USERNAME", "PASSWORD", "TOKEN"))
    plugin = env.get("MLFLOW_TRACKING_AUTH", "")
    try:
        in_uri = urlsplit(uri).username or ""
    except ValueError:
        in_uri = ""
    cut = _cut_userinfo(uri)
    if in_uri and not plugin:  # requests' basic auth from the URL replaces the variables' header
        # (requests 2.x models.py prepare_auth: no auth= given, so the URL's userinfo is used)
        sent = ("the user name of the tracking URI (a token?), with no password" if cut and not cut["password"]
                else f"user {unquote(in_uri)!r} from the tracking URI")
    elif user and password:
        sent = f"user {user!r} (MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD)"
    elif token:
        sent = "the token in MLFLOW_TRACKING_TOKEN"
    elif plugin:
        sent = f"the credentials of auth provider {plugin!r} (MLFLOW_TRACKING_AUTH)"
    else:
        sent = ""
    if code == "PERMISSION_DENIED":
        who = sent or "a caller without credentials"
        return (f"{where} answered 403 (permission denied) to {action} for {who}: grant it the permission "
                "(EDIT on the registered model and the experiments for writes), or set MLFLOW_TRACKING_USERNAME "
                "and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN, to credentials that have it")
    if not sent:
        which = ("MLFLOW_TRACKING_USERNAME is set but MLFLOW_TRACKING_PASSWORD is not" if user else
                 "MLFLOW_TRACKING_PASSWORD is set but MLFLOW_TRACKING_USERNAME is not" if password else
                 "none of them is set")
        return (f"{where} answered 401 (not authenticated) to {action}: it needs credentials; set "
                "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (basic auth) or MLFLOW_TRACKING_TOKEN "
                f"(a bearer token); {which}")
    if in_uri and not plugin:
        return (f"{where} answered 401 (not authenticated) to {action}: it refused {sent}: check the user and "
                "password in the tracking URI, or take them out of it and set MLFLOW_TRACKING_USERNAME and "
                "MLFLOW_TRACKING_PASSWORD (basic auth) or MLFLOW_TRACKING_TOKEN (a bearer token)")
    return (f"{where} answered 401 (not authenticated) to {action}: it refused {sent}: check them (in a "
            "cluster: Secret ctloop-mlflow), or set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (basic "
            "auth) or MLFLOW_TRACKING_TOKEN (a bearer token)")


def utf8_text(text: str) -> str:
    """``text`` as MLflow can send it: a byte that is not UTF-8 in a file name or a command-line
    argument reaches Python as a lone surrogate (PEP 383, '\\udce9' for byte 0xe9), which no
    request can encode; it becomes U+FFFD, as any UTF-8 reader shows that byte."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        # a surrogate that is no escaped byte (a lone one from JSON's \ud800, half a pair) is
        # U+FFFD itself; the escaped bytes go back to bytes and are read as UTF-8
        text = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF and not 0xDC80 <= ord(c) <= 0xDCFF else c
                       for c in text)
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def local_artifact_root() -> str | None:
    """For a local ``sqlite:///DIR/x.db`` store: ``DIR/mlartifacts`` (absolute), else ``None``.

    Without it MLflow puts artifacts in ``./mlruns`` relative to whatever directory the first
    task happened to run in.
    """
    import mlflow

    uri = mlflow.get_tracking_uri()
    if uri.startswith("sqlite:///"):
        db = Path(uri[len("sqlite:///") :]).resolve()
        return (db.parent / "mlartifacts").as_uri()
    return None


def code_version() -> str:
    """``ctloop <version>`` plus the git commit baked into the image, when known."""
    from ctloop._version import __version__

    commit = os.environ.get("CTLOOP_GIT_COMMIT", "")
    return f"ctloop {__version__}" + (f" ({commit})" if commit else "")


def skops_trusted_types(model: Any) -> list[str]:
    """The non-default types skops must trust to save/load ``model`` (trees, HGB predictors);
    TrainingError if one is outside ``ctloop.artifacts.TRUSTED_SKOPS_TYPES``."""
    import skops.io as sio

    from ctloop.artifacts import dumps_skops

    return sorted(sio.get_untrusted_types(data=dumps_skops(model)))


def pip_requirements(versions: dict[str, str] | None = None) -> list[str]:
    """Explicit requirements for the logged model (skips mlflow's 4.5 s inference); ``versions``:
    the estimator's own libraries (train meta ``versions``: xgboost-cpu, lightgbm, a BYO package)."""
    from importlib.metadata import version

    base = {"scikit-learn": version("scikit-learn"), "pandas": version("pandas"),
            "numpy": version("numpy"), "skops": version("skops")}
    return [f"{name}=={ver}" for name, ver in {**base, **(versions or {})}.items()]


def _ensure_experiment(experiment: str) -> str:
    import mlflow

    if not experiment:
        raise ConfigError("an MLflow experiment name is required (the model name is used by default)")
    exp = mlflow.get_experiment_by_name(experiment)
    if exp is None:
        return mlflow.create_experiment(experiment, artifact_location=local_artifact_root())
    if exp.lifecycle_stage == "deleted":
        raise RegistryError(
            f"MLflow experiment {experiment!r} is deleted: restore it or choose another model name"
        )
    return exp.experiment_id


def _dataset(frame: pd.DataFrame, data_uri: str, target: str | None, digest: str):
    """An MLflow dataset for the run's inputs; the source is the data URI when MLflow knows its scheme."""
    import mlflow
    from mlflow.exceptions import MlflowException

    kw = {"targets": target, "name": "train_data", "digest": digest[:36] if digest else None}
    with warnings.catch_warnings():
        # The dataset's schema describes the training data as it is (integer columns stay
        # integers: the "cannot represent missing values" hint is about model inputs, handled in
        # the signature); a local path matches MLflow's two local-artifact sources, which agree.
        warnings.filterwarnings("ignore", message=r"(?s).*[Ii]nteger column", category=UserWarning)
        warnings.filterwarnings("ignore", message=r"(?s).*can be interpreted in multiple ways", category=UserWarning)
        if data_uri:
            try:
                return mlflow.data.from_pandas(frame, source=data_uri, **kw)
            except MlflowException:  # no source resolver for this scheme: record it as a tag only
                pass
        return mlflow.data.from_pandas(frame, **kw)


def _credentials_named(func):
    """``func`` whose MlflowException for refused credentials (HTTP 401/403) or an answer that is
    no MLflow JSON is one RegistryError naming the variables to set (:func:`refused_credentials`)."""
    import functools
    import json

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            from mlflow.exceptions import MlflowException

            if isinstance(exc, MlflowException | json.JSONDecodeError):  # refused, or a login page
                import mlflow

                refused = refused_credentials(exc, mlflow.get_tracking_uri(), func.__name__)
                if refused:
                    raise RegistryError(refused) from exc
            import mlflow

            hidden = masked(exc, mlflow.get_tracking_uri())
            if hidden is not exc:
                raise hidden from None
            raise

    return wrapper


@_credentials_named
def log_training_run(
    *,
    tracking_uri: str,
    experiment: str,
    model: Any,
    meta: dict[str, Any],
    params: dict[str, Any],
    metrics: dict[str, float],
    train_frame: pd.DataFrame,
    dataset_digest: str,
    data_uri: str,
    seed: int = 0,
    run_tags: dict[str, str] | None = None,
) -> tuple[str, str]:
    """Log one training run to MLflow; returns ``(run_id, model_uri)``. ``run_tags``: more run tags
    (``ctloop.training_start``: where the training rows started and why).

    The run holds: params, metrics, the training dataset as an MLflow dataset input (digest and
    source), a reference sample for drift detection (``reference/reference.parquet``), the
    model (skops, with signature and explicit pip requirements), the serving directory
    ``model-joblib/`` (``model.skops`` for the ctloop runtime, ``model.joblib`` for KServe's stock
    runtime, ``ctloop-model.json``) and ctloop's model meta (``ctloop/ctloop-model.json``), with
    the sha256 of every model file as a run tag (module docstring). Calls :func:`configure`, which
    sets MLflow switches and the tracking URI in ``os.environ`` for the whole process (its docstring).
    """
    import json

    import mlflow
    import mlflow.sklearn
    import skops.io as sio
    from mlflow.models import infer_signature

    from ctloop.artifacts import (
        META_JOBLIB_SHA256,
        META_SKOPS_SHA256,
        MODEL_META_FILE,
        SKOPS_FILE,
        linear_skops_writes,
        save_model,
    )

    configure(tracking_uri)
    experiment_id = _ensure_experiment(experiment)
    features = list(meta.get("features") or [c for c in train_frame.columns])
    target = meta.get("target")
    x = train_frame[features]
    sample = x.head(min(len(x), 200))
    # Integer features are declared double: the model imputes missing values, and an int64 schema
    # would make MLflow's pyfunc refuse a request whose integer feature is missing (NaN).
    sample = sample.astype({c: "float64" for c in sample.columns
                            if str(sample[c].dtype).lower().startswith(("int", "uint"))})
    try:
        with warnings.catch_warnings():
            # the integer hint is about the *output* here (class labels), which is never missing
            warnings.filterwarnings("ignore", message=r"(?s).*[Ii]nteger column", category=UserWarning)
            signature = infer_signature(sample, model.predict(sample))
    except (ValueError, TypeError) as exc:  # mlflow raises these for unsupported frames
        raise RegistryError(f"cannot infer the model signature: {exc}") from exc

    reference = train_frame
    if len(reference) > REFERENCE_MAX_ROWS:
        reference = reference.sample(n=REFERENCE_MAX_ROWS, random_state=seed)

    with mlflow.start_run(experiment_id=experiment_id) as run:
        flat_params = {utf8_text(str(k)): (json.dumps(v) if isinstance(v, dict | list)
                                           else utf8_text(v) if isinstance(v, str) else v)
                       for k, v in params.items()}
        mlflow.log_params(flat_params)
        if metrics:
            mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        tags = {
            TAG_DATASET_DIGEST: dataset_digest,
            TAG_DATA_URI: data_uri,
            TAG_CODE_VERSION: code_version(),
            "ctloop.task": str(meta.get("task", "")),
            "ctloop.target": str(target or ""),
            "ctloop.estimator": str(meta.get("estimator", "")),
        }
        if meta.get("trusted_types"):
            tags[TAG_TRUSTED_TYPES] = json.dumps(list(meta["trusted_types"]))
        mlflow.set_tags({utf8_text(str(k)): utf8_text(str(v)) for k, v in {**(run_tags or {}), **tags}.items()})
        with warnings.catch_warnings():  # the dataset's schema is computed lazily, here
            warnings.filterwarnings("ignore", message=r"(?s).*[Ii]nteger column", category=UserWarning)
            mlflow.log_input(_dataset(train_frame, utf8_text(data_uri), target, utf8_text(dataset_digest)),
                             context="training")

        with tempfile.TemporaryDirectory() as tmp:
            ref_dir = Path(tmp) / REFERENCE_ARTIFACT_DIR
            ref_dir.mkdir()
            reference.to_parquet(ref_dir / REFERENCE_FILE, index=False)
            mlflow.log_artifacts(str(ref_dir), artifact_path=REFERENCE_ARTIFACT_DIR)

            # The serving directory (a KServe storageUri): the same layout as a KFP Model artifact.
            job_dir = save_model(str(Path(tmp) / JOBLIB_ARTIFACT_DIR), model, meta)
            served = json.loads((job_dir / MODEL_META_FILE).read_text())
            _check_skops_copy(job_dir / SKOPS_FILE, served[META_SKOPS_SHA256], model, sample,
                              trusted=list(meta.get("trusted_types") or []))
            mlflow.log_artifacts(str(job_dir), artifact_path=JOBLIB_ARTIFACT_DIR)
            mlflow.set_tags({TAG_JOBLIB_SHA256: served[META_JOBLIB_SHA256],
                             TAG_SKOPS_SHA256: served[META_SKOPS_SHA256]})

            meta_dir = Path(tmp) / META_ARTIFACT_DIR
            meta_dir.mkdir()
            (meta_dir / MODEL_META_FILE).write_text(
                json.dumps(served, indent=2, sort_keys=True, default=str))
            mlflow.log_artifacts(str(meta_dir), artifact_path=META_ARTIFACT_DIR)

            trusted = sorted(sio.get_untrusted_types(file=job_dir / SKOPS_FILE))
        with linear_skops_writes():  # mlflow saves the model with skops.io.dump
            info = mlflow.sklearn.log_model(
                model,
                name=MODEL_ARTIFACT_NAME,
                signature=signature,
                input_example=None,
                pip_requirements=pip_requirements(meta.get("versions")),
                skops_trusted_types=trusted,
            )
        model_id = getattr(info, "model_id", "") or ""
        mlflow.set_tags({TAG_MODEL_ID: model_id,
                         TAG_LOGGED_MODEL_SHA256: _logged_model_sha256(model_id)})
        return run.info.run_id, info.model_uri


def _check_skops_copy(path: Path, sha: str, model: Any, sample: pd.DataFrame, trusted: list[str]) -> None:
    """The skops copy, loaded as the runtime loads it, predicts exactly like ``model``."""
    import numpy as np

    from ctloop.artifacts import load_verified

    copy = load_verified(path, sha, recorded_in="the hash just computed", trusted=trusted)
    predict = "predict_proba" if hasattr(model, "predict_proba") else "predict"
    if len(sample) and not np.array_equal(getattr(copy, predict)(sample),
                                          getattr(model, predict)(sample)):
        raise RegistryError(f"the skops copy of the model does not predict like the trained model "
                            f"({predict}); nothing was registered")


def _logged_model_sha256(model_id: str) -> str:
    """sha256 of the ``model.skops`` MLflow wrote for logged model ``model_id`` (one download)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from ctloop.artifacts import SKOPS_FILE

    client = mlflow.MlflowClient()
    try:
        location = client.get_logged_model(model_id).artifact_location.rstrip("/")
        with tempfile.TemporaryDirectory() as tmp:
            path = mlflow.artifacts.download_artifacts(artifact_uri=f"{location}/{SKOPS_FILE}",
                                                       dst_path=tmp)
            return sha256_file(path)
    except (MlflowException, OSError) as exc:
        raise RegistryError(
            f"cannot read back the logged model {model_id} to record its sha256: {exc}") from exc


__all__ = [
    "DEFAULT_TRACKING_URI",
    "REFERENCE_ARTIFACT_DIR",
    "REFERENCE_FILE",
    "JOBLIB_ARTIFACT_DIR",
    "META_ARTIFACT_DIR",
    "TAG_JOBLIB_SHA256",
    "TAG_SKOPS_SHA256",
    "TAG_LOGGED_MODEL_SHA256",
    "TAG_DATASET_DIGEST",
    "TAG_CODE_VERSION",
    "configure",
    "existing_store",
    "is_file_store",
    "code_version",
    "preflight",
    "mlflow_tls",
    "certificate_fix",
    "refused_credentials",
    "not_mlflow_json",
    "log_training_run",
    "pip_requirements",
    "sha256_file",
    "skops_trusted_types",
]
