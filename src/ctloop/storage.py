"""Files and tables on a local path, ``gs://``, ``s3://`` or Azure Blob Storage, behind one interface.

==============  ==========================================================  =======================
URI             meaning                                                     client
==============  ==========================================================  =======================
``path``        a local path (``file:///abs/path`` too)                     the standard library
``gs://B/K``    object ``K`` of Google Cloud Storage bucket ``B``            google-cloud-storage
``s3://B/K``    object ``K`` of S3 (or S3-compatible: MinIO, Ceph) bucket    boto3
``az://C/K``    blob ``K`` of Azure container ``C`` (account from the env)   azure-storage-blob
``abfs[s]://C@A.dfs.core.windows.net/K``  the same, account ``A`` named in the URI
==============  ==========================================================  =======================

Every operation is :func:`read_bytes`, :func:`write_bytes`, :func:`exists`, :func:`delete`, :func:`list_files`,
:func:`list_objects` (with sizes and etags),
:func:`read_table`, :func:`write_table`, :func:`filesystem` (a ``pyarrow.fs`` filesystem for
``pyarrow.dataset`` scans), :func:`local_copy` and :func:`output_dir`; callers never see a
cloud SDK. Credentials are the standard ones each cloud's tools already use (docs/storage.md):

* ``gs://``: Application Default Credentials (``GOOGLE_APPLICATION_CREDENTIALS``, GKE workload
  identity, ``gcloud auth application-default login``); ``STORAGE_EMULATOR_HOST`` for an emulator.
* ``s3://``: the AWS chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE`` and
  the shared config files, web identity / EKS IRSA, ECS and EC2 roles); ``AWS_ENDPOINT_URL_S3``
  or ``AWS_ENDPOINT_URL`` for MinIO and other S3-compatible stores; ``AWS_NO_SIGN_REQUEST=YES`` for a
  public bucket (unsigned requests, no credentials; ``GS_NO_SIGN_REQUEST=YES`` for GCS).
* Azure: ``AZURE_STORAGE_CONNECTION_STRING``; or the account (``AZURE_STORAGE_ACCOUNT_NAME``, or in
  the URI) with ``AZURE_STORAGE_ACCOUNT_KEY`` or ``AZURE_STORAGE_SAS_TOKEN``, else
  ``DefaultAzureCredential`` (AKS workload identity, managed identity, service principal env).

Every remote call has a connect timeout of :data:`CONNECT_TIMEOUT_S`, a read timeout of
:data:`READ_TIMEOUT_S` and at most :data:`ATTEMPTS` attempts, so an unreachable endpoint fails
in seconds. Every failure is one line (:class:`ctloop.errors.ConfigError` for a bad URI or missing
credentials, :class:`ctloop.errors.DataSourceError` for the rest) naming the URI and the fix.

Nothing here runs at import time; the cloud SDKs are imported where used.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import errno
import fnmatch
import gzip
import hashlib
import io
import itertools
import json
import math
import mimetypes
import os
import re
import socket
import stat
import sys
import tempfile
import threading
import time
import uuid
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from ctloop.errors import (
    ConfigError,
    CtloopError,
    DataSourceError,
    NoDataFiles,
    StoreUnavailable,
    one_line,
)

if TYPE_CHECKING:  # pragma: no cover
    from decimal import Decimal

    import numpy as np
    import pandas as pd
    import pyarrow.fs

TABLE_FORMATS = ("parquet", "csv")
# metadata each create_bytes writes on its object, a token of its own: a create refused as "taken" after
# the SDK retried a write whose answer was lost (the store had kept it) finds its token and is the maker
CREATE_TOKEN = "ctloopcreate"
CONNECT_TIMEOUT_S = 5.0
"""Seconds to open a connection to an object store."""
READ_TIMEOUT_S = 60.0
"""Seconds to wait for data on an open connection."""
ATTEMPTS = 3
"""Attempts per call, retries of throttling, 5xx and connection errors included."""
GCS_RETRY_DEADLINE_S = 10.0
"""google-cloud-storage retries by deadline, not by count: this bounds all attempts of a call."""

_CLIENTS_LOCK = threading.Lock()  # clients are cached per environment; the sink writes from threads
_GCS_CLIENTS = threading.local()

_SCHEMES = {"gs": "gs", "s3": "s3", "az": "az", "abfs": "az", "abfss": "az", "file": "file"}
_SUPPORTED = "a local path, file://, gs://, s3://, az:// or abfs(s)://"


# --------------------------------------------------------------------------- URIs
def scheme(uri: str) -> str:
    """``"file"``, ``"gs"``, ``"s3"`` or ``"az"`` (``az``, ``abfs`` and ``abfss`` are all Azure Blob)."""
    if not uri:
        raise ConfigError(f"no storage location given: pass {_SUPPORTED} URI")
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", uri)
    if match is None:
        _refuse_uri_typo(uri)
        _refuse_tilde(uri)
        _refuse_drive(uri, uri)
        return "file"
    name = match.group(1).lower()
    try:
        path = urlsplit(uri.strip()).path if name == "file" else "-"
    except ValueError as exc:  # an unclosed '[' (urlsplit reads an IPv6 host)
        raise ConfigError(f"{_without_secrets(uri)!r} is no file URI ({exc}): give file:///abs/path or a plain "
                          "path") from None
    if name == "file" and not path.strip():
        # 'file://' (or 'file://host') joined with a name is file:///name: the root directory
        raise ConfigError(f"{_file_uri_shown(uri)[0]!r} names no path: write a local path (./out) or "
                          "file:///absolute/path")
    if name in ("s3a", "s3n", "wasb", "wasbs"):
        _refuse_hadoop_scheme(uri, name)
    if name not in _SCHEMES:
        raise ConfigError(f"unsupported storage scheme {name + '://'!r} in {_without_secrets(uri)!r}: use "
                          f"{_SUPPORTED} (with the credentials of the environment, docs/storage.md)")
    return _SCHEMES[name]


def _refuse_tilde(path: str) -> None:
    """ConfigError for a local path starting with ``~`` or ``~user`` (a home directory): only a shell
    expands it, and a path from a config file, a quoted argument or a pipeline parameter reaches ctloop
    as written. Before, reading it said the file did not exist, and writing made a directory named
    ``~`` in the working directory and said it wrote to ``~/...``. Where that directory exists (written
    by a release before this refusal), the error says so and how to name it: ``./~/...``."""
    if path.startswith("~") and (home := os.path.expanduser(path)) != path:
        here = f"./{path}"
        kept = f"; {here} exists here: write {here} if that is the one meant" if os.path.lexists(path) else ""
        raise ConfigError(f"{path!r} starts with '~', which only a shell expands to a home directory: "
                          f"write the full path ({home}){kept}")


def _refuse_drive(path: str, shown: str) -> None:
    """ConfigError for a Windows path (``C:\\data\\x.csv``, ``file:///C:/data/x.csv``) where there are
    no drives: before, writing it made a file named ``C:\\data\\x.csv`` in the working directory, or
    the directory ``/C:`` at the root, and reading said it did not exist. A network path
    (``\\\\server\\share\\x.csv``, UNC) likewise."""
    if os.name != "nt" and path.startswith("\\\\"):  # \\server\share\...
        raise ConfigError(f"{shown!r} is a Windows network path (UNC), which this machine cannot open: write a "
                          "path of this machine (/mnt/share/x.csv) or a storage URI (s3://, gs://, az://)")
    if os.name != "nt" and re.match(r"^[A-Za-z]:[\\/]", path):
        raise ConfigError(f"{shown!r} is a Windows path (drive {path[:2]}), and this machine has no drives: "
                          "write a path of this machine (/data/x.csv) or a storage URI (s3://, gs://, az://)")


def _refuse_hadoop_scheme(uri: str, name: str) -> None:
    """ConfigError naming the URI to write for Hadoop's name of a store (a path pasted from a Spark
    job): ``s3a://``/``s3n://`` are S3 (``s3://``); ``wasb[s]://C@A.blob.core.windows.net/`` is the
    container of Azure account A (``abfs[s]://C@A.dfs.core.windows.net/``)."""
    rest = uri.split("://", 1)[1]
    if name.startswith("s3"):
        fixed = f"s3://{rest}"
    else:
        fixed = "abfs" + name[4:] + "://" + re.sub(r"(?i)^([^/]*@[^/.]+)\.blob\.", r"\1.dfs.", rest)
    raise ConfigError(f"{_masked(uri)!r} uses Hadoop's scheme {name + '://'!r}: ctloop reads the same store as "
                      f"{fixed.split('://')[0]}://: write {_masked(fixed)!r}")


# userinfo with a password that may hold '/' (an AWS secret key does): ``scheme://USER:PASS@rest``, the ':' before
# any '/' or '@' and the '@' the first after it. A user name holds no '[' or ']': ``[::1]:5000`` is a host
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/@:\[\]]*):([^@]*)@(.*)$", re.DOTALL)
_OBJECT_SCHEMES = ("gs", "s3", "s3a", "s3n", "az", "abfs", "abfss", "wasb", "wasbs")


def _userinfo(uri: str) -> re.Match | None:
    """The match of a ``USER:PASSWORD@`` in ``uri`` whose password may hold '/' (urlsplit ends the
    host at the first '/' and misses it), or None. A bracketed host (``http://[::1]:5000/a@b``) has no
    user. An object-store URI has no port; another's ``:digits`` is its port only when the '@' after
    it is in its query or fragment (``http://host:5000/x?a=b@c``): ``https://user:2024/Se/cret@host`` is
    a password (so is ``http://host:5000/a@b`` taken to be: masking a path in a message is the safe
    way to be wrong)."""
    found = _USERINFO.match(uri)
    if found is None or found.group(1).lower() in _OBJECT_SCHEMES:
        return found
    rest = found.group(3)[len(re.match(r"\d*", found.group(3)).group()):]
    if rest[:1] in ("?", "#") or (rest[:1] == "/" and re.search(r"[?#]", rest)):
        return None  # host:PORT?query@…: the '@' is in the query or fragment
    return found


def _without_secrets(uri: str) -> str:
    """``uri`` for a message: a password in it and its query (an Azure SAS, an S3 presigned URL:
    signatures) replaced by ``***``, the fragment left out."""
    if (found := _userinfo(uri)) is not None:
        uri = f"{found.group(1)}://{found.group(2)}:***@{found.group(4)}"
    try:
        parts = urlsplit(uri)
        netloc = parts.netloc
        if parts.password is not None:
            netloc = netloc.rpartition("@")[0].partition(":")[0] + ":***@" + netloc.rpartition("@")[2]
        elif "@" in netloc and parts.scheme.lower() not in ("abfs", "abfss"):
            # a token given as the user name (https://TOKEN@host/...); abfss://CONTAINER@account is no secret
            netloc = "***@" + netloc.rpartition("@")[2]
    except ValueError:  # an unparseable netloc (a bad port, brackets): keep only the scheme
        return uri.split("://", 1)[0] + "://***"
    return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", ""))


def _file_uri_shown(uri: str) -> tuple[str, str]:
    """A ``file://`` URI for a message, and the host it names: whatever comes before the last '@'
    after ``file://`` is userinfo (a password may hold '/', '#' or '?', which end urlsplit's netloc
    early), shown as ``***``; the host is what follows it up to the next '/'."""
    head, rest = uri[:7], uri[7:]
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    host = rest.rpartition("@")[2].partition("/")[0]
    return head + rest, host


def _masked(uri: str) -> str:
    """``uri`` as it is when nothing in it can be a secret (no query, no ``@``: a '#' in an object
    key stays), else :func:`_without_secrets`."""
    return uri if "?" not in uri and "@" not in uri else _without_secrets(uri)


_STORE_SCHEMES = r"(gs|s3|az|abfss?)"


def _refuse_uri_typo(uri: str) -> None:
    """ConfigError for an object-store URI one character off ('s3:/bucket/x', 'gs:bucket/x') or with
    blanks before it: as a local path it would be written under ./s3:/ without a word."""
    stripped = uri.lstrip()
    if re.fullmatch(r"file:", uri.strip(), re.IGNORECASE):
        # joined with a file name it is file:/name: the root directory
        raise ConfigError(f"{uri!r} names no path: write a local path (./out) or file:///absolute/path")
    if stripped != uri and re.match(rf"^{_STORE_SCHEMES}://", stripped, re.IGNORECASE):
        shown = _masked(stripped)
        raise ConfigError(f"{uri[:len(uri) - len(stripped)] + shown!r} starts with blanks before its scheme: write "
                          f"{shown!r}")
    typo = re.match(rf"^{_STORE_SCHEMES}:/?(?!/)(.*)$", uri, re.IGNORECASE | re.DOTALL)
    if typo:
        # masked as the URI it was meant to be (_without_secrets parses only '://'), shown as typed
        fixed = _masked(f"{typo.group(1)}://{typo.group(2)}")
        typed = uri[:typo.start(2)] + fixed.split("://", 1)[1]
        raise ConfigError(f"{typed!r} is not a storage URI (its scheme is not followed by '://'): "
                          f"write {fixed!r}")


def is_remote(uri: str) -> bool:
    """True for an object store URI (gs://, s3://, az://, abfs://, abfss://); False for local paths."""
    return scheme(uri) != "file"


@dataclass(frozen=True)
class ObjectInfo:
    """One listed file or object: its URI (written the way the listed prefix was), its size in
    bytes and its etag (changes whenever the content may have changed, and on GCS and Azure
    whenever its metadata does too). Where the listing states them: ``md5``, the hex MD5 of the
    stored bytes (GCS ``md5Hash``, absent for composite objects; Azure ``Content-MD5``, absent
    for blobs committed from blocks without one and cleared by Set Blob Properties without it),
    and ``generation`` (GCS: changes only when the content is replaced, not with metadata)."""

    uri: str
    size: int
    etag: str
    md5: str = ""
    generation: str = ""


@dataclass(frozen=True)
class Location:
    """A parsed URI: ``bucket`` is the bucket or container, ``key`` the object name or prefix
    (no leading slash, may be empty), ``account`` the Azure account named in the URI and ``suffix``
    the endpoint suffix of its host (``core.usgovcloudapi.net`` of ``ACCOUNT.dfs.core.usgovcloudapi.net``)."""

    uri: str
    scheme: str
    bucket: str = ""
    key: str = ""
    account: str | None = None
    suffix: str | None = None

    def child(self, key: str) -> str:
        """The URI of object ``key`` of the same bucket, written the way ``uri`` was."""
        if self.scheme == "file":
            return key
        head = self.uri.split("://", 1)[0] + "://" + self.uri.split("://", 1)[1].split("/", 1)[0]
        return f"{head}/{key}"


def parse(uri: str) -> Location:
    """Split ``uri`` into scheme, bucket/container, key and (Azure) account; local paths keep
    their path in ``key``."""
    kind = scheme(uri)
    if kind == "file":
        parts = urlsplit(uri) if _is_file_uri(uri) else None  # scheme() refused what urlsplit cannot read
        if parts is not None and parts.netloc and parts.netloc.lower() != "localhost":  # RFC 8089 section 2
            shown, host = _file_uri_shown(uri)
            what = ("holds a user name or password, which it may not" if host.lower() == "localhost"
                    else f"names another host, {host!r}, not part of the path")
            raise ConfigError(f"{shown!r}: a file URI names a file of this machine as file:///abs/path (or "
                              f"file://localhost/abs/path), and this one {what}; give file:///abs/path or a plain path")
        if parts is not None and (cut := next((c for c in "#?" if c in uri), None)) is not None:
            # a fragment or a query: the path would end before it, and a write land on another file
            raise ConfigError(f"{_file_uri_shown(uri)[0]!r}: a {cut!r} in a file URI ends its path (it starts a "
                              f"{'fragment' if cut == '#' else 'query'}), so another file would be read or written: "
                              f"write it as {quote(cut, safe='')!r} (file:///data/runs{quote(cut, safe='')}3/x.csv), "
                              "or give a plain path")
        # surrogateescape: a listed name that is not UTF-8 (%E9) reads back as the same bytes
        path = unquote(parts.path, errors="surrogateescape") if parts is not None else uri
        if parts is not None and re.match(r"^/[A-Za-z]:[\\/]", path):  # file:///C:/x (RFC 8089 appendix E.2)
            _refuse_drive(path[1:], _file_uri_shown(uri)[0])
            path = path[1:]
        return Location(uri=uri, scheme="file", key=path)
    rest = uri.split("://", 1)[1]
    bucket, _, key = rest.partition("/")
    _refuse_userinfo(uri, kind, bucket)
    _refuse_signed_query(uri, kind, bucket, key)
    _refuse_unnameable_key(uri, kind, key.lstrip("/"))
    account = suffix = None
    if kind == "az" and "@" in bucket:  # abfss://container@account.dfs.core.windows.net/key
        bucket, _, host = bucket.partition("@")
        # the default port and a fully qualified name's trailing dot name the same host (both read before fix 47 B,
        # refused by it until fix 47 B2)
        account, _, rest = host.removesuffix(":443").rstrip(".").partition(".")
        account = account or None
        if rest:
            # the account's cloud: dfs.core.usgovcloudapi.net is Azure Government's. Before fix 47 B only the
            # account was kept, and without a connection string the blob of the public cloud's account of
            # that name (another tenant's) was read and written
            cloud = re.fullmatch(r"(?:privatelink\.)?(?:dfs|blob)\.([a-z0-9-]+(?:\.[a-z0-9-]+)+)", rest.lower())
            if re.fullmatch(r"z\d{2}\.(?:dfs|blob)\.storage\.azure\.net", rest.lower()):
                # an Azure DNS zone endpoint: such an account has no ACCOUNT.blob.<suffix> host to be read at
                zone = rest.lower().replace(".dfs.", ".blob.")
                raise ConfigError(f"{_masked(uri)!r} names an Azure DNS zone endpoint ({host!r}), which ctloop reads "
                                  f"only through a connection string: write az://{bucket}/{key.lstrip('/')} with "
                                  f"AZURE_STORAGE_CONNECTION_STRING holding BlobEndpoint=https://{account}.{zone} (and "
                                  "the account's key or SAS)")
            if cloud is None:
                raise ConfigError(f"{_masked(uri)!r} names the account host {host!r}, not ACCOUNT.dfs.<endpoint "
                                  "suffix> (ACCOUNT.dfs.core.windows.net, ACCOUNT.dfs.core.usgovcloudapi.net): write "
                                  f"{uri.split('://')[0]}://{bucket}@ACCOUNT.dfs.core.windows.net/path")
            suffix = cloud.group(1)
    if not bucket:
        word = "container" if kind == "az" else "bucket"
        raise ConfigError(f"{uri!r} names no {word}: write {uri.split('://')[0]}://{word.upper()}/path")
    return Location(uri=uri, scheme=kind, bucket=bucket, key=key.lstrip("/"), account=account, suffix=suffix)


_KEY_LIMIT = {"s3": "1024 bytes of UTF-8", "gs": "1024 bytes of UTF-8",
              "az": "1024 characters, counted in UTF-16 (one beyond U+FFFF, an emoji, counts two)"}


def _refuse_unnameable_key(uri: str, kind: str, key: str) -> None:
    """Refuse an object key no store of ``kind`` holds as written, before anything is read or written.
    A ``.`` or ``..`` path segment: boto3 sends it as it is (S3 stores ``data/x/../y.csv``), while
    pyarrow 25.0.1's S3FileSystem (the AWS SDK for C++) resolves it (``data/y.csv``), so one URI named
    two objects: a table written through one was "missing" to the other, or another object was read
    or replaced; GCS names no object ``.`` or ``..``. A key longer than the store allows (S3 and GCS:
    1024 bytes of UTF-8, Azure: 1024 characters) was refused only by the write after the work
    (KeyTooLongError), or never by moto. Azure counts UTF-16 code units (.NET string length): a blob
    name holds at most 512 😊 (Azure/azure-storage-cpp#291, tested against the service by its
    maintainer; Azurite 3.37 checks no length), so a character beyond U+FFFF counts two (before round
    44, one: a key of 1000 emoji passed and the upload was refused with 400 OutOfRangeInput)."""
    if any(part in (".", "..") for part in key.split("/")):
        shown = _masked(uri)
        raise ConfigError(f"{shown!r} holds a '.' or '..' path segment (a dot segment), which object stores do not resolve "
                          "(one client stores it as written, another resolves it: two objects): write the "
                          "key without it")
    size = (len(key.encode("utf-16-le", "surrogatepass")) // 2 if kind == "az"
            else len(key.encode("utf-8", "surrogateescape")))
    if size > 1024:
        shown = _masked(uri)
        raise ConfigError(f"{shown[:80]!r}… names a key of {size} {'characters' if kind == 'az' else 'bytes'}: "
                          f"{'Azure' if kind == 'az' else 'S3' if kind == 's3' else 'GCS'} keys hold at most "
                          f"{_KEY_LIMIT[kind]}; write a shorter path")


def _refuse_userinfo(uri: str, kind: str, bucket: str) -> None:
    """ConfigError for a user or password written into an object-store URI (``s3://KEY:SECRET@b/k``):
    taken for part of the bucket name, it was quoted whole into error lines, secret included. Named
    without it. Azure's ``CONTAINER@ACCOUNT`` (``abfss://c@acct.dfs.core.windows.net/``) is no user."""
    if (found := _userinfo(uri)) is not None:  # a password holding '/': 'KEY:SE/CRET@b' is no bucket 'KEY:SE'
        bucket = "***@" + found.group(4).partition("/")[0]
        uri = f"{found.group(1)}://{bucket}/{found.group(4).partition('/')[2]}"
    if found is None and "@" not in bucket:
        return
    if found is None and kind == "az" and bucket.count("@") == 1 and ":" not in bucket.partition("@")[0]:
        return
    shown = f"{uri.split('://', 1)[0]}://***@{bucket.rpartition('@')[2]}/{uri.split('://', 1)[1].partition('/')[2]}"
    word = {"s3": "AWS", "gs": "Google Cloud", "az": "Azure"}[kind]
    form = ("az://CONTAINER/path (or abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/path)" if kind == "az"
            else f"{kind}://BUCKET/path")
    raise ConfigError(f"{_masked(shown)!r} holds a user name or password before '@': ctloop takes {word} credentials "
                      f"from the environment, never from the URI (docs/storage.md); write {form} and set the "
                      "credentials as the environment's variables or identity")


# the query parameters that carry a signature: an Azure SAS (sig=), S3 presigned URLs (SigV4 X-Amz-Signature=,
# SigV2 Signature=), GCS signed URLs (X-Goog-Signature=)
_SIGNED_QUERY = re.compile(r"\?(?:.*&)?(?:sig|signature|x-amz-signature|x-goog-signature|x-amz-security-token)=",
                           re.IGNORECASE)


def _refuse_signed_query(uri: str, kind: str, bucket: str, key: str) -> None:
    """ConfigError for a signed URL's query pasted after an object-store URI (``az://c/x.csv?sv=…&sig=…``,
    or after the container itself, ``az://c?sv=…&sig=…``): read as part of the object's (or the
    container's) name, it was quoted, signature included, in error lines. Named without it. A '?' in an
    object name that is no signed query (valid on every store) stays part of the name; no bucket or
    container name holds one (S3, GCS and Azure naming rules), so a '?' there is refused, the rest not shown."""
    head = uri.partition("?")[0]
    if "?" in bucket and _SIGNED_QUERY.search(bucket + "/" + key) is None:
        word = "container" if kind == "az" else "bucket"
        raise ConfigError(f"'{head}?***' names the {word} {bucket.partition('?')[0] + '?…'!r}: no {word} name holds "
                          f"'?' (a query after the {word} is no part of it): write {kind}://{word.upper()}/path")
    if _SIGNED_QUERY.search(bucket + "/" + key) is None:
        return
    where = {"az": "AZURE_STORAGE_SAS_TOKEN (a SAS) or AZURE_STORAGE_CONNECTION_STRING",
             "s3": "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or IRSA",
             "gs": "GOOGLE_APPLICATION_CREDENTIALS or workload identity"}[kind]
    raise ConfigError(f"'{head}?***' carries a signed URL's query (a signature): ctloop takes credentials from the "
                      f"environment, never from the URI ({where}; docs/storage.md); write {head!r} alone")


# --------------------------------------------------------------------------- legacy gs:// helpers
def is_gcs(uri: str) -> bool:
    """Legacy: use :func:`scheme` / :func:`is_remote`. True for ``gs://`` URIs."""
    return uri.startswith("gs://")


def split_gcs(uri: str) -> tuple[str, str]:
    """Legacy: use :func:`parse`. ``gs://bucket/a/b.csv`` -> ``("bucket", "a/b.csv")``."""
    if not is_gcs(uri):
        raise ConfigError(f"not a gs:// URI: {uri!r}")
    rest = uri[len("gs://") :]
    bucket, _, name = rest.partition("/")
    if not bucket or not name:
        raise ConfigError(f"gs:// URI needs a bucket and an object name, got {uri!r}")
    return bucket, name


def gcs_client():
    """Legacy: the operations of this module cover what callers used it for. A
    ``google.cloud.storage.Client``; anonymous against an emulator (``STORAGE_EMULATOR_HOST``)."""
    from google.cloud import storage  # imported where used: ~0.3 s

    if os.environ.get("STORAGE_EMULATOR_HOST"):
        client = storage.Client(project=os.environ.get("GOOGLE_CLOUD_PROJECT", "ctloop-local"),
                                client_options={"api_endpoint": _emulator_url()})
    elif no_sign_request("GS_NO_SIGN_REQUEST"):  # a public bucket: no credentials looked for, none sent
        client = storage.Client.create_anonymous_client()
    else:
        # reading and writing objects needs no project: None (not the default) asks for none, where
        # user credentials (gcloud auth application-default login) carry none (client.py: no_project)
        client = storage.Client(project=os.environ.get("GOOGLE_CLOUD_PROJECT") or None)
    client._http.hooks["response"].append(_read_error_answer)
    return client


def _read_error_answer(response, *_args, **_kwargs):
    """An error answer read whole as it arrives, so its connection goes back to the pool: a download
    asks with ``stream=True`` and raises at a status it does not expect without closing the answer
    (google-cloud-storage 3.17 ``_media/requests/download.py`` ``RawDownload.consume``), each retried
    429/5xx left a socket open until the garbage collector closed it (``ResourceWarning: unclosed``).
    A body cut short is let go (the connection closed), so that the library still raises on the
    status: the read's own error would say the network failed where the service had answered."""
    import requests

    if response.status_code >= 400:
        try:
            response.content  # noqa: B018 - read to the end: the connection released
        except requests.RequestException:
            response._content = b""  # read as an empty body: the library's own 403/404 then names the status
            response._content_consumed = True  # (as requests marks a body read: iter_content reads no more)
            response.close()
    return response


def _emulator_url() -> str:
    """STORAGE_EMULATOR_HOST as a base URL: ``host:port`` (fake-gcs-server's and the Go client's
    form) is ``http://host:port``; anything else that is no http(s) URL with a host is a
    ConfigError naming it."""
    value = os.environ.get("STORAGE_EMULATOR_HOST", "")
    url = value if "://" in value else f"http://{value}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number or out of range
    except ValueError as exc:
        raise ConfigError(f"STORAGE_EMULATOR_HOST {value!r} is not host:port or a URL ({exc}): e.g. "
                          "localhost:4443 or http://localhost:4443") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"STORAGE_EMULATOR_HOST {value!r} is not host:port or an http(s) URL: e.g. "
                          "localhost:4443 or http://localhost:4443")
    return url.rstrip("/")


# --------------------------------------------------------------------------- backends
class _Local:
    """Local files. Writes are atomic (a temporary file renamed into place) and durable (flushed)."""

    def read(self, loc: Location) -> bytes:
        with self.open(loc) as fh:
            try:
                return fh.read()
            except OSError as exc:  # an I/O error
                raise DataSourceError(f"cannot read {loc.uri}: {exc.strerror or type(exc).__name__}") from exc

    def open(self, loc: Location) -> BinaryIO:
        """The file opened for reading, unbuffered (:func:`read_table` reads it without holding its bytes;
        pandas' parser read a buffered file rewound after its first bytes with 0.4x its size more memory)."""
        path = Path(loc.key)
        if path.is_dir():
            raise DataSourceError(f"{loc.uri} is a directory, expected a file")
        try:
            return path.open("rb", buffering=0)
        except FileNotFoundError as exc:
            raise DataSourceError(f"{loc.uri} does not exist") from exc
        except PermissionError as exc:
            raise DataSourceError(f"cannot read {loc.uri}: permission denied") from exc
        except NotADirectoryError as exc:
            raise DataSourceError(f"{loc.uri} does not exist ({_file_parent(path)} is a file)") from exc
        except OSError as exc:  # a symlink loop, a name too long, an I/O error
            raise DataSourceError(f"cannot read {loc.uri}: {exc.strerror or type(exc).__name__}") from exc

    def write(self, loc: Location, data: bytes, content_type: str) -> None:
        path = Path(loc.key)
        if write_through(path, data, loc.uri):  # a pipe or a character device: never replaced
            return
        if path.is_symlink():
            path = _link_target(path, loc.uri)
            if not path.parent.is_dir():  # a dangling link: its target's folder is not made
                raise _unwritable(loc.uri, f"it is a symlink to {path}, whose folder {path.parent} does not exist: "
                                  "create the folder, or point the link at a file in one", ConfigError)
        _make_dir(path.parent, loc.uri)
        if path.is_dir():
            raise _unwritable(loc.uri, "it is a directory; name a file inside it", ConfigError)
        tmp = path.with_name(f".{_short(path.name)}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            # flushed, then renamed and the directory flushed: acknowledged means on the disk (before, a
            # requeue ledger compacted and its parts deleted could come back empty after a power loss);
            # ~10 ms a write instead of 0.3 on ext4 (docs/storage.md)
            try:  # a file replaced keeps its permissions, from before its new bytes are written
                mode = stat.S_IMODE(os.stat(path).st_mode)
            except FileNotFoundError:
                mode = None  # a new file: the default mode
            if mode is not None:
                _create_with_mode(tmp, mode | stat.S_IWUSR)  # writable by its writer until written
            _write_durably(tmp, data)
            if mode is not None and not mode & stat.S_IWUSR:  # a read-only file is read-only again
                with contextlib.suppress(OSError):
                    os.chmod(tmp, mode)
            tmp.replace(path)
        except OSError as exc:  # permission, a read-only or full filesystem, /proc refusing files
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass  # the temporary file could not be made either
            raise _unwritable(loc.uri, "permission denied" if isinstance(exc, PermissionError)
                              else exc.strerror or str(exc)) from exc
        try:
            _sync_dir(path.parent)
        except OSError as exc:  # EIO: the new bytes are in place, but the rename may not be on the disk
            raise _unwritable(loc.uri, f"the file was replaced with the new bytes, but flushing its directory "
                              f"failed ({exc.strerror or exc}), so the replacement may not survive a power loss: "
                              "check the disk and write it again") from exc

    def create(self, loc: Location, data: bytes, content_type: str) -> bool:
        path = Path(loc.key)
        _make_dir(path.parent, loc.uri)
        tmp = path.with_name(f".{_short(path.name)}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            _write_durably(tmp, data)
            try:
                os.link(tmp, path)  # atomic, and refused when the name is taken: whole or not at all
            except FileExistsError:
                return False
            except OSError as exc:  # a file system without hard links (FAT, some FUSE mounts)
                if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV):
                    raise
                created = _create_by_rename(tmp, path)
            else:
                created = True
        except OSError as exc:
            raise _unwritable(loc.uri, "permission denied" if isinstance(exc, PermissionError)
                              else exc.strerror or str(exc)) from exc
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        if created:
            try:
                _sync_dir(path.parent)
            except OSError as exc:  # EIO: the name is in place with these bytes, the link maybe not on the disk
                raise _unwritable(loc.uri, f"the file was created with the new bytes, but flushing its directory "
                                  f"failed ({exc.strerror or exc}), so it may not survive a power loss; it exists "
                                  "now, so creating it again is answered 'taken': check the disk, then check or "
                                  "remove the file") from exc
        return created

    def exists(self, loc: Location) -> bool:
        return Path(loc.key).is_file()

    def delete(self, loc: Location) -> None:
        try:
            Path(loc.key).unlink(missing_ok=True)
        except PermissionError as exc:
            if Path(loc.key).is_dir():  # unlink of a directory is EISDIR on Linux, EPERM on macOS
                raise DataSourceError(f"cannot delete {loc.uri}: it is a directory, not a file") from exc
            raise DataSourceError(f"cannot delete {loc.uri}: permission denied") from exc
        except IsADirectoryError as exc:
            raise DataSourceError(f"cannot delete {loc.uri}: it is a directory, not a file") from exc
        except OSError as exc:
            raise DataSourceError(f"cannot delete {loc.uri}: {exc.strerror or type(exc).__name__}") from exc

    def list(self, loc: Location, suffix: str, empty: bool = True, skipped: list[str] | None = None) -> list[str]:
        base = Path(loc.key)
        if not base.is_dir():
            return []
        root = loc.uri.rstrip("/")
        found = local_files(base, suffix, empty=empty or skipped is not None)
        if skipped is not None and not empty:  # left out here, each named in skipped
            sizes = {}
            for p in found:
                with contextlib.suppress(OSError):  # removed meanwhile: left out
                    sizes[p] = p.stat().st_size
            skipped += sorted(f"{root}/{_file_uri_part(loc, p.relative_to(base).as_posix())}"
                              for p, size in sizes.items() if not size)
            found = [p for p, size in sizes.items() if size]
        return sorted(f"{root}/{_file_uri_part(loc, p.relative_to(base).as_posix())}" for p in found)

    def objects(self, loc: Location) -> list[ObjectInfo]:
        base = Path(loc.key)
        if not base.is_dir():
            return []
        root = loc.uri.rstrip("/")
        out = []
        for p in local_files(base):
            try:
                st = p.stat()
            except OSError:  # removed while listed, a dangling link, a symlink loop: not a file
                continue
            if p.is_file():  # a local file's "etag": its modification time and size
                out.append(ObjectInfo(f"{root}/{_file_uri_part(loc, p.relative_to(base).as_posix())}", st.st_size,
                                      f"{st.st_mtime_ns:x}-{st.st_size:x}"))
        return sorted(out, key=lambda o: o.uri)

    def arrow(self, loc: Location) -> tuple[pyarrow.fs.FileSystem, str]:
        import pyarrow.fs

        return pyarrow.fs.LocalFileSystem(), str(Path(loc.key).absolute())


def _sized_names(loc: Location, sized: list, suffix: str, empty: bool, skipped: list[str] | None) -> list[str]:
    """The URIs of the listed ``(name, size)`` pairs ending with ``suffix`` (no '/'-ended markers),
    zero-byte ones only with ``empty``; those left out for it are added to ``skipped``."""
    named = [(n, size) for n, size in sized if has_suffix(n, suffix) and not n.endswith("/")]
    if skipped is not None and not empty:
        skipped += sorted(loc.child(n) for n, size in named if not size)
    return sorted(loc.child(n) for n, size in named if empty or size)


_NAME_MAX = 255  # bytes in one file name (Linux, macOS)


def _short(name: str) -> str:
    """``name`` for the temporary and lock files beside it (``.NAME.<8 hex>.tmp``, ``.NAME.lock``,
    ``.NAME.lock.x`` and the takeover guards ``.NAME.lock.x.takeover`` ... up to ``_TAKEOVER_DEPTH + 1``
    levels, the longest): as it is while the longest fits NAME_MAX (255 bytes: names up to 220 bytes), else
    the hex SHA-256 of its bytes (32 digits, one per name). Before round 45 a file name of 242 to 255 bytes,
    which the file system takes, could not be written or created ("File name too long": the temporary
    file's name was), and on a file system without hard links a dead writer's lock of a name over 220 bytes
    could not be taken over (its guard's name was too long). Names kept as they were exclude writers of the
    release before (they take the same lock files); only names over 220 bytes changed lock names."""
    raw = os.fsencode(name)
    longest = len(b".") + len(raw) + len(b".lock.x") + len(b".takeover") * (_TAKEOVER_DEPTH + 1)
    return name if longest <= _NAME_MAX else hashlib.sha256(raw).hexdigest()[:32]


def _link_target(link: Path, uri: str) -> Path:
    """The file the symlink ``link`` leads to (through a chain of links; one that does not exist yet for a
    dangling link), which a write replaces: a write goes through a link, as ``open(2)`` and a shell's ``>`` do.
    Before round 46 the temporary file was renamed over the link itself, which became a plain file: the
    link's target kept its old bytes and the user's link (``latest.csv -> runs/3/data.csv``) was gone
    without a word. A loop of links is a DataSourceError naming the name."""
    target = Path(os.path.realpath(link))
    if target.is_symlink():  # realpath stops where the links loop (or nest beyond the kernel's 40)
        raise _unwritable(uri, "it is a symlink that leads to no file name (the links loop): point it at a file, "
                          "or remove it")
    return target


def _node_kind(path: str | os.PathLike[str]) -> str | None:
    """What ``path`` names when it is no regular file, directory or missing name: ``"fifo"``,
    ``"character device"``, ``"block device"`` or ``"socket"`` (``os.stat`` of the name as given, through
    its links: ``/dev/stdout`` is the pipe or terminal it leads to), else None."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # missing, a symlink loop, a name too long: the usual write says so
        return None
    for test, kind in ((stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return kind
    return None


_DESCRIPTOR = re.compile(r"/proc/(self|thread-self|[0-9]+)/fd/([0-9]+)|/dev/fd/([0-9]+)")


def _descriptor_named(path: Path) -> re.Match[str] | None:
    """The match of :data:`_DESCRIPTOR` when ``path`` is, or its links lead through, a process's open file
    (``/dev/stdout``, ``/proc/self/fd/1``, ``/dev/fd/3``), else None."""
    name = str(path)
    for _ in range(40):  # the kernel's bound on links followed
        name = os.path.abspath(name)
        if found := _DESCRIPTOR.fullmatch(name):
            return found
        try:
            name = os.path.join(os.path.dirname(name), os.readlink(name))
        except OSError:  # no link (or none that can be read): no descriptor on the way
            return None
    return None


def _open_descriptor(path: Path) -> bool:
    """True when ``path`` is, or its links lead through, a process's open file (``/dev/stdout``,
    ``/proc/self/fd/1``, ``/dev/fd/3``): what that descriptor is open on is written into, not replaced (a
    rename over the file a shell's ``>`` opened left the shell's output in the old, unlinked file)."""
    return _descriptor_named(path) is not None


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def own_descriptor(path: str | os.PathLike[str]) -> int | None:
    """This process's open descriptor that the local ``path`` names, else None: ``/dev/stdout``,
    ``/dev/stderr``, ``/dev/fd/N``, ``/proc/self/fd/N`` (or ``/proc/<our pid>/fd/N``), through links, when N is
    open; or 1 or 2 when ``path`` is the very file standard output or error is (the same ``st_dev`` and
    ``st_ino``: ``--output out.md > out.md``). :func:`write_through` writes into it at its own offset."""
    found = _descriptor_named(Path(path))
    if found is not None and found[1] in (None, "self", "thread-self", str(os.getpid())):
        fd = int(found[2] or found[3])
        try:
            os.fstat(fd)
        except OSError:  # not open here: what the name resolves to is opened as any other
            return None
        return fd
    try:
        named = os.stat(path)
    except (OSError, ValueError):
        return None
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            if _same_file(named, os.fstat(fd)):
                return fd
    return None


def names_standard_output(uri: str) -> bool:
    """True when ``uri`` is a local name of the file, pipe or terminal this process's standard output is
    (``--output /dev/stdout``, ``/dev/fd/1``, the file a shell's ``>`` opened): a command's "wrote …" and
    progress lines then go to standard error, never into (or after) the bytes written there."""
    loc = parse(uri)
    if loc.scheme != "file":
        return False
    try:
        named, ours = os.stat(loc.key), os.fstat(1)
    except (OSError, ValueError):  # a missing name, no standard output
        return False
    return _same_file(named, ours)


def _write_all(fd: int, data: bytes) -> None:
    import select

    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:  # a descriptor a parent left non-blocking (node, some CI runners): wait, go on
            select.select([], [fd], [])


def _open_for_writing(path: Path, uri: str, kind: type[CtloopError]) -> int:
    """``path`` (a pipe, a character device, another process's open file) opened for appending, without
    blocking: a FIFO no process reads is ENXIO, refused in one line (before, the open waited forever for a
    reader: ``timeout 5 ctloop config docs --output ff`` ended 124), then made blocking for the write."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO and _node_kind(path) == "fifo":
            raise _unwritable(uri, f"no process reads the FIFO {uri}: start its reader first", kind) from None
        raise
    if hasattr(os, "O_NONBLOCK"):
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return fd


def writes_through(path: str | os.PathLike[str], uri: str) -> bool:
    """True when a write to the local ``path`` goes straight into it (:func:`write_through`): a pipe, a
    character device, a process's open file; False for a regular file or a missing name (the atomic write).
    A block device or a socket is a ConfigError naming ``uri``, before anything is written."""
    found = _node_kind(path)
    if found in ("block device", "socket"):
        raise _unwritable(uri, f"it is a {found}, not a file: name a file, a pipe or a character device", ConfigError)
    return found is not None or _open_descriptor(Path(path))


def hold_fifo(path: Path, uri: str, kind: type[CtloopError] = DataSourceError) -> int | None:
    """When ``path`` is a FIFO, a descriptor open on it for writing (close it when done), else None; a FIFO no
    process reads is refused in one line (:func:`_open_for_writing`). Held while several files are written
    (``compile_all``): the refusal comes before any is moved into place, and the reader is not given the end
    of the data before the last write."""
    return _open_for_writing(path, uri, kind) if _node_kind(path) == "fifo" else None


def write_through(path: Path, data: bytes, uri: str, kind: type[CtloopError] = DataSourceError) -> bool:
    """Write ``data`` straight into ``path`` when it is a pipe, a character device or a process's open file
    (:func:`writes_through`: ``--output /dev/stdout``, a FIFO, a terminal, /dev/null): this process's own
    descriptor (:func:`own_descriptor`: standard output's buffered text flushed first, then the bytes written at
    the descriptor's offset), anything else opened for appending (a FIFO no process reads refused, not waited
    for: :func:`_open_for_writing`), no temporary file, no rename, no fsync; True then. A block device or a socket is refused in one line; anything else is False (the atomic
    write). Before round 57 a temporary file was renamed over such a name: a FIFO or a device node (/dev/full)
    became a regular file, exit 0, and /dev/stdout failed (its link resolved to ``pipe:[N]``)."""
    own = own_descriptor(path)
    if own is None and not writes_through(path, uri):
        return False
    try:
        if own is not None:  # our own descriptor, at its offset: a reopen made a new one (a shell's { ...; } > f
            for stream in (sys.stdout, sys.stderr):  # had its next line written over the start of this)
                with contextlib.suppress(AttributeError, OSError, ValueError):
                    stream.flush()
            _write_all(own, data)
            return True
        fd = _open_for_writing(path, uri, kind)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
    except BrokenPipeError as exc:
        if own in (1, 2):  # `--output /dev/stdout | head` (or /dev/stderr, 2>&1 >/dev/null | head): the CLI
            raise  # ends quietly with SIGPIPE's status, as for print
        raise _unwritable(uri, exc.strerror or str(exc), kind) from exc
    except OSError as exc:  # ENOSPC from a full device, EPIPE from a reader gone, EACCES
        raise _unwritable(uri, "permission denied" if isinstance(exc, PermissionError)
                          else exc.strerror or str(exc), kind) from exc
    return True


def _create_with_mode(path: Path, mode: int) -> None:
    """Create ``path`` empty with the permissions ``mode`` (those of the file it will replace), before a
    byte is written to it (:func:`_write_durably` then writes it, keeping its mode): made with ``mode``
    less the umask, then set exactly (``fchmod``: the umask's bits, setgid) where the file system allows
    it. A file system that refuses chmod (blobfuse ENOSYS, ADLS 403, a blob CSI mount's ENOTSUP: modes
    come from the mount options there) keeps what it gave. Before, the new bytes were written and flushed
    with the default mode (0644) and the mode set after: a 0600 file's new bytes were readable by every
    user for the write's ~10 ms, and a refused chmod failed the whole write."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & 0o777)
    try:
        if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
            with contextlib.suppress(OSError):
                os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to the new file ``path`` and flush it to the disk (``fsync``) before it is linked or
    renamed into place (:meth:`_Local.create`): a rename is atomic for readers, not across a crash, and
    without the flush a node that lost power after a create was acknowledged could come back with the
    name empty (ext4 flushes early only a rename over an existing file; a new name, never): a 0-byte
    label store manifest fails every later ingest, and the name is taken, so it is never made again."""
    with open(path, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


_NO_DIR_SYNC = {errno.EINVAL, errno.EBADF, errno.ENOTSUP, errno.EOPNOTSUPP}  # fsync of a directory unsupported


def _sync_dir(path: Path) -> None:
    """Flush the directory ``path`` (the name just renamed or linked into it) to the disk; a file
    system that cannot (EINVAL, EBADF, ENOTSUP: some FUSE and network mounts), or a directory this
    user cannot open (EACCES, EPERM), is left as it is. Any other failure (EIO: the entry may not be on
    the disk) is raised: the create is not acknowledged (before, every error passed)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        if exc.errno in _NO_DIR_SYNC | {errno.EACCES, errno.EPERM}:
            return
        raise
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_DIR_SYNC:
            raise
    finally:
        os.close(fd)


_LOCK_STALE_S = 30.0  # how long a writer waits is twice this; a holder keeps the lock for milliseconds


def _create_by_rename(tmp: Path, path: Path) -> bool:
    """Move the whole file ``tmp`` onto ``path`` unless ``path`` exists, where there are no hard
    links: under an exclusive ``flock(2)`` on ``.NAME.lock`` beside it, the name looked at, then ``tmp``
    renamed onto it (``rename(2)``: the name appears whole, never empty; before, ``O_EXCL`` made it
    empty and then wrote it, and another reader saw it empty, or a kill between the two left it so).
    The kernel releases the lock when its holder dies, so nothing is ever taken over (before, a lock
    older than 30 s was unlinked by name: a writer preempted between its look and its unlink removed
    one another writer had just taken, or a writer paused inside its lock lost it, and both created
    the name, the later rename overwriting). The holder removes the lock file while it still holds
    it; a waiter that then locks the removed file sees it is no longer the lock and tries again.
    Every writer also makes ``.NAME.lock.x`` with ``O_EXCL`` inside (:func:`_create_by_exclusive_lock`),
    the lock a writer whose ``flock`` is refused (EOPNOTSUPP, ENOSYS, EINVAL) takes alone, so writers
    never both create the name whichever errno each one's ``flock`` gives; such a writer never removes
    ``.NAME.lock`` (another may hold an flock on it). ENOLCK (NFS with lockd unreachable) passes:
    it is waited out like a held lock (before, it counted as "no flock", and that writer removed the
    lock file another one held and created the name beside it). A ``.NAME.lock.x`` left by a writer
    killed inside is taken over when that writer provably died on this host, else an error naming it
    and its holder; waiting more than ``2 * _LOCK_STALE_S`` is an error naming the lock waited for."""
    lock = path.with_name(f".{_short(path.name)}.lock")
    xlock = lock.with_name(lock.name + ".x")
    deadline = time.monotonic() + 2 * _LOCK_STALE_S

    def busy(enolck: bool = False) -> OSError:
        if enolck:  # nobody holds it: removing the file would not help
            return OSError(errno.ENOLCK, f"{lock} could not be locked: file locking is unavailable here "
                                         "(ENOLCK; on NFS, is lockd reachable?)")
        return OSError(errno.EBUSY, f"{lock} is held (remove it if no ctloop job writes {path.name})")

    while True:
        if path.exists():
            return False
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if not _flock(fd, deadline, busy):  # no flock on this file system: the O_EXCL lock alone
                return _create_by_exclusive_lock(tmp, path, xlock, deadline)
            try:
                held = os.stat(lock)
            except FileNotFoundError:
                continue
            mine = os.fstat(fd)
            if (held.st_ino, held.st_dev) != (mine.st_ino, mine.st_dev):
                continue  # locked a lock file its holder removed: the lock is the file there now
            try:
                return _create_by_exclusive_lock(tmp, path, xlock, deadline)
            finally:
                with contextlib.suppress(OSError):
                    lock.unlink()  # still held: a waiter locking this file sees it gone
        finally:
            os.close(fd)


def _flock(fd: int, deadline: float, busy: Callable[[bool], OSError]) -> bool:
    """An exclusive ``flock`` on ``fd``, waiting until ``deadline`` (then ``busy(enolck)`` is raised,
    saying whether the last refusal was ENOLCK); False when the file system (or the platform) has
    none. ENOLCK (no lock could be had now: NFS with lockd unreachable) is waited out like a held
    lock, never taken for "none"."""
    try:
        import fcntl
    except ImportError:  # no flock here
        return False
    while True:
        enolck = False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        except OSError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                return False
            if exc.errno != errno.ENOLCK:
                raise
            enolck = True
        if time.monotonic() > deadline:
            raise busy(enolck) from None
        time.sleep(0.02)


def _create_by_exclusive_lock(tmp: Path, path: Path, lock: Path, deadline: float) -> bool:
    """Rename ``tmp`` onto ``path`` unless it exists, holding ``.NAME.lock.x`` made with ``O_EXCL``
    (``lock``), which every writer of :func:`_create_by_rename` takes, with or without ``flock``. The
    lock records its holder (:func:`_lock_owner`); a lock whose holder is provably dead on this host
    is taken over (:func:`_take_over_dead_lock`), any other one never (once ``deadline`` passes it is
    an error naming it and its holder)."""
    while True:
        if path.exists():
            return False
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            if _take_over_dead_lock(lock):
                continue
            if time.monotonic() > deadline:
                held, guards = _lock_holder_text(lock)
                them = f"it and {', '.join(g.name for g in guards)}" if guards else "it"
                raise OSError(errno.EBUSY, f"{lock} is held{held} (remove {them} if no ctloop job writes "
                                           f"{path.name})") from None
            time.sleep(0.02)
            continue
        try:
            try:
                record = _lock_owner()
                # one write: a reader sees it whole, or no holder (never taken)
                if os.write(fd, record) != len(record):
                    raise OSError(errno.ENOSPC, f"cannot record the holder of {lock}: the disk is full")
            finally:
                os.close(fd)
        except BaseException:
            # a lock left without its record is never taken over ("no holder recorded"): a disk that
            # filled, a quota or an I/O error here left every later create of the name failing
            with contextlib.suppress(OSError):
                lock.unlink()
            raise
        try:
            if path.exists():
                return False
            os.replace(tmp, path)
            return True
        finally:
            with contextlib.suppress(OSError):
                lock.unlink()


def _this_kernel() -> tuple[str, str] | None:
    """(boot id, pid namespace) naming the kernel run and process-id space this process is in, or
    None where they cannot be read (not Linux): a pid means the same process only within both."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        pidns = os.readlink("/proc/self/ns/pid")
    except OSError:
        return None
    return (boot, pidns) if boot and pidns else None


def _time_namespace() -> str | None:
    """The time namespace of this process (``time:[N]``), or None where it cannot be read. The start
    time in ``/proc/PID/stat`` is shown shifted by the reader's boot-time offset (time_namespaces(7)),
    so two processes compare start times only within one time namespace."""
    try:
        return os.readlink("/proc/self/ns/time") or None
    except OSError:
        return None


def _process_start(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks since boot) of process ``pid`` from ``/proc/PID/stat``
    (proc(5): fields 3 and 22), or None where it cannot be read. Read as bytes: the process name
    (field 2, in parentheses, any bytes up to the last ')') may be no UTF-8."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
        fields = raw[raw.rindex(b")") + 2:].split()
        return fields[0].decode("ascii"), int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def _zombie_process(pid: int) -> bool:
    """True when the whole of process ``pid`` has exited and waits to be reaped: every thread of it
    a zombie. ``/proc/PID/stat`` shows the main thread's state, so a process whose main thread
    exited while other threads run shows ``Z`` too; it still runs (and may hold the lock)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    states = []
    for task in tasks:
        try:
            raw = Path(f"/proc/{pid}/task/{task}/stat").read_bytes()
            states.append(raw[raw.rindex(b")") + 2:].split()[0])
        except FileNotFoundError:
            continue  # a thread that ended while listed
        except (OSError, ValueError, IndexError):
            return False
    return bool(states) and all(state in (b"Z", b"X") for state in states)


def _lock_owner() -> bytes:
    """This process as the holder of a lock file: pid, start time, boot id, pid namespace, host."""
    kernel = _this_kernel()
    started = _process_start(os.getpid())
    record = {"pid": os.getpid(), "host": socket.gethostname(),
              "start": started[1] if started else None,
              "boot": kernel[0] if kernel else None, "pidns": kernel[1] if kernel else None,
              "timens": _time_namespace()}
    return (json.dumps(record, sort_keys=True) + "\n").encode()


def _lock_record(lock: Path) -> dict | None:
    try:
        record = json.loads(lock.read_bytes())
    except (OSError, ValueError):
        return None  # gone, empty (its holder was killed before writing it) or not ours
    return record if isinstance(record, dict) and isinstance(record.get("pid"), int) else None


def _holder_dead(record: dict | None) -> bool:
    """True only when the lock's holder provably no longer runs: it ran under this kernel boot and pid
    namespace (another host, container or boot: never known) and its pid is gone (ESRCH), a zombie
    (every thread of it: :func:`_zombie_process`), or now a process started at another time (the pid
    reused) read within the holder's time namespace (another one shifts the start time read).
    Anything unknown: alive."""
    kernel = _this_kernel()
    if record is None or kernel is None or (record.get("boot"), record.get("pidns")) != kernel:
        return False
    pid = record["pid"]
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's: its start time still tells a reused pid
    except OSError:
        return False
    now = _process_start(pid)
    if now is None:
        return False
    if now[0] == "Z" and _zombie_process(pid):
        return True
    if not isinstance(record.get("start"), int):
        return False
    if record.get("timens") != _time_namespace():
        # another time namespace (or one side unknown, or a holder of a release before this record):
        # its start time, read from here, is shifted by an unknown boot-time offset
        return False
    return now[1] != record["start"]


_TAKEOVER_DEPTH = 2  # a dead taker's guard is taken over under a guard of its own, that one's too, no deeper


def _take_over_dead_lock(lock: Path, depth: int = 0) -> bool:
    """Remove ``lock`` when its holder is provably dead (:func:`_holder_dead`); True when it was removed
    (or is gone). Takers are serialised by ``.NAME.lock.x.takeover`` (``O_EXCL``, recording its taker as
    the lock does): under it the holder is judged again from the file then there and that file removed;
    only a taker removes a dead holder's lock, so the file judged is the file removed (before, a writer
    killed around its rename left its lock, and every later create of the name failed after 60 s until
    someone removed it). A guard left by a taker killed inside is itself taken over by these rules
    (its ``.takeover``, up to ``_TAKEOVER_DEPTH`` levels): before, it blocked every later create of the
    name until removed by hand. A guard whose taker may be alive, or recorded none, is never taken."""
    if not _holder_dead(_lock_record(lock)):
        return False
    guard = lock.with_name(lock.name + ".takeover")
    try:
        fd = os.open(guard, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        # another taker is at it (look again on the next turn), or one died inside: take its guard over
        if depth < _TAKEOVER_DEPTH:
            _take_over_dead_lock(guard, depth + 1)
        return False
    try:
        try:
            record = _lock_owner()
            if os.write(fd, record) != len(record):
                raise OSError(errno.ENOSPC, f"cannot record the taker of {lock}: the disk is full")
        finally:
            os.close(fd)
        if not _holder_dead(_lock_record(lock)):
            return not lock.exists()
        lock.unlink(missing_ok=True)
        return True
    finally:
        with contextlib.suppress(OSError):
            guard.unlink()


def _lock_holder_text(lock: Path) -> tuple[str, list[Path]]:
    """Who holds ``lock``, as `` by pid N on this host, ...``, and the guards left by takeovers that did
    not finish which block taking a dead holder's lock over (each to be removed with it); one line
    however many levels were left (before, each level repeated "(remove both ...)")."""
    text = _holder_state(lock)
    if not text.endswith(", which has exited"):
        return text, []
    guards: list[Path] = []
    guard = lock.with_name(lock.name + ".takeover")
    while guard.exists():  # a taker killed between making its guard and removing it, not taken over
        guards.append(guard)
        if len(guards) > _TAKEOVER_DEPTH or not _holder_dead(_lock_record(guard)):
            break
        guard = guard.with_name(guard.name + ".takeover")
    if not guards:
        return text, []
    last = guards[-1]
    if len(guards) == 1:
        return (f"{text}, but {last} left by a takeover that did not finish blocks taking it over: it is "
                f"held{_holder_state(last)}"), guards
    tail = (f"the last one, left{_holder_state(last)}, is more than {_TAKEOVER_DEPTH} levels down: not taken over"
            if len(guards) > _TAKEOVER_DEPTH else f"the last one is held{_holder_state(last)}")
    names = ", ".join(str(g) for g in guards[:-1])
    return f"{text}, but {names} and {last} left by takeovers that did not finish block taking it over: {tail}", guards


def _holder_state(lock: Path) -> str:
    record = _lock_record(lock)
    if record is None:
        return " (no holder recorded)"
    host = record.get("host") or "?"
    if (record.get("boot"), record.get("pidns")) != _this_kernel():
        return f" by pid {record['pid']} on host {host}, which this host cannot check"
    if _holder_dead(record):
        return f" by pid {record['pid']} on this host, which has exited"
    now = _process_start(record["pid"])
    if isinstance(record.get("start"), int) and record.get("timens") != _time_namespace() \
            and now is not None and now[1] != record["start"]:
        # the pid runs, started at another time as read from here, which cannot tell a reused pid
        # (_holder_dead): it is not said to be the holder
        where = ("by an earlier ctloop release, which recorded no time namespace" if "timens" not in record
                 else "in another time namespace, or one not known")
        return (f" by pid {record['pid']} on this host, whose start time cannot be compared with the one "
                f"recorded (the lock was written {where}): that pid may be the holder or a process that "
                "reused it")
    return f" by pid {record['pid']} on this host, still running"


def local_files(base: Path | str, suffix: str = "", *, empty: bool = True) -> list[Path]:
    """Every file below the local directory ``base``, recursively, going into symlinked
    directories as Arrow's local listing does (pyarrow 25.0.1 ``LocalFileSystem`` with a recursive
    ``FileSelector``: its ``stat`` follows links), so that :func:`list_files` and the dataset
    reader (``ctloop.drift.streaming.open_source``) list the same files. Each directory is listed
    once: a symlink to a directory inside ``base`` or inside one listed already (a loop, which
    Arrow follows until the kernel refuses, 40 levels down, listing every file 40 times over; or
    a second way to the same files) is left out with a warning naming it, as is a dangling
    symlink (which Arrow leaves out without a word). A symlink to a directory above a followed
    link's target is followed (Arrow lists its other files too) and the target, reached again, left
    out; only one to ``base`` or above is a loop. A directory that cannot be listed is a
    DataSourceError naming it, as Arrow's listing fails (before, ``Path.rglob`` left it out
    without a word). Only names ending with ``suffix`` are listed (and warned about); zero-byte
    files only with ``empty`` (the dataset reader leaves them out: they hold no rows in any format,
    and Spark's listing leaves them out too, ``PartitioningAwareFileIndex.listFiles``, Spark 3.5)."""
    base = Path(base)
    roots = [os.path.realpath(base)]  # the trees being listed: base, then each followed link's target

    def within(real: str, tree: str) -> bool:
        return real == tree or real.startswith(tree.rstrip(os.sep) + os.sep)

    def inside(real: str) -> bool:
        # listed already (in a tree being listed), or an ancestor of base: a loop. An ancestor of
        # a followed link's target is listed (Arrow lists its other files too), all but that
        # target (left out below where the walk reaches it again)
        return any(within(real, r) for r in roots) or within(roots[0], real)

    def refuse(exc: OSError) -> None:
        why = "permission denied" if isinstance(exc, PermissionError) else exc.strerror or type(exc).__name__
        raise DataSourceError(f"cannot list {exc.filename or base}: {why}") from exc

    out: list[Path] = []
    for top, dirs, names in os.walk(base, followlinks=True, onerror=refuse):
        kept = []
        for name in sorted(dirs, key=lambda d: (os.path.islink(os.path.join(top, d)), d)):
            path = os.path.join(top, name)
            if os.path.islink(path):
                real = os.path.realpath(path)
                if inside(real):
                    warnings.warn(f"{base}: left out {path}: a symlink to {real}, a directory listed already "
                                  "(a symlink loop, or a second way to the same files)", UserWarning, stacklevel=3)
                    continue
                roots.append(real)
            elif os.path.realpath(path) in roots:  # a followed link's target, reached again from its ancestor
                warnings.warn(f"{base}: left out {path}: a directory listed already (a second way to the same "
                              "files)", UserWarning, stacklevel=3)
                continue
            kept.append(name)
        dirs[:] = kept
        for name in names:
            path = Path(top) / name
            if not has_suffix(name, suffix):
                continue
            try:  # a name stat is refused on (EACCES: a /proc entry, a directory without search permission)
                regular = path.is_file()  # pathlib ignores ENOENT/ENOTDIR/ELOOP only: was a traceback
            except OSError as exc:
                refuse(exc)
            if regular:
                try:
                    if empty or path.stat().st_size:
                        out.append(path)
                except FileNotFoundError:  # removed or renamed away since it was looked at: not there
                    continue
            elif path.is_symlink() and not path.exists():
                warnings.warn(f"{base}: left out {path}: a symlink to {os.readlink(path)}, which leads to no file "
                              "(it does not exist, or the links loop)",
                              UserWarning, stacklevel=3)
    return sorted(out)


def utf8_name(base: Path | str, path: Path | str) -> str:
    """``path`` relative to the listed directory ``base``, or a DataSourceError naming it when its
    name is not UTF-8 (bytes of another encoding, which Python lists as surrogate escapes): Arrow,
    which reads tables, fails on it with a traceback, and skipping it would leave data out without
    a word. (:func:`list_files` and :func:`list_objects` do list such names, as surrogate escapes:
    the blob import reads its files by Python's own ``open``.)"""
    rel = Path(path).relative_to(base).as_posix()
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
        raise DataSourceError(f"{base}: the file name '{shown}' is not UTF-8 (the only encoding ctloop reads names "
                              "in): rename it, e.g. convmv -f latin1 -t utf-8 --notest -r DIR") from None
    return rel


def _file_uri_part(loc: Location, rel: str) -> str:
    """``rel`` as it is written after a listed prefix: percent-encoded under a ``file://`` URI
    (RFC 8089; :func:`parse` decodes it, so '#', '?' and '%' in names read back), else as is."""
    return quote(rel, errors="surrogateescape") if _is_file_uri(loc.uri) else rel


def _is_file_uri(uri: str) -> bool:
    """``file://...`` or the minimal ``file:/abs/path`` (RFC 8089 section 2), not a local name that
    merely starts with 'file:'."""
    return re.match(r"^file:/", uri, re.IGNORECASE) is not None


def _file_parent(path: Path) -> Path | None:
    """The first ancestor of ``path`` that is a file, if any."""
    for parent in path.parents:
        if parent.is_file():
            return parent
    return None


def _make_dir(path: Path, uri: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        blocker = _file_parent(path / "x") or path
        raise _unwritable(uri, f"{blocker} is a file, not a directory; choose an output path that is not "
                               "inside a file", ConfigError) from exc
    except PermissionError as exc:
        raise _unwritable(uri, f"permission denied creating {path}") from exc
    except OSError as exc:  # a read-only filesystem, /proc, a name too long
        raise _unwritable(uri, f"{exc.strerror or exc} (creating {path})") from exc


def _unwritable(uri: str, why: str, kind: type[CtloopError] = DataSourceError) -> CtloopError:
    """``cannot write <uri>: <why>``; the error keeps ``uri`` so the CLI can name the flag that
    gave it (``ctloop.cli.main``)."""
    error = kind(f"cannot write {uri}: {why}")
    error.uri = uri  # type: ignore[attr-defined]
    return error


def check_output_dir(uri: str, *, name: str = "output") -> None:
    """Refuse, before any work and without writing anything, a local output directory that can
    never be created: ``uri`` itself or one of its parents is a file. ``name`` is the parameter
    the message names (``--output``). An object-store URI is asked once whether an object of
    that name exists (nothing written): missing credentials, an endpoint that does not answer or
    a store that refuses are one line now, not after minutes of work."""
    loc = parse(uri)
    if loc.scheme != "file":
        try:
            found = exists(uri.rstrip("/") if loc.key.strip("/") else f"{uri.rstrip('/')}/.ctloop-output-check")
        except DataSourceError as exc:
            # write-only credentials (s3:PutObject without s3:GetObject/ListBucket, GCS objectCreator,
            # a write-only SAS) are refused a HEAD but may write: only the write can tell
            if not str(exc).startswith("access denied"):
                raise
            return
        # every store answers a HEAD of an object in a missing bucket with a bare 404 (no
        # NoSuchBucket in a body): exists() said False, and a mistyped bucket failed only at the write
        if not found:
            backend, bucket = _backend(uri)
            if backend.missing_bucket(bucket):
                word = "container" if loc.scheme == "az" else "bucket"
                raise StoreUnavailable(f"{name} {_masked(uri)}: {word} {loc.bucket!r} does not exist: "
                                       f"create it or fix the {word} name")
        return
    path = Path(loc.key)
    # a file, or anything else that is not a directory (a device: --output /dev/null)
    blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        what = "a file, not a directory" if blocker.is_file() else "not a directory"
        raise ConfigError(f"{name} {uri}: {blocker} is {what}; choose an output path that is not inside a file")


class _Remote:
    """What the object-store backends share: errors become one line naming the URI."""

    name = ""

    def unreachable(self, loc: Location, exc: BaseException) -> DataSourceError:
        return StoreUnavailable(
            f"cannot reach {self.name} for {loc.uri} ({self.endpoint()}) {self.retried()} with a "
            f"{CONNECT_TIMEOUT_S:g} s connect timeout: {_first_line(_root_cause(exc))}; "
            f"{self.endpoint_hint()}")

    def retried(self) -> str:
        return f"after {ATTEMPTS} attempts"

    def endpoint(self) -> str:  # pragma: no cover - overridden
        return ""

    def endpoint_hint(self) -> str:  # pragma: no cover - overridden
        return ""


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost reason of a wrapped transport error (RetryError -> requests -> urllib3)."""
    seen = {id(exc)}
    while True:
        inner = getattr(exc, "cause", None) or getattr(exc, "reason", None)
        if not isinstance(inner, BaseException) and exc.args and isinstance(exc.args[0], BaseException):
            inner = exc.args[0]
        if not isinstance(inner, BaseException) or id(inner) in seen:
            return exc
        seen.add(id(inner))
        exc = inner


def _first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message, a URL's password in it masked: urllib3's "Failed to parse:
    http://user:PASSWORD@proxy:31x8" (HTTPS_PROXY), which botocore 1.44.8 wraps in HTTPClientError as it
    is, was quoted whole until fix 47 B."""
    text = str(exc).strip() or type(exc).__name__
    return _URL_PASSWORD.sub(r"\1***@", text.splitlines()[0])[:300]


# ``scheme://USER:`` (a user name as _USERINFO reads it) and its password up to the LAST '@' before whitespace: a
# password may hold '/', '?', '#' or '@' (fix 47 B stopped at the first of them, and "Failed to parse:
# http://user:ab/cdSECRET@proxy:3128" was quoted whole until fix 47 B2). A path holding '@' is masked too: the safe
# way to be wrong, as in _userinfo
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:\[\]]*:)\S*@")


# ----------------------------------------------------------------------------------------- gs://
_GCS_CREDENTIALS_FIX = (
    "set GOOGLE_APPLICATION_CREDENTIALS to a service account key file, use GKE workload identity "
    "(annotate the Kubernetes ServiceAccount with iam.gke.io/gcp-service-account), or run "
    "`gcloud auth application-default login`; for an emulator set STORAGE_EMULATOR_HOST")


class _Gcs(_Remote):
    name = "Google Cloud Storage"

    def endpoint(self) -> str:
        return os.environ.get("STORAGE_EMULATOR_HOST") or "https://storage.googleapis.com"

    def retried(self) -> str:
        return f"after retrying for {GCS_RETRY_DEADLINE_S:g} s"

    def endpoint_hint(self) -> str:
        if os.environ.get("STORAGE_EMULATOR_HOST"):
            return "check STORAGE_EMULATOR_HOST and that the emulator runs"
        return "check the network path to storage.googleapis.com (proxy, firewall, private access)"

    def unreachable(self, loc: Location, exc: BaseException) -> DataSourceError:
        """The store's own answer when the retries ended on one (429, 5xx: google-cloud-storage retries
        those as it retries a refused connection): before round 45 a throttled read said "cannot reach
        Google Cloud Storage ... check the network path"."""
        cause = _root_cause(exc)
        status = getattr(cause, "code", None)  # google.api_core's GoogleAPICallError
        if not isinstance(status, int):  # a download's google.resumable_media InvalidResponse
            status = getattr(getattr(cause, "response", None), "status_code", None)
        if status == 429:
            return StoreUnavailable(
                f"Google Cloud Storage throttled the requests for {loc.uri}: it answered 429 Too Many Requests "
                f"{self.retried()} ({_first_line(cause)}): lower the request rate (fewer jobs writing one object "
                "name or bucket at once: GCS takes about one write a second to one object name) and run again")
        if isinstance(status, int) and status >= 500:
            return StoreUnavailable(
                f"Google Cloud Storage answered {status} for {loc.uri} {self.retried()} ({_first_line(cause)}): the "
                "service is failing, not the network path; run again later")
        return super().unreachable(loc, exc)

    def client(self, loc: Location):
        from google.auth.exceptions import DefaultCredentialsError

        env = (*_env_key(("GOOGLE_", "GCE_", "STORAGE_EMULATOR_HOST", "CLOUDSDK_", "GS_NO_SIGN_REQUEST")),
               _file_stamps(os.environ.get("GOOGLE_APPLICATION_CREDENTIALS") or ""))  # a rotated key file
        try:
            # ADC discovery can probe the metadata server: once per environment and thread (a
            # google-cloud-storage client wraps a requests session, not documented thread-safe).
            cached = getattr(_GCS_CLIENTS, "client", None)
            if cached is None or cached[0] != env:
                _GCS_CLIENTS.client = cached = (env, gcs_client())
            return cached[1]
        except (DefaultCredentialsError, OSError) as exc:  # OSError: the variable names a directory
            adc = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
            if adc:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else _first_line(exc)
                raise ConfigError(f"GOOGLE_APPLICATION_CREDENTIALS {adc!r} is not a usable credentials file for "
                                  f"{loc.uri} ({why}): point it at a service account key file (JSON), or unset it "
                                  "for GKE workload identity or `gcloud auth application-default login`") from exc
            if isinstance(exc, OSError):
                raise
            raise ConfigError(f"no Google Cloud credentials to access {loc.uri}: {_GCS_CREDENTIALS_FIX}") from exc

    @staticmethod
    def call_options() -> dict:
        from google.cloud.storage.retry import DEFAULT_RETRY

        retry = DEFAULT_RETRY.with_delay(initial=0.5, maximum=4.0, multiplier=2.0)
        return {"timeout": (CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                "retry": retry.with_timeout(GCS_RETRY_DEADLINE_S)}

    @contextmanager
    def errors(self, loc: Location, client=None) -> Iterator[None]:
        import requests
        from google.api_core import exceptions as gexc
        from google.auth.exceptions import RefreshError, TransportError
        from google.cloud.storage.exceptions import DataCorruption

        try:
            yield
        except DataCorruption as exc:  # the bytes received do not match the X-Goog-Hash GCS sent
            raise DataSourceError(f"the bytes downloaded for {loc.uri} do not match the checksum Google Cloud "
                                  "Storage holds for the object: they were corrupted or cut in transit (or "
                                  "by a proxy); read it again") from exc
        except gexc.NotFound as exc:
            if client is not None and not self._bucket_exists(client, loc):
                raise StoreUnavailable(f"bucket {loc.bucket!r} of {loc.uri} does not exist: create it "
                                      "or fix the bucket name") from exc
            raise DataSourceError(f"{loc.uri} does not exist (bucket {loc.bucket!r}, object "
                                  f"{loc.key!r})") from exc
        except (gexc.Forbidden, gexc.Unauthorized) as exc:
            if no_sign_request("GS_NO_SIGN_REQUEST") and not os.environ.get("STORAGE_EMULATOR_HOST"):
                raise DataSourceError(f"access denied to {loc.uri} ({_first_line(exc)}): GS_NO_SIGN_REQUEST=YES sends "
                                      "no credentials, which only a public bucket (allUsers) takes: unset it and "
                                      f"give credentials ({_GCS_CREDENTIALS_FIX})") from exc
            raise DataSourceError(f"access denied to {loc.uri}: the credentials in use lack permission "
                                  f"({_first_line(exc)}); grant roles/storage.objectAdmin on bucket "
                                  f"{loc.bucket!r} or use other credentials") from exc
        except RefreshError as exc:
            if "reasonable timeframe" in str(exc):  # Google's token endpoint on a JWT signed off its clock:
                # the key is fine (before round 44 this said to set GOOGLE_APPLICATION_CREDENTIALS)
                raise ConfigError(f"Google refused to issue a token for {loc.uri} because this machine's clock is "
                                  "off from Google's (invalid_grant: Invalid JWT: the key's token request is "
                                  "dated by this clock, and Google takes it only near its own time): sync it (NTP, "
                                  "chrony; in a container, the node's clock)") from exc
            raise ConfigError(f"the Google Cloud credentials for {loc.uri} were refused "
                              f"({_first_line(exc)}): {_GCS_CREDENTIALS_FIX}") from exc
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                TransportError, gexc.RetryError) as exc:  # ChunkedEncodingError: a body cut short
            raise self.unreachable(loc, exc) from exc
        except gexc.GoogleAPICallError as exc:
            raise DataSourceError(f"{loc.uri}: Google Cloud Storage refused the request: "
                                  f"{_first_line(exc)}") from exc

    def _bucket_exists(self, client, loc: Location) -> bool:
        from google.api_core import exceptions as gexc

        try:
            return client.bucket(loc.bucket).exists(**self.call_options())
        except gexc.GoogleAPICallError:  # cannot tell (e.g. no storage.buckets.get): say "object"
            return True

    def read(self, loc: Location) -> bytes:
        client = self.client(loc)
        with self.errors(loc, client):
            # the stored bytes, as S3 and Azure give them: without raw_download the client gunzips a
            # Content-Encoding: gzip object (google-resumable-media download.py _add_decoder)
            return client.bucket(loc.bucket).blob(loc.key).download_as_bytes(raw_download=True,
                                                                             **self.call_options())

    def write(self, loc: Location, data: bytes, content_type: str) -> None:
        client = self.client(loc)
        with self.errors(loc, client):
            client.bucket(loc.bucket).blob(loc.key).upload_from_string(
                data, content_type=content_type, **self.call_options())

    def create(self, loc: Location, data: bytes, content_type: str) -> bool:
        from google.api_core import exceptions as gexc

        client = self.client(loc)
        token = uuid.uuid4().hex  # this create's own mark on the object (CREATE_TOKEN)
        with self.errors(loc, client):
            blob = client.bucket(loc.bucket).blob(loc.key)
            blob.metadata = {CREATE_TOKEN: token}
            try:  # generation 0: only if no live object has the name (a precondition GCS checks)
                blob.upload_from_string(data, content_type=content_type, if_generation_match=0,
                                        **self.call_options())
            except gexc.PreconditionFailed:
                # made by this create when it holds its token: the client retried an upload whose answer
                # was lost (ConditionalRetryPolicy retries one with ifGenerationMatch)
                try:
                    blob.reload(**self.call_options())
                except gexc.NotFound:
                    return False
                return (blob.metadata or {}).get(CREATE_TOKEN) == token
        return True

    def exists(self, loc: Location) -> bool:
        client = self.client(loc)
        with self.errors(loc):
            return bool(loc.key) and client.bucket(loc.bucket).blob(loc.key).exists(**self.call_options())

    def missing_bucket(self, loc: Location) -> bool:
        """True only when GCS says the bucket does not exist (a refused buckets.get cannot tell)."""
        client = self.client(loc)
        with self.errors(loc):
            return not self._bucket_exists(client, loc)

    def delete(self, loc: Location) -> None:
        from google.api_core import exceptions as gexc

        client = self.client(loc)
        with self.errors(loc, client):
            try:
                client.bucket(loc.bucket).blob(loc.key).delete(**self.call_options())
            except gexc.NotFound:
                if not self._bucket_exists(client, loc):
                    raise

    def list(self, loc: Location, suffix: str, empty: bool = True, skipped: list[str] | None = None) -> list[str]:
        client = self.client(loc)
        prefix = _dir_prefix(loc.key)
        with self.errors(loc, client):
            sized = [(b.name, b.size) for b in client.list_blobs(loc.bucket, prefix=prefix, **self.call_options())]
        return _sized_names(loc, sized, suffix, empty, skipped)

    def names(self, loc: Location, prefix: str, uri: str) -> Iterator[str]:
        client = self.client(loc)
        with self.errors(loc, client):
            for blob in client.list_blobs(loc.bucket, prefix=prefix, fields="items(name),nextPageToken",
                                          **self.call_options()):
                yield blob.name

    def marker(self, loc: Location) -> bool:
        """Whether the object ``loc`` is a directory marker: zero bytes (the console's "Create
        folder", Hadoop's GCS connector)."""
        client = self.client(loc)
        with self.errors(loc, client):
            blob = client.bucket(loc.bucket).get_blob(loc.key, **self.call_options())
        return blob is not None and blob.size == 0

    def first_below(self, loc: Location, prefix: str) -> str | None:
        client = self.client(loc)
        with self.errors(loc, client):
            return next((b.name for b in client.list_blobs(loc.bucket, prefix=prefix, max_results=1,
                                                           **self.call_options())), None)

    def objects(self, loc: Location) -> list[ObjectInfo]:
        client = self.client(loc)
        with self.errors(loc, client):
            blobs = [(b.name, b.size, b.etag, _b64_hex(b.md5_hash), str(b.generation or "")) for b in
                     client.list_blobs(loc.bucket, prefix=_dir_prefix(loc.key), **self.call_options())]
        return sorted((ObjectInfo(loc.child(n), int(size or 0), str(etag or ""), md5, generation)
                       for n, size, etag, md5, generation in blobs if _listed_name(n)), key=lambda o: o.uri)

    def arrow(self, loc: Location) -> tuple[pyarrow.fs.FileSystem, str]:
        from datetime import timedelta

        import pyarrow.fs

        emulator = os.environ.get("STORAGE_EMULATOR_HOST")
        retry = timedelta(seconds=GCS_RETRY_DEADLINE_S)
        if emulator:
            parts = urlsplit(_emulator_url())
            fs = pyarrow.fs.GcsFileSystem(anonymous=True, endpoint_override=parts.netloc,
                                          scheme=parts.scheme, retry_time_limit=retry)
        else:
            self.client(loc)  # the one clear line when there are no credentials at all
            fs = pyarrow.fs.GcsFileSystem(anonymous=no_sign_request("GS_NO_SIGN_REQUEST"), retry_time_limit=retry)
        return fs, f"{loc.bucket}/{loc.key}".rstrip("/")


def _b64_hex(value: str | None) -> str:
    """A base64 hash as GCS's JSON API writes it (``md5Hash``) in hex; ``""`` for none."""
    return base64.b64decode(value).hex() if value else ""


def _listed_name(name: str) -> bool:
    """Whether an object store's listing keeps the object ``name``: no '/'-ended folder marker, but that of
    a table log (:data:`TABLE_LOGS`: ``t/_delta_log/``, how Hadoop's S3A and GCS connectors make an empty
    ``_delta_log/``), which :func:`_directory_table` refuses as a table with no commits and
    :func:`list_objects` leaves out for every other caller."""
    return not name.endswith("/") or _log_marker(name)


def _log_marker(name: str) -> bool:
    return name.endswith("/") and name.rstrip("/").rsplit("/", 1)[-1] in TABLE_LOGS


def _dir_prefix(key: str) -> str:
    """The listing prefix of a directory-like key: ``log`` lists ``log/...``, never ``logs/...``."""
    return key.rstrip("/") + "/" if key else ""


def no_sign_request(variable: str) -> bool:
    """Whether ``variable`` (``AWS_NO_SIGN_REQUEST``, ``GS_NO_SIGN_REQUEST``: GDAL's names, which PDAL and
    Open Data Cube read too; the ``aws`` CLI's ``--no-sign-request``) asks for unsigned requests: a public
    bucket read with no credentials at all. YES/TRUE/ON/1 or NO/FALSE/OFF/0 (or unset); anything else is a
    ConfigError naming it."""
    value = os.environ.get(variable, "").strip()
    if value.upper() in ("", "NO", "FALSE", "OFF", "0"):
        return False
    if value.upper() in ("YES", "TRUE", "ON", "1"):
        return True
    raise ConfigError(f"{variable} {value[:40]!r} is neither YES nor NO: set {variable}=YES to read a public bucket "
                      "without credentials, or unset it")


# ----------------------------------------------------------------------------------------- s3://
_S3_CREDENTIALS_FIX = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (a mounted Secret), AWS_PROFILE with "
    "~/.aws/credentials, or use EKS IRSA (annotate the Kubernetes ServiceAccount with "
    "eks.amazonaws.com/role-arn)")


@dataclass(frozen=True)
class _S3Settings:
    endpoint_url: str
    region: str
    credentials: object | None  # botocore ReadOnlyCredentials
    ca_bundle: str | None = None  # AWS_CA_BUNDLE, the config file's ca_bundle or REQUESTS_CA_BUNDLE, as botocore
    virtual: bool = False  # the config file's s3 addressing_style = virtual


_S3_CONDITIONAL: dict[tuple[str, str], bool] = {}  # (endpoint, bucket): checks If-None-Match
_S3_CONDITIONAL_COMPLETE: dict[tuple[str, str], bool] = {}  # (endpoint, bucket): checks it on the complete too
_S3_CONDITIONAL_LOCK = threading.Lock()
_S3_PROBE = ".ctloop-conditional-write-probe-s3"  # written beside a created object, deleted at once
_S3_PROBE_SIZE = 34  # bytes the probe holds: a uuid4 in hex, then -0 or -1 (_S3._probe)
_S3_PROBE_BYTES = re.compile(rb"[0-9a-f]{32}-[01]")  # what a probe holds (fullmatch: _S3_PROBE_SIZE bytes)
_S3_REFUSAL: dict[tuple[str, str], int] = {}  # (endpoint, bucket): its answer to a taken key, where not 412
_S3_BUCKET_REGIONS: dict[tuple[str, str], str] = {}  # (endpoint, bucket): its region (_S3.bucket_region)
# (endpoint, bucket) warned of a PutObject probe it would not delete; (endpoint, bucket, "multipart") of the
# multipart probe, (endpoint, bucket, "upload") of a probe upload it would not abort (fix 46 C2: each its own)
_S3_PROBES_LEFT: set[tuple[str, ...]] = set()


_AWS_REGION = r"[a-z]{2,4}(?:-[a-z]+){1,2}-\d+"  # us-east-1, us-gov-west-1, us-isob-east-1, eusc-de-east-1
# S3's own host names (botocore data/endpoints.json and the endpoint ruleset, the S3 user guide): s3, s3-fips,
# s3-external-1, s3-accesspoint, s3-accelerate (Transfer Acceleration), s3-global (Multi-Region Access Points:
# <alias>.mrap.accesspoint.s3-global), s3-<region> (legacy), S3 Express, then only regions, "dualstack", "vpce"
# or "aws-global" (FIPS in us-east-1), up to the DNS suffix of an AWS partition (:func:`_aws_dns_suffixes`); a
# bucket or VPC endpoint id may come before. Not *.elb.*, *.compute-1.*, ...
_AWS_S3_LABELS = (
    rf"(?:[^.]+\.)*(?:s3(?:-fips|-external-1|-accesspoint|-object-lambda|-accelerate|-global|-{_AWS_REGION})?"
    rf"|s3express-[a-z0-9-]+)(?:\.(?:dualstack|vpce|aws-global|{_AWS_REGION}))*\.")
_AWS_SUFFIXES: list[str] = []


def _aws_dns_suffixes() -> list[str]:
    """The DNS suffixes of AWS's partitions as botocore knows them (data/partitions.json: amazonaws.com,
    amazonaws.com.cn, amazonaws.eu, c2s.ic.gov, sc2s.sgov.gov, ..., and their dual-stack api.aws, ...)."""
    if not _AWS_SUFFIXES:
        from botocore.loaders import create_loader

        partitions = create_loader().load_data("partitions")["partitions"]
        _AWS_SUFFIXES[:] = sorted({p["outputs"][k] for p in partitions for k in ("dnsSuffix", "dualStackDnsSuffix")
                                   if p.get("outputs", {}).get(k)} | {"amazonaws.com", "amazonaws.com.cn"})
    return _AWS_SUFFIXES


def _aws_endpoint(url: str | None) -> bool:
    """True for AWS's own S3 endpoints (no endpoint set, or an S3 host name under the DNS suffix of an AWS
    partition, VPC endpoints included): S3 checks ``If-None-Match: *`` there (conditional writes, since
    August 2024), so no probe object is written (an identity granted no s3:DeleteObject would leave it).
    Another host under amazonaws.com (MinIO behind a load balancer, ``*.elb.<region>.amazonaws.com``, or
    on an EC2 name) is asked as any S3-compatible store is. Before fix 46 C2 only amazonaws.com[.cn] was
    known, and neither FIPS in us-east-1 (``s3-fips.aws-global``), Transfer Acceleration nor a Multi-Region
    Access Point: those, the EU sovereign cloud and the ISO partitions were probed."""
    host = ((urlsplit(url).hostname or "") if url else "").lower().rstrip(".")
    if not url:
        return True
    suffixes = "|".join(re.escape(suffix) for suffix in _aws_dns_suffixes())
    return re.fullmatch(rf"{_AWS_S3_LABELS}(?:{suffixes})", host) is not None


def _aws_s3(client) -> bool:
    """Whether ``client`` (an S3 client) talks to AWS itself: no endpoint URL configured (botocore resolved
    the endpoint from its own ruleset, the ``SDK::Endpoint`` builtin unset: an AWS partition's host whatever
    the region, FIPS, dual-stack or acceleration settings), or one naming AWS (:func:`_aws_endpoint`).
    botocore 1.44.8 keeps the builtins on ``client._ruleset_resolver``; where it does not, the host alone
    decides. ``client.meta.partition`` cannot: it follows the region, also for a MinIO URL."""
    builtins = getattr(getattr(client, "_ruleset_resolver", None), "_builtins", None)
    if isinstance(builtins, dict) and "SDK::Endpoint" in builtins and not builtins["SDK::Endpoint"]:
        return True  # (EndpointResolverBuiltins is a str enum: its members are these strings)
    return _aws_endpoint(client.meta.endpoint_url)


_S3_MAX_SKEW_S = 900  # S3 refuses a request signed more than 15 minutes off its clock (RequestTimeTooSkewed)


def _clock_skew(response: dict) -> float | None:
    """Seconds this machine's clock is behind (+) or ahead of (-) the store's, when beyond what S3 allows;
    None when within it or not told. From the ``RequestTime`` and ``ServerTime`` of a RequestTimeTooSkewed
    body (Amazon S3 API reference, "Error responses"), else from the ``Date`` header of the answer."""
    from email.utils import parsedate_to_datetime

    error = response.get("Error", {})
    try:  # S3's RequestTimeTooSkewed body: <RequestTime>20250901T162148Z</RequestTime> (as signed, from
        # this clock) and <ServerTime>2025-09-03T16:21:50Z</ServerTime>; a proxy may drop the Date header
        told = datetime.strptime(error["RequestTime"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        skew = datetime.fromisoformat(error["ServerTime"].replace("Z", "+00:00")).timestamp() - told.timestamp()
    except (KeyError, TypeError, ValueError):
        date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        try:
            skew = parsedate_to_datetime(date).timestamp() - time.time() if date else None
        except (TypeError, ValueError):
            return None
    return skew if skew is not None and abs(skew) > _S3_MAX_SKEW_S else None


_S3_MAX_PARTS = 10_000  # parts of one multipart upload (S3 user guide, "Amazon S3 multipart upload limits")
S3_PART_MIB = 64  # default of CTLOOP_S3_PART_MIB: objects up to it are one PutObject, larger ones sent in parts


def s3_part_bytes() -> int:
    """The size of an S3 upload's parts, and the largest object sent in one PutObject: ``CTLOOP_S3_PART_MIB``
    MiB (default :data:`S3_PART_MIB`), 5 to 5120 (S3's smallest part but the last, and its largest);
    anything else is a ConfigError naming the variable before anything is sent."""
    value = os.environ.get("CTLOOP_S3_PART_MIB", "").strip() or str(S3_PART_MIB)
    # ASCII digits only: str.isdigit() is True for '²' and '①', which int() refuses (a traceback before)
    if not (value.isascii() and value.isdigit()) or not 5 <= int(value) <= 5120:
        raise ConfigError(f"CTLOOP_S3_PART_MIB {value[:40]!r} is not a whole number of MiB from 5 to 5120 (S3's "
                          f"smallest and largest part): set it so, or unset it (default {S3_PART_MIB})")
    return int(value) * 1024 * 1024


def _s3_status(exc) -> int | None:
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def _s3_code(exc) -> str:
    """The S3 error code of a botocore ClientError (``ConditionalRequestConflict``), "" where none came."""
    return str(exc.response.get("Error", {}).get("Code") or "")


class _S3(_Remote):
    name = "S3"

    def __init__(self) -> None:
        self._endpoint = ""

    def endpoint(self) -> str:
        return self._endpoint or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get(
            "AWS_ENDPOINT_URL") or "AWS S3"

    def endpoint_hint(self) -> str:
        if os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"):
            return "check AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and that the server runs"
        if _s3_endpoint_configured():
            return "check endpoint_url in the AWS config file (AWS_CONFIG_FILE) and that the server runs"
        return "check the network path to S3 (proxy, firewall, VPC endpoint) and AWS_DEFAULT_REGION"

    def client(self):
        _, client = _s3_session(_s3_key())
        self._endpoint = client.meta.endpoint_url
        return client

    @contextmanager
    def errors(self, loc: Location) -> Iterator[None]:
        from botocore import exceptions as bexc

        try:
            yield
        except bexc.NoCredentialsError as exc:
            raise ConfigError(f"no AWS credentials to access {loc.uri}: {_S3_CREDENTIALS_FIX}") from exc
        except bexc.ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code == "NoSuchBucket":
                raise StoreUnavailable(f"bucket {loc.bucket!r} of {loc.uri} does not exist: create it "
                                      "or fix the bucket name") from exc
            if code in ("NoSuchKey", "404", "NotFound"):
                raise DataSourceError(f"{loc.uri} does not exist (bucket {loc.bucket!r}, key "
                                      f"{loc.key!r})") from exc
            if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
                        "InvalidToken", "TokenRefreshRequired"):
                raise ConfigError(f"the AWS credentials for {loc.uri} were refused ({code}: "
                                  f"{error.get('Message', '')}): {_S3_CREDENTIALS_FIX}") from exc
            skew = _clock_skew(exc.response) if status == 403 else None
            if code == "RequestTimeTooSkewed" or skew is not None:
                # botocore signs with this machine's clock and never corrects it: S3 refuses a request
                # signed over 15 minutes off (403; a HEAD's carries no code), which read as a missing grant
                off = (f" {abs(skew) / 60:.0f} minutes {'behind' if skew > 0 else 'ahead of'} the store's"
                       if skew is not None else " more than 15 minutes off the store's")
                raise ConfigError(f"{self.endpoint()} refused the request for {loc.uri} because this machine's "
                                  f"clock is{off} (S3 allows 15 minutes; {code}): sync it (NTP, chrony; in a "
                                  "container, the node's clock)") from exc
            if code == "InvalidObjectState":  # a 403 too, but no grant is missing: the object is archived
                cold = error.get("StorageClass") or "an archive storage class"
                tier = f", tier {error['AccessTier']}" if error.get("AccessTier") else ""
                raise DataSourceError(
                    f"{loc.uri} is archived (S3 storage class {cold}{tier}: InvalidObjectState) and cannot be read "
                    f"until it is restored: aws s3api restore-object --bucket {loc.bucket} --key '{loc.key}' "
                    "--restore-request Days=7 (hours to days; Intelligent-Tiering: --restore-request '{}'), or copy it "
                    "to STANDARD; check the bucket's lifecycle rules that moved it") from exc
            if (code in ("AccessDenied", "AllAccessDisabled") or status == 403) and no_sign_request(
                    "AWS_NO_SIGN_REQUEST"):
                raise DataSourceError(f"access denied to {loc.uri} ({code or status}): AWS_NO_SIGN_REQUEST=YES sends "
                                      "unsigned requests, which only a public bucket (or object) takes: unset it and "
                                      f"give credentials ({_S3_CREDENTIALS_FIX})") from exc
            if code == "403":  # a HEAD's 403 has no body: a refused key and a missing grant look alike
                raise DataSourceError(f"access denied to {loc.uri} (403 to a HEAD request, which carries no "
                                      "reason): the AWS credentials were refused or lack permission; "
                                      f"{_S3_CREDENTIALS_FIX}, or allow s3:GetObject and s3:ListBucket "
                                      f"on bucket {loc.bucket!r}") from exc
            if code in ("AccessDenied", "AllAccessDisabled") or status == 403:
                raise DataSourceError(f"access denied to {loc.uri}: the credentials in use lack "
                                      f"permission ({code}); allow s3:GetObject, s3:PutObject and "
                                      f"s3:ListBucket on bucket {loc.bucket!r}") from exc
            # botocore names a bodyless answer (a HEAD's, a proxy's HTML page) by its status: "503", said once
            answered = " ".join(dict.fromkeys(str(part) for part in (status, code) if part))
            why = f" ({error['Message']})" if error.get("Message") else ""
            if code in ("SlowDown", "TooManyRequests", "RequestLimitExceeded") or code.startswith("Throttl") or (
                    status == 429):
                # throttled past botocore's retries (a prefix's request rate, MinIO's and Ceph's 503 SlowDown):
                # before round 45 "S3 refused the request", read as one object's fault and skipped object by object
                raise StoreUnavailable(f"{self.endpoint()} throttled the requests for {loc.uri}: it answered {answered} "
                                       f"{self.retried()}{why}: lower the request rate (fewer jobs reading or writing "
                                       "one prefix at once) and run again") from exc
            if status == 503 and code == "503" and exc.operation_name in ("HeadObject", "HeadBucket"):
                # a HEAD's 503 carries no body, so no code: S3's SlowDown (503) and a failing store look alike.
                # botocore retried it (standard mode: 503 is transient); before round 46 it read "the store is
                # failing", while on AWS it is mostly throttling, whose fix is a lower request rate
                raise StoreUnavailable(
                    f"{self.endpoint()} answered 503 with no error code for {loc.uri} {self.retried()} (a HEAD "
                    "request's answer carries no body): S3 answers so when it throttles requests (503 SlowDown) and "
                    "when it fails: lower "
                    "the request rate (fewer jobs reading or writing one prefix at once) and run again later") from exc
            if isinstance(status, int) and status >= 500:
                # a failing store or the proxy before it (503 from a load balancer with no backend, 500
                # InternalError): not throttling, and not one object's fault either (before, every 503 was
                # "throttled ... lower the request rate", and another 5xx "S3 refused the request")
                raise StoreUnavailable(f"{self.endpoint()} answered {answered} for {loc.uri} {self.retried()}{why}: "
                                       "the store is failing, not the network path; run again later") from exc
            raise DataSourceError(f"{loc.uri}: S3 refused the request ({code or status}: "
                                  f"{error.get('Message', '')})") from exc
        except (bexc.EndpointConnectionError, bexc.ConnectTimeoutError, bexc.ReadTimeoutError,
                bexc.ConnectionClosedError) as exc:
            raise self.unreachable(loc, exc) from exc
        except bexc.ParamValidationError as exc:
            raise ConfigError(f"invalid S3 location {loc.uri}: {_first_line(exc)}") from exc
        except bexc.BotoCoreError as exc:
            raise DataSourceError(f"{loc.uri}: {_first_line(exc)}") from exc

    def read(self, loc: Location) -> bytes:
        """The object's bytes. A body cut short (its connection closed or timed out before
        Content-Length bytes came: botocore's IncompleteReadError, ResponseStreamingError,
        ReadTimeoutError) is asked for again, :data:`ATTEMPTS` times in all: botocore retries the
        request, never the reading of its body, and one download cut short by a load balancer's idle
        timeout or a restarting pod failed the whole job."""
        from botocore import exceptions as bexc

        with self.errors(loc):
            for attempt in range(1, ATTEMPTS + 1):
                body = self.client().get_object(Bucket=loc.bucket, Key=loc.key)["Body"]
                try:
                    return body.read()
                except (bexc.IncompleteReadError, bexc.ResponseStreamingError, bexc.ReadTimeoutError) as exc:
                    body.close()
                    if attempt == ATTEMPTS:
                        raise DataSourceError(f"{loc.uri}: the download was cut short {ATTEMPTS} times "
                                              f"({_first_line(exc)}): check the network path to "
                                              f"{self.endpoint()} (a proxy or load balancer timeout)") from exc
                    time.sleep(0.1 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def write(self, loc: Location, data: bytes, content_type: str) -> None:
        with self.errors(loc):
            self._put(loc, data, content_type)

    def _put(self, loc: Location, data: bytes, content_type: str, *, parts: bool = False,
             refused_aborts: list | None = None, **extra) -> dict:
        """PutObject of ``data``, or, over :func:`s3_part_bytes`, a multipart upload of it: S3 takes at most
        5 GiB in one PutObject (EntityTooLarge; before round 46 every larger write failed, after the work).
        ``extra`` (``IfNoneMatch``, ``Metadata``) goes where S3 takes it: with the complete request and the
        create request. An upload that fails or is refused (a taken key: 412) is aborted, so no parts are
        left stored (and billed) until a lifecycle rule removes them. ``parts``: a multipart upload
        whatever the size (:meth:`conditional_completes`' probe). Returns the PutObject or complete answer.
        ``refused_aborts`` gets the error of an abort that failed (the upload left), else not told."""
        from botocore.exceptions import ClientError

        part = s3_part_bytes()
        client = self.client()
        if len(data) <= part and not parts:
            return client.put_object(Bucket=loc.bucket, Key=loc.key, Body=data, ContentType=content_type, **extra)
        part = max(part, -(-len(data) // _S3_MAX_PARTS))  # S3 takes 10,000 parts at most: larger ones
        metadata = {"Metadata": extra["Metadata"]} if "Metadata" in extra else {}
        # the checksums s3transfer 0.19.3 sends (aws s3 cp, upload_file): botocore adds a CRC32 to each
        # UploadPart when request_checksum_calculation is when_supported (its default), so the upload is
        # created with ChecksumAlgorithm=CRC32 (s3transfer/manager.py _add_operation_defaults, utils.py
        # set_default_checksum_algorithm), each part names it (upload.py UPLOAD_PART_ARGS) and the complete
        # lists each part's ChecksumCRC32 (upload.py UploadPartTask._main); when_required: none. Before fix
        # 46 C the parts were checksummed in an upload created without one and the complete listed none, a
        # mix stores have refused (boto/botocore#3216, apache/opendal#4533)
        crc = client.meta.config.request_checksum_calculation == "when_supported"
        algorithm = {"ChecksumAlgorithm": "CRC32"} if crc else {}
        upload = client.create_multipart_upload(Bucket=loc.bucket, Key=loc.key, ContentType=content_type,
                                                **metadata, **algorithm)["UploadId"]
        try:
            view = memoryview(data)
            sent = []
            for number, start in enumerate(range(0, len(data), part), start=1):
                answer = client.upload_part(Bucket=loc.bucket, Key=loc.key, UploadId=upload, PartNumber=number,
                                            Body=view[start:start + part].tobytes(), **algorithm)
                sent.append({"PartNumber": number, "ETag": answer["ETag"],
                             **({"ChecksumCRC32": answer["ChecksumCRC32"]} if crc and "ChecksumCRC32" in answer else {})})
            condition = {"IfNoneMatch": extra["IfNoneMatch"]} if "IfNoneMatch" in extra else {}
            try:
                return client.complete_multipart_upload(Bucket=loc.bucket, Key=loc.key, UploadId=upload,
                                                        MultipartUpload={"Parts": sent}, **condition)
            except ClientError as exc:
                # botocore retried a complete whose answer was lost, and S3 answered the retry as it answers a
                # finished upload (404 NoSuchUpload; moto answers 200): done when the object is these parts
                if exc.response.get("Error", {}).get("Code") != "NoSuchUpload" or not self._completed(
                        client, loc, sent, extra.get("Metadata", {})):
                    raise
                return {}
        except BaseException:
            try:  # best effort: the first error is the one to tell
                client.abort_multipart_upload(Bucket=loc.bucket, Key=loc.key, UploadId=upload)
            except Exception as refused:  # noqa: BLE001 - any failure leaves the upload: told, not raised
                # but 404 NoSuchUpload: the upload is gone (S3 removes one whose conditional complete it
                # answered 409 ConditionalRequestConflict), nothing is left to tell of
                gone = isinstance(refused, ClientError) and _s3_status(refused) == 404
                if refused_aborts is not None and not gone:
                    refused_aborts.append(refused)
            raise

    @staticmethod
    def _completed(client, loc: Location, parts: list[dict], metadata: dict) -> bool:
        """Whether the object ``loc`` is the multipart upload of ``parts`` (its ETag: the MD5 of the parts'
        MD5s, then '-' and their count, where the parts' ETags are MD5s) holding ``metadata`` (a create's
        token). A store whose ETags are no MD5s (SSE-KMS) is never taken for done: the error is raised."""
        from botocore.exceptions import ClientError

        try:
            head = client.head_object(Bucket=loc.bucket, Key=loc.key)
        except ClientError:
            return False
        try:
            digests = b"".join(bytes.fromhex(part["ETag"].strip('"')) for part in parts)
        except ValueError:
            return False
        etag = f"{hashlib.md5(digests, usedforsecurity=False).hexdigest()}-{len(parts)}"
        held = head.get("Metadata", {})
        return head.get("ETag", "").strip('"') == etag and all(held.get(k) == v for k, v in metadata.items())

    def create(self, loc: Location, data: bytes, content_type: str) -> bool:
        from botocore.exceptions import ClientError

        part = s3_part_bytes()  # a part size S3 refuses: one line before anything is sent
        with self.errors(loc):
            if self.conditional_writes(loc):
                if len(data) > part and not self.conditional_completes(loc):
                    raise self._large_create_refused(loc, len(data), part)
                token = uuid.uuid4().hex  # this create's own mark on the object (CREATE_TOKEN)
                for attempt in range(8):
                    try:  # If-None-Match: * (S3 conditional writes, August 2024; MinIO; moto 5)
                        self._put(loc, data, content_type, IfNoneMatch="*", Metadata={CREATE_TOKEN: token})
                        return True
                    except ClientError as exc:
                        status = _s3_status(exc)
                        # 409 ConditionalRequestConflict: another writer's conditional write of the key is under
                        # way, its object not there yet (S3 user guide, "Conditional writes": retry); asked again
                        if status == 409 and attempt < 7:
                            time.sleep(0.05 * 2 ** attempt)
                            continue
                        if status in (409, 412) or status == self.refusal(loc):
                            # 412 (or the store's own answer): the key exists; 409 after ~6 s. Made by this
                            # create when it holds its token: botocore retried a PUT whose answer was lost
                            return self._made_by(loc, token)
                        if status != 501:
                            raise
                        break
            # an S3-compatible store without conditional writes (501 NotImplemented, or one that ignores
            # If-None-Match: conditional_writes): look, then write (two writers at the same moment may
            # both write: the limit docs/storage.md states)
            if self.exists(loc):
                return False
            self._put(loc, data, content_type)
        return True

    def _made_by(self, loc: Location, token: str) -> bool:
        """Whether the object ``loc`` holds this create's ``token`` (:data:`CREATE_TOKEN`); one gone
        meanwhile (404) is not this create's."""
        from botocore.exceptions import ClientError

        try:
            head = self.client().head_object(Bucket=loc.bucket, Key=loc.key)
        except ClientError as exc:
            if _s3_status(exc) == 404:
                return False
            raise
        return head.get("Metadata", {}).get(CREATE_TOKEN) == token

    def conditional_writes(self, loc: Location) -> bool:
        """Whether the store checks ``If-None-Match: *`` on PutObject, asked once a process per endpoint
        and bucket: a probe object beside ``loc`` is written with it twice (other bytes the second
        time), and the second write must be refused (the first one too where a probe was left, by name,
        beside it: that refusal tells as well). Before, an S3-compatible store that ignores the
        header (answers 200 instead of 412 or 501) let a second writer replace a created object, and both
        were told they made it. A refusal other than 412 (MinIO RELEASE.2023-11-20 answered a PUT whose
        If-None-Match matched with 304 Not Modified, minio/minio#19442) failed every new store with that
        answer; now the probe is read back: when it still holds the first write's bytes, the store
        refused the overwrite, and 304 means "taken" to :meth:`create` too (:data:`_S3_REFUSAL`); when it
        holds the second's, the header is not checked. Any other refusal of the overwrite is raised and
        nothing cached: learnt once, a transient refusal (409 OperationAborted) of a store that ignores
        the header had two writers both told they created one manifest. A 304 to the first write where
        a probe's bytes are at the name (one left under Object Lock, or without s3:DeleteObject) is
        "taken" too: before, each later process wrote, and left, a probe of a name of its own. A refusal
        with other bytes there, or nothing (another process's probe deleted meanwhile), is settled by a
        probe of a name of its own, which no other process writes (before, the shared name was probed
        again, and processes probing at once found each other's probes); its FIRST write refused with
        the same status and nothing there either is a store refusing the header itself (its second write
        refused so: look, then write, nothing cached). A read-back of the probe refused other than 404
        is raised, nothing cached: in fix 43 E2 a 500 to it was "nothing there", and a store checking the
        header was cached as refusing it. Throttling, a server error, a refused grant or a missing
        bucket (404) is raised as ever, and nothing cached. AWS's own endpoints are not asked (:func:`_aws_s3`). The probe's
        versions are deleted by version id (:meth:`_drop_probe`); one the store will not delete is
        warned of once per endpoint and bucket. A probe whose first write was refused was never
        written: nothing is deleted or warned of."""
        client = self.client()
        if _aws_s3(client):
            return True
        cache = (self.endpoint(), loc.bucket)
        with _S3_CONDITIONAL_LOCK:
            if cache in _S3_CONDITIONAL:
                return _S3_CONDITIONAL[cache]
        parent = loc.key.rpartition("/")[0]
        # one name per prefix: a probe left behind (its delete refused, or Object Lock retention) is
        # found by the next process's first write (refused: the header is checked), never one more
        probe = f"{parent + '/' if parent else ''}{_S3_PROBE}"
        verdict = self._probe(client, loc, probe, cache)
        if isinstance(verdict, str):  # refused, and another's bytes there or nothing: a name of its own,
            status = verdict.split()[2]  # which no other process writes, settles it in one round
            verdict = self._probe(client, loc, f"{probe}-{uuid.uuid4().hex[:12]}", cache)
            # its FIRST write refused with the same status, nothing there: the header itself refused (a
            # refusal of the second write, the first one taken, is not about the header: before, it was
            # cached as such, and a store checking the header got look-then-write for the whole process)
            if isinstance(verdict, str) and verdict != f"gone 0 {status}":
                return False  # no answer this time: look, then write; asked again by the next create
        checked, refusal = (False, 412) if isinstance(verdict, str) else verdict
        with _S3_CONDITIONAL_LOCK:
            _S3_CONDITIONAL[cache] = checked
            if checked and refusal != 412:
                _S3_REFUSAL[cache] = refusal
        return checked

    def conditional_completes(self, loc: Location) -> bool:
        """Whether a store that checks ``If-None-Match: *`` on PutObject (:meth:`conditional_writes`)
        checks it on CompleteMultipartUpload too, which a create over :func:`s3_part_bytes` relies on;
        asked once a process per endpoint and bucket, before the first such create. Stores have checked
        it on PutObject only: moto until getmoto/moto#9209, ministack until ministackorg/ministack#1435,
        LocalStack (named there). Before fix 46 C a second large create there replaced the first, and
        both writers were told they created it. A one-part multipart upload (a few bytes: a lone part is
        the last, which may be smaller than 5 MiB) of a probe name of its own, which no other process
        writes, is completed twice with the header: the second refused with 412 (or the store's answer
        to a taken key, :meth:`refusal`) means checked; taken (200), or refused with 501 NotImplemented,
        means not. Any other answer is raised, nothing remembered. AWS's own endpoints are not asked
        (S3 checks it on the complete: :func:`_aws_s3`). The probe is deleted as
        :meth:`conditional_writes`' is (:meth:`_drop_probe`). One name per prefix: a probe left there (no
        s3:DeleteObject, or a retention) refuses the next process's FIRST complete, which tells "checked"
        as well, and no more is added; a refused upload whose abort is refused (no
        s3:AbortMultipartUpload) is warned of, each under its own key (fix 46 C2: before, each process left
        a probe of a name of its own, and an incomplete upload, silently)."""
        from botocore.exceptions import ClientError

        client = self.client()
        if _aws_s3(client):
            return True
        cache = (self.endpoint(), loc.bucket)
        with _S3_CONDITIONAL_LOCK:
            if cache in _S3_CONDITIONAL_COMPLETE:
                return _S3_CONDITIONAL_COMPLETE[cache]
        parent = loc.key.rpartition("/")[0]
        probe = f"{parent + '/' if parent else ''}{_S3_PROBE}-multipart"
        target = Location(uri=f"s3://{loc.bucket}/{probe}", scheme="s3", bucket=loc.bucket, key=probe)
        mine = uuid.uuid4().hex.encode()
        versions: list[str | None] = []
        aborts: list[Exception] = []  # the refused upload's abort refused: it stays, billed
        checked = False  # the second complete taken: the header is not checked there
        try:
            conflicts = 0  # 409 ConditionalRequestConflict answers to the write under way
            while len(versions) < 2:
                put = len(versions)
                try:
                    answer = self._put(target, mine + b"-%d" % put, "application/octet-stream", parts=True,
                                       refused_aborts=aborts, IfNoneMatch="*")
                except ClientError as exc:  # the upload is aborted by _put
                    status = _s3_status(exc)
                    if status == 409 and _s3_code(exc) == "ConditionalRequestConflict":
                        # another process's complete of the probe's name under way (one name per prefix): S3
                        # removed this upload and asks for a new one, each part sent again (S3 API reference,
                        # CompleteMultipartUpload, If-None-Match); before round 47 it was raised, and the large
                        # create that asked failed. Asked again, as create does (about 3 s in all)
                        conflicts += 1
                        if conflicts < 6:
                            time.sleep(0.05 * 2 ** conflicts)
                            continue
                        raise StoreUnavailable(
                            f"cannot tell whether {self.endpoint()} checks If-None-Match on CompleteMultipartUpload, "
                            f"so {loc.uri} was not written: the complete of the probe s3://{loc.bucket}/{probe} was "
                            f"refused with 409 (ConditionalRequestConflict) {conflicts} times (other processes "
                            "completing it at once); nothing is remembered: run it again") from exc
                    # the second refused, the first taken; or the FIRST refused: a probe left at the name
                    if status in (412, self.refusal(loc)):
                        checked = True
                        break
                    if status == 501:  # the complete refuses the header itself: not checked there
                        break
                    raise
                versions.append(answer.get("VersionId"))
                conflicts = 0
        finally:
            if versions:
                self._drop_probe(loc, probe, versions, (*cache, "multipart"))
            if aborts:
                self._warn_upload_left(loc, probe, aborts[0], (*cache, "upload"))
        with _S3_CONDITIONAL_LOCK:
            _S3_CONDITIONAL_COMPLETE[cache] = checked
        return checked

    def _large_create_refused(self, loc: Location, size: int, part: int) -> ConfigError:
        """A create sent in parts where the complete ignores ``If-None-Match`` (:meth:`conditional_completes`):
        refused, naming the fix, rather than an object another writer could replace unseen. Look, then
        write (as for a store that checks the header nowhere) would be no better than that: two writers
        at once may both write, both told they created it."""
        mib = -(-size // (1024 * 1024))
        fix = (f"set CTLOOP_S3_PART_MIB to {mib} or more (one PutObject, which it checks; at most 5120), or "
               if mib <= 5120 else "")
        return ConfigError(
            f"cannot create {loc.uri} ({mib} MiB, sent in parts over CTLOOP_S3_PART_MIB={part // (1024 * 1024)}): "
            f"{self.endpoint()} checks If-None-Match on PutObject but not on CompleteMultipartUpload, so another "
            f"writer's create could replace it and both be told they created it; nothing was written: {fix}use a "
            "store that checks it there too (S3 does; moto since getmoto/moto#9209, ministack since "
            "ministackorg/ministack#1435)")

    def _probe(self, client, loc: Location, probe: str, cache: tuple[str, str]) -> tuple[bool, int] | str:
        """Write the probe object ``probe`` twice with ``If-None-Match: *`` (other bytes the second time):
        (whether the header is checked, the status a taken key is refused with); "gone <write> <status>"
        when write 0 or 1 was refused with a 4xx other than 412 and nothing is there (the header itself
        refused, or another process's probe deleted between its refusal and the look), "held <write>
        <status>" when other bytes are there after such a refusal (which then may not be about the name
        taken). A read-back that fails other than 404 is raised, nothing cached. Only 412 and 304 (MinIO
        RELEASE.2023-11-20, minio/minio#19442: the one other answer a real store gives) mean the name
        is taken: 304 from the second write with the first write's bytes kept, or from the first write
        where a probe's bytes (:data:`_S3_PROBE_BYTES`) are there (at the shared name: a name of its own
        holds no other probe's bytes). Any other
        status to the second write with the first's bytes kept is raised, nothing cached: a transient
        refusal (409 OperationAborted, 400 IncompleteBody, RequestTimeout) of a store that ignores the
        header was learnt as its answer to a taken key, and two writers were both told they created it."""
        from botocore.exceptions import ClientError

        mine = uuid.uuid4().hex.encode()  # each write: these 32 bytes, then -0 or -1 (_S3_PROBE_SIZE)
        versions: list[str | None] = []  # each write taken: its version id (None: unversioned)
        conflicts = 0  # 409 ConditionalRequestConflict answers to the write under way
        try:
            while len(versions) < 2:
                put = len(versions)
                body = mine + b"-%d" % put
                try:
                    answer = client.put_object(Bucket=loc.bucket, Key=probe, Body=body, IfNoneMatch="*")
                    versions.append(answer.get("VersionId"))
                    conflicts = 0
                    continue
                except ClientError as exc:
                    status = _s3_status(exc)
                    if status == 409 and _s3_code(exc) == "ConditionalRequestConflict" and conflicts < 5:
                        # another process's conditional write of the shared probe name under way: asked again,
                        # as the store asks ("Retry on 409": CoreWeave's conditional writes; S3 user guide,
                        # "Conditional writes"); before round 47 a conflict on the second write was "cannot
                        # tell", and the create failed
                        conflicts += 1
                        time.sleep(0.05 * 2 ** conflicts)
                        continue
                    if status == 501 and put == 0:
                        return False, 412
                    if status is None:
                        raise
                    if status == 412:
                        return True, 412  # refused: the name was taken (by the first write, or an earlier process)
                    # another answer to a refused overwrite, or to something else (throttled, a server
                    # error, a grant refused, no such bucket): what the probe holds now tells
                    if status in (403, 404, 408, 429) or status >= 500:
                        raise
                    held = self._probe_body(loc, probe)
                    if held == body:
                        raise
                    if held is None:
                        return f"gone {put} {status}"
                    if put == 1 and held == mine + b"-0":
                        if status != 304:  # maybe a transient refusal (409 OperationAborted) of a store
                            code = exc.response.get("Error", {}).get("Code") or status  # ignoring the header
                            raise StoreUnavailable(
                                f"cannot tell whether {self.endpoint()} checks If-None-Match, so {loc.uri} was "
                                f"not written: the overwrite of the probe s3://{loc.bucket}/{probe} was refused "
                                f"with {status} ({code}), not 412 or 304; nothing is remembered: run it again "
                                "(where this recurs, the store refuses a taken name so: ctloop knows 412 and 304)"
                            ) from exc
                        return True, status  # the overwrite refused, the first write kept: its answer
                    if put == 0 and status == 304 and _S3_PROBE_BYTES.fullmatch(held):
                        return True, status  # a probe left at the name (Object Lock, no delete grant)
                    return f"held {put} {status}"
            return False, 412  # the second write taken (200): the header is not checked
        finally:
            if versions:
                self._drop_probe(loc, probe, versions, cache)

    def _probe_body(self, loc: Location, probe: str) -> bytes | None:
        """The probe's bytes, None where nothing is there (404); any other refusal (403, 500, 503) is
        raised: taken for "nothing there", it had a store that checks the header cached as refusing it."""
        from botocore.exceptions import ClientError

        try:
            return self.client().get_object(Bucket=loc.bucket, Key=probe)["Body"].read()
        except ClientError as exc:
            if _s3_status(exc) == 404:
                return None
            raise

    def refusal(self, loc: Location) -> int:
        """The status this store answers a conditional write of a taken key with (412 but where the
        probe learnt another: :meth:`conditional_writes`)."""
        with _S3_CONDITIONAL_LOCK:
            return _S3_REFUSAL.get((self.endpoint(), loc.bucket), 412)

    def _drop_probe(self, loc: Location, probe: str, versions: list[str | None], cache: tuple[str, ...]) -> None:
        """Delete the probe's writes: on a versioned bucket each version by its id (a plain delete only
        added a delete marker, and each probe stayed as a noncurrent version: docs/storage.md), else the
        key; a delete that leaves a delete marker (versioning suspended) has it deleted too. Where a
        version's delete is refused (no s3:DeleteObjectVersion, only the s3:DeleteObject docs/storage.md
        asks for; or an Object Lock retention), a plain delete hides it behind a delete marker, as before
        versions were deleted, and that marker is deleted in turn when it can be: then the refusal was
        the retention, and the probe stays visible, found by the next process's first write. A probe
        left visible (that, or no s3:DeleteObject) is warned of once per endpoint and bucket; a version
        or marker left hidden is not. The warning names a grant or the retention where the store refused
        the delete (a 4xx: 403, or MinIO's 400 InvalidRequest for a locked version); a failure to answer
        (a 5xx, 429) is named as it came, with "remove it by hand"."""
        from botocore.exceptions import ClientError

        client = self.client()
        refused = None  # a version's delete refused: hidden behind a delete marker instead
        plain = False
        try:
            for version in dict.fromkeys(versions):  # a store ignoring the header: two versions
                if version and version != "null":
                    try:
                        client.delete_object(Bucket=loc.bucket, Key=probe, VersionId=version)
                    except ClientError as exc:
                        refused = exc
                    continue
                plain = True  # unversioned (or a null version): deleted by key
            if not (plain or refused):
                return
            answer = client.delete_object(Bucket=loc.bucket, Key=probe)
        except ClientError as exc:
            self._warn_probe_left(loc, probe, exc, cache, "s3:DeleteObject")
            return
        if answer.get("DeleteMarker") and answer.get("VersionId"):
            try:
                client.delete_object(Bucket=loc.bucket, Key=probe, VersionId=answer["VersionId"])
            except ClientError:
                return  # no s3:DeleteObjectVersion: the probe stays hidden behind the marker, as before
            if refused is not None:  # the marker could be deleted, a version could not: a retention keeps it
                self._warn_probe_left(loc, probe, refused, cache, "s3:DeleteObjectVersion, or lift its Object "
                                      "Lock retention (where If-None-Match is checked, later processes find it by name and add none)")

    def _warn_upload_left(self, loc: Location, probe: str, exc, cache: tuple[str, ...]) -> None:
        """A probe upload whose complete was refused and whose abort was refused too: its part stays
        stored (and billed) until a lifecycle rule removes it. Warned of once a process per endpoint and
        bucket; a refusal (4xx but 429) names the grant."""
        with _S3_CONDITIONAL_LOCK:
            if cache in _S3_PROBES_LEFT:
                return
            _S3_PROBES_LEFT.add(cache)
        answer = getattr(exc, "response", None) or {}  # a ClientError's; none where no answer came
        status = answer.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        code = answer.get("Error", {}).get("Code") or status or type(exc).__name__
        grant = "grant s3:AbortMultipartUpload on the prefix, or " if 400 <= status < 500 and status != 429 else ""
        warnings.warn(f"left an incomplete multipart upload of the probe s3://{loc.bucket}/{probe} "
                      f"({self.endpoint()} refused to abort it: {code}; one per process that asks): {grant}add a "
                      "lifecycle rule with AbortIncompleteMultipartUpload to the bucket, or abort it by hand "
                      "(aws s3api list-multipart-uploads, abort-multipart-upload)", stacklevel=4)

    def _warn_probe_left(self, loc: Location, probe: str, exc, cache: tuple[str, ...], grant: str) -> None:
        with _S3_CONDITIONAL_LOCK:
            if cache in _S3_PROBES_LEFT:
                return
            _S3_PROBES_LEFT.add(cache)
        code = exc.response.get("Error", {}).get("Code") or _s3_status(exc)
        # a grant (or a retention) is named where the store refused the delete itself (a 4xx: 403 access
        # denied, MinIO's 400 InvalidRequest for a locked version, minio cmd/api-errors.go ErrObjectLocked),
        # not where it failed to answer (5xx, 429): a version delete refused with 503, its marker then
        # deleted, was blamed on grants and retention before; in fix 43 E2 MinIO's 400 was not
        status = _s3_status(exc) or 0
        refused = 400 <= status < 500 and status != 429
        advice = f"grant {grant} on the prefix, or remove it by hand" if refused else "remove it by hand"
        warnings.warn(f"left the {_S3_PROBE_SIZE}-byte probe object s3://{loc.bucket}/{probe} ({self.endpoint()} "
                      f"refused to delete it: {code}): {advice}", stacklevel=5)

    def exists(self, loc: Location) -> bool:
        from botocore.exceptions import ClientError

        if not loc.key:
            return False
        with self.errors(loc):
            try:
                self.client().head_object(Bucket=loc.bucket, Key=loc.key)
            except ClientError as exc:
                if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                    return False
                raise
        return True

    def missing_bucket(self, loc: Location) -> bool:
        """True only when S3 says the bucket does not exist (HeadBucket 404); a refusal (403, a
        HeadBucket write-only keys may not make) or a redirect to another region cannot tell."""
        from botocore.exceptions import ClientError

        with self.errors(loc):
            try:
                self.client().head_bucket(Bucket=loc.bucket)
            except ClientError as exc:
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                if status == 404:
                    return True
                if status in (301, 400, 403):
                    return False
                raise
        return False

    def delete(self, loc: Location) -> None:
        with self.errors(loc):  # S3 answers 204 for a missing key too
            self.client().delete_object(Bucket=loc.bucket, Key=loc.key)

    def list(self, loc: Location, suffix: str, empty: bool = True, skipped: list[str] | None = None) -> list[str]:
        keys: list[str] = []
        with self.errors(loc):
            for page in self.pages(loc, _dir_prefix(loc.key)):
                keys += [(o["Key"], o.get("Size")) for o in page.get("Contents", [])]
        return _sized_names(loc, keys, suffix, empty, skipped)

    def pages(self, loc: Location, prefix: str) -> Iterator[dict]:
        """The ListObjectsV2 pages of ``prefix``, every one: a page marked truncated (``IsTruncated``) that
        carries no ``NextContinuationToken`` is a DataSourceError. botocore's paginator ends there without a
        word, and a store answering ListObjects (V1) to a V2 request (older Ceph RGW, some gateways) is
        such a store: before round 45 a listing of its prefix stopped at the first 1,000 keys, and the
        rest of the data was left out silently. A token sent again (a store or gateway paging wrongly) is a
        DataSourceError too: botocore's paginator refused it ("The same next token was received twice"),
        and asking with it again would list the same pages forever."""
        token = None
        seen: set[str] = set()
        listed = 0
        while True:
            page = self.client().list_objects_v2(Bucket=loc.bucket, Prefix=prefix,
                                                 **({"ContinuationToken": token} if token else {}))
            listed += len(page.get("Contents", []))
            yield page
            if not page.get("IsTruncated"):
                return
            token = page.get("NextContinuationToken")
            if not token:
                raise DataSourceError(
                    f"{loc.uri}: {self.endpoint()} marked its listing of {loc.bucket}/{prefix} as cut short after "
                    f"{listed:,} keys but sent no continuation token (NextContinuationToken), so the rest cannot be "
                    "listed: the store does not implement ListObjectsV2 paging; upgrade it or read from another store")
            if token in seen:
                raise DataSourceError(
                    f"{loc.uri}: {self.endpoint()} sent the same continuation token (NextContinuationToken) twice "
                    f"while listing {loc.bucket}/{prefix} ({listed:,} keys listed so far), so its listing never "
                    "ends: the store does not implement ListObjectsV2 paging; upgrade it or read from another store")
            seen.add(token)

    def names(self, loc: Location, prefix: str, uri: str) -> Iterator[str]:
        with self.errors(loc):
            for page in self.pages(loc, prefix):
                for item in page.get("Contents", []):
                    yield item["Key"]

    def marker(self, loc: Location) -> bool:
        """Whether the object ``loc`` is a directory marker: zero bytes (the S3 console's "Create
        folder", Hadoop's S3A ``mkdirs``)."""
        with self.errors(loc):
            return int(self.client().head_object(Bucket=loc.bucket, Key=loc.key).get("ContentLength", 1)) == 0

    def first_below(self, loc: Location, prefix: str) -> str | None:
        with self.errors(loc):
            found = self.client().list_objects_v2(Bucket=loc.bucket, Prefix=prefix, MaxKeys=1).get("Contents", [])
        return found[0]["Key"] if found else None

    def objects(self, loc: Location) -> list[ObjectInfo]:
        out: list[ObjectInfo] = []
        with self.errors(loc):
            for page in self.pages(loc, _dir_prefix(loc.key)):
                out += [ObjectInfo(loc.child(o["Key"]), int(o.get("Size", 0)), str(o.get("ETag", "")).strip('"'))
                        for o in page.get("Contents", []) if _listed_name(o["Key"])]
        return sorted(out, key=lambda o: o.uri)

    def settings(self, loc: Location) -> _S3Settings:
        session, client = _s3_session(_s3_key())
        self._endpoint = client.meta.endpoint_url
        # what botocore applies and pyarrow's S3FileSystem (the AWS SDK for C++) reads from nowhere: the CA
        # bundle (a store behind a cluster's own CA: before round 46 every dataset scan failed on its
        # certificate, "SSL peer certificate ... was not OK", while boto3 read) and virtual-host addressing
        # (stores that take no path-style request, such as Alibaba OSS, configured in the AWS config file)
        ca_bundle = _s3_ca_bundle(session)
        virtual = (client.meta.config.s3 or {}).get("addressing_style") == "virtual"
        if no_sign_request("AWS_NO_SIGN_REQUEST"):  # a public bucket: no credentials, unsigned requests
            return _S3Settings(client.meta.endpoint_url, client.meta.region_name, None, ca_bundle, virtual)
        credentials = session.get_credentials()  # the AWS chain, IRSA web identity included
        if credentials is None:
            raise ConfigError(f"no AWS credentials to access {loc.uri}: {_S3_CREDENTIALS_FIX}")
        return _S3Settings(client.meta.endpoint_url, client.meta.region_name,
                           credentials.get_frozen_credentials(), ca_bundle, virtual)

    def bucket_region(self, loc: Location) -> str:
        """The region of ``loc``'s bucket as S3 names it (``x-amz-bucket-region`` of a HEAD of the bucket,
        given with a 403 too), else the client's; asked once per endpoint and bucket (a store that sends no
        such header to a HEAD it answers 200 too: before, it was asked again before every dataset scan); an
        answer naming no region that is not 200 (404: no such bucket yet; 403 from a proxy; 5xx) is not
        remembered. boto3 follows S3's
        301 PermanentRedirect to a bucket of another region; pyarrow 25.0.1's S3FileSystem does not (its
        AWS SDK for C++ client is signed for one region): a bucket outside AWS_DEFAULT_REGION read through
        boto3 and failed every dataset scan ("AWS Error UNKNOWN (HTTP status 301) during HeadObject")."""
        from botocore import exceptions as bexc

        client = self.client()
        cache = (client.meta.endpoint_url, loc.bucket)
        if cache not in _S3_BUCKET_REGIONS:
            with self.errors(loc):  # an endpoint that does not answer: one line now, not Arrow's later
                try:
                    answer = client.head_bucket(Bucket=loc.bucket)["ResponseMetadata"]
                except bexc.ClientError as exc:  # 403 (no s3:ListBucket) names it too; 404: the scan says so
                    answer = exc.response.get("ResponseMetadata", {})
            region = answer.get("HTTPHeaders", {}).get("x-amz-bucket-region")
            if not region and not 200 <= int(answer.get("HTTPStatusCode") or 500) < 300:
                # an answer that names nothing (a failing store, no such bucket yet: 404, a proxy's 403):
                # the client's region, asked again next time (before round 46 a 404 or 403 was remembered,
                # and a bucket made later in another region failed every scan of a long-lived process)
                return client.meta.region_name
            # the bucket there, no header (MinIO, Ceph RGW, most stores outside AWS): the client's region
            _S3_BUCKET_REGIONS[cache] = region or client.meta.region_name
        return _S3_BUCKET_REGIONS[cache]

    def arrow(self, loc: Location) -> tuple[pyarrow.fs.FileSystem, str]:
        import pyarrow.fs

        s = self.settings(loc)
        parts = urlsplit(s.endpoint_url)
        # an endpoint URL set anywhere botocore reads one: AWS_ENDPOINT_URL(_S3), or endpoint_url in the AWS
        # config file (its profile or a services section); before round 47 only the variables counted, and
        # with the config file alone pyarrow went to s3.<region>.amazonaws.com while boto3 went to the store
        custom = _s3_endpoint_configured()
        keys: dict = ({"anonymous": True} if s.credentials is None else
                      {"access_key": s.credentials.access_key, "secret_key": s.credentials.secret_key,
                       "session_token": s.credentials.token})
        region = self.bucket_region(loc) if loc.bucket else s.region
        # with its path (a store behind a gateway, https://gw/minio): boto3 keeps it, and so does pyarrow
        override = (parts.netloc + parts.path.rstrip("/")) if custom else None
        virtual = s.virtual and custom
        if not custom and (aws := _s3_aws_variant(region, loc.bucket)):
            # FIPS or dual-stack (AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, use_fips_endpoint in the
            # config file), which botocore applies and pyarrow 25.0.1 (the AWS SDK for C++) reads from nowhere:
            # before round 47 boto3 went to s3-fips.<region>.amazonaws.com and every dataset scan and Parquet
            # write to s3.<region>.amazonaws.com, outside the FIPS boundary the deployment asked for. Now the
            # host botocore sends the bucket's requests to, addressed as it addresses them
            override, virtual = aws
        proxy = _s3_proxy(s.endpoint_url)
        fs = pyarrow.fs.S3FileSystem(
            **keys, region=region, endpoint_override=override, scheme=parts.scheme,
            **({"proxy_options": proxy} if proxy else {}),
            connect_timeout=CONNECT_TIMEOUT_S, request_timeout=READ_TIMEOUT_S,
            retry_strategy=pyarrow.fs.AwsStandardS3RetryStrategy(max_attempts=ATTEMPTS),
            force_virtual_addressing=virtual, tls_ca_file_path=s.ca_bundle)
        return fs, f"{loc.bucket}/{loc.key}".rstrip("/")


def _env_key(prefix: str | tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The environment variables starting with ``prefix``: a cache key that changes with them."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(prefix)))


def _file_stamps(*paths: str) -> tuple:
    """(inode, size, modification time) of each file in ``paths`` (None where there is none): part of a
    cached client's key, so credentials rotated in their file (a Kubernetes Secret volume, whose files the
    kubelet replaces) are read again. An SDK reads such a file once, when its client is made: before round
    45 a long-running process kept signing with the revoked key until it was restarted."""
    stamps = []
    for path in paths:
        try:
            st = os.stat(os.path.expanduser(path))
        except (OSError, ValueError):
            stamps.append(None)
        else:
            stamps.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(stamps)


def _s3_ca_bundle(session) -> str | None:
    """The CA bundle botocore 1.44.8 verifies S3's certificate with, in its order: ``ca_bundle`` (the
    config file's, or ``AWS_CA_BUNDLE``: botocore/session.py ``create_client``), else
    ``REQUESTS_CA_BUNDLE`` (botocore/endpoint.py ``_get_verify_value``). Before, pyarrow was given only the
    first: with ``REQUESTS_CA_BUNDLE`` alone boto3 read, and every dataset scan failed on the certificate
    (curlCode 60)."""
    return session._session.get_config_variable("ca_bundle") or os.environ.get("REQUESTS_CA_BUNDLE") or None


def _s3_key() -> tuple:
    """The cache key of the S3 client: the AWS_* environment (and ``REQUESTS_CA_BUNDLE``, which botocore
    reads when the client is made: :func:`_s3_ca_bundle`) and the shared files it reads keys from."""
    return (*_env_key(("AWS_", "REQUESTS_CA_BUNDLE")), _file_stamps(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials",
                                            os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"))


_S3_CLIENTS: dict[tuple, tuple] = {}


def _s3_proxy(endpoint_url: str) -> str | None:
    """The proxy botocore 1.44.8 sends requests to ``endpoint_url`` through (``HTTPS_PROXY``, or
    ``HTTP_PROXY`` for an http endpoint, unless ``NO_PROXY`` bypasses the host: ``botocore.utils.
    get_environ_proxies``), written as pyarrow takes it (``scheme://[user:password@]host:port``: a proxy
    not starting ``http:`` or ``https:`` is http, as botocore's ``ProxyConfiguration._fix_proxy_url`` reads
    it (``//proxy:3128`` is ``http://proxy:3128``; until fix 47 B pyarrow was given ``http:////proxy:3128``,
    no proxy), and one without a port on port 80 or 443, as urllib3 connects); None without one. pyarrow
    25.0.1's AWS SDK for C++ reads no proxy variable: before round 47 boto3 went through the cluster's egress
    proxy and every dataset scan failed (``Could not resolve host``, or a timeout). A URL neither can read (a
    port that is no number) is a ConfigError naming it without its password (before fix 47 B ``:80`` was
    appended to it, and pyarrow's error quoted it, password included)."""
    from botocore.utils import get_environ_proxies

    scheme = urlsplit(endpoint_url).scheme or "https"
    proxy = get_environ_proxies(endpoint_url).get(scheme)
    if not proxy:
        return None
    if not proxy.startswith(("http:", "https:")):  # botocore 1.44.8 botocore/httpsession.py _fix_proxy_url
        proxy = ("http:" if proxy.startswith("//") else "http://") + proxy
    # the userinfo: all before the last '@' (a password may hold one). A '/', '?' or '#' in it ends the host for
    # urlsplit and urllib3 alike: ``http://user:p@ss/w@proxy:3128`` is host ``ss`` to both, and ``user:se#cret@…``
    # a port ``se`` that urlsplit's ValueError quoted (so did fix 47 B's message)
    head, at, host = proxy.partition("://")[2].rpartition("@")
    shown = f"{proxy.partition('://')[0]}://{head.partition(':')[0] + ':***' if ':' in head else '***'}@{host}" if at else proxy
    try:
        parts = urlsplit(proxy)
        port = parts.port
        unreadable = bool(re.search(r"[/?#]", head))
    except ValueError:  # urllib3 cannot read it either ("Failed to parse"): boto3's requests fail too
        unreadable = True
    if unreadable:  # the parser's words are not quoted: they may be the start of the password
        raise ConfigError(f"the {scheme} proxy {shown!r} (from {scheme.upper()}_PROXY or {scheme}_proxy) cannot be "
                          "read as http://[USER:PASSWORD@]HOST:PORT: its port must be a number, and a '/', '?', '#' "
                          "or '@' in the password must be percent-encoded (%2F, %3F, %23, %40)") from None
    if port is None and parts.hostname:
        netloc = parts.netloc.rstrip("/") + (":443" if parts.scheme == "https" else ":80")
        proxy = parts._replace(netloc=netloc).geturl()
    return proxy


def _s3_endpoint_configured() -> bool:
    """Whether botocore's S3 client was given an endpoint URL: from ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL``
    or from ``endpoint_url`` in the AWS config file (a profile's, or a ``services`` section's), unless
    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` (``ignore_configured_endpoint_urls``), read as botocore 1.44.8 reads
    it when the client is made (``session._add_configured_endpoint_provider``, ``args.
    _compute_configured_endpoint_url``). Not the ``SDK::Endpoint`` builtin of the client's endpoint rules: with
    an ``endpoints.json`` of its own under ``AWS_DATA_PATH`` botocore puts its legacy endpoint for the region there
    (``args.compute_endpoint_resolver_builtin_defaults``), and until fix 47 B a plain AWS setup counted as a
    custom endpoint: pyarrow was pinned to the client region's host, path-style."""
    from botocore.configprovider import ConfiguredEndpointProvider

    session, _ = _s3_session(_s3_key())
    core = session._session  # noqa: SLF001 - the botocore session the client was made from
    if core.get_config_variable("ignore_configured_endpoint_urls"):
        return False
    return bool(ConfiguredEndpointProvider(full_config=core.full_config, scoped_config=core.get_scoped_config(),
                                           client_name="s3").provide())


def _s3_aws_variant(region: str, bucket: str) -> tuple[str, bool] | None:
    """(host, virtual-hosted) of AWS S3's FIPS or dual-stack endpoint for ``bucket`` in ``region``
    (``s3-fips.us-west-2.amazonaws.com``, True) where botocore's client is set to use one
    (AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, or ``use_fips_endpoint``/``use_dualstack_endpoint``
    in the AWS config file), or Transfer Acceleration (``s3 = use_accelerate_endpoint = true``); else None (S3's standard endpoint, which pyarrow resolves alike). Resolved by
    botocore 1.44.8's endpoint rules for a request to the bucket, as its requests are (its
    ``meta.endpoint_url`` is not what it sends to: ``s3-fips.aws-global`` in us-east-1); path-style for a
    bucket name with a dot, which a virtual host's certificate does not cover."""
    session, client = _s3_session(_s3_key())
    config = client.meta.config
    if not (config.use_fips_endpoint or config.use_dualstack_endpoint
            or (config.s3 or {}).get("use_accelerate_endpoint")):  # Transfer Acceleration: s3-accelerate
        return None
    if region != client.meta.region_name:
        client = session.client("s3", region_name=region, config=config)
    url = client._ruleset_resolver.construct_endpoint(  # noqa: SLF001 - botocore's resolver of each request's URL
        operation_model=client.meta.service_model.operation_model("HeadObject"),
        call_args={"Bucket": bucket or "bucket", "Key": "key"}, request_context={}).url
    host = urlsplit(url).netloc
    virtual = bool(bucket) and host.startswith(f"{bucket}.")
    return (host.removeprefix(f"{bucket}.") if virtual else host), virtual


def _s3_session(env: tuple) -> tuple:
    """A boto3 session and its S3 client for the current AWS_* environment and credential files
    (:func:`_s3_key`; cached: building a client takes ~50 ms; a changed environment or file builds a new one)."""
    with _CLIENTS_LOCK:
        if env not in _S3_CLIENTS:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=CONNECT_TIMEOUT_S, read_timeout=READ_TIMEOUT_S,
                            # total_max_attempts counts the first request; botocore's max_attempts counts only the
                            # retries (botocore/config.py): before round 45 each call made ATTEMPTS + 1 attempts
                            retries={"total_max_attempts": ATTEMPTS, "mode": "standard"})
            if no_sign_request("AWS_NO_SIGN_REQUEST"):  # what `aws --no-sign-request` sends
                from botocore import UNSIGNED

                config = config.merge(Config(signature_version=UNSIGNED))
            # AWS_REGION when AWS_DEFAULT_REGION is not set: botocore reads only the latter (and the profile), the
            # other AWS SDKs, the CLI v2 and KServe's S3 credentials (serving.kserve.io/s3-region) the former;
            # before round 46 a pod given only AWS_REGION signed every request for us-east-1
            region = os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or None
            session = boto3.session.Session(region_name=region)
            try:
                client = session.client("s3", config=config)
            except ValueError as exc:  # botocore: "Invalid endpoint: minio:9000" (no scheme)
                variable = next((v for v in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL") if os.environ.get(v)), "")
                if not variable:
                    raise ConfigError(f"cannot set up the S3 client: {_first_line(exc)}") from exc
                raise ConfigError(f"{variable} {os.environ[variable]!r} is not an endpoint URL ({_first_line(exc)}): "
                                  "write it with its scheme, e.g. http://minio:9000") from exc
            _S3_CLIENTS.clear()
            _S3_CLIENTS[env] = (session, client)
        return _S3_CLIENTS[env]


# ----------------------------------------------------------------------------------------- Azure
_AZURE_CREDENTIALS_FIX = (
    "set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT_NAME with "
    "AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN, or use AKS workload identity / a "
    "managed identity (DefaultAzureCredential) with the 'Storage Blob Data Contributor' role")


@dataclass(frozen=True)
class _AzureSettings:
    account: str
    blob_url: str  # https://ACCOUNT.blob.core.windows.net, or the connection string's BlobEndpoint
    key: str | None = None
    sas: str | None = None
    connection_string: str | None = None
    anonymous: bool = False  # AZURE_NO_SIGN_REQUEST: unsigned requests (a public container)


def _connection_string_fields(text: str) -> dict[str, str]:
    fields = {}
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


def _azure_settings(loc: Location) -> _AzureSettings:
    """Where and how to reach the account of ``loc``, from the URI and the environment."""
    env = os.environ
    connection = env.get("AZURE_STORAGE_CONNECTION_STRING")
    if connection:
        fields = _connection_string_fields(connection)
        # a SAS connection string (the portal's "Generate SAS and connection string") names no
        # AccountName: its BlobEndpoint https://ACCOUNT.blob.<suffix>/ does
        endpoint_host = urlsplit(fields.get("BlobEndpoint", "")).hostname or ""
        account = fields.get("AccountName", "") or (endpoint_host.split(".", 1)[0] if ".blob." in endpoint_host else "")
        if loc.account and account and loc.account != account:
            raise ConfigError(f"{loc.uri} names storage account {loc.account!r} but "
                              f"AZURE_STORAGE_CONNECTION_STRING is for {account!r}: use one account")
        suffix = fields.get("EndpointSuffix", "core.windows.net")
        protocol = fields.get("DefaultEndpointsProtocol", "https")
        blob_url = fields.get("BlobEndpoint") or f"{protocol}://{account}.blob.{suffix}"
        blob_host = (urlsplit(blob_url).hostname or "").lower()
        own = _account_suffix(blob_host, account or loc.account or "")
        # an emulator names no cloud: its <host:port>/<account>, or Azurite's production-style
        # ACCOUNT.blob.localhost:10000 (refused until fix 47 B2)
        local = blob_host == "localhost" or blob_host.endswith(".localhost") or _is_ip(blob_host)
        if loc.suffix and own and own != loc.suffix and not local:
            if fields.get("BlobEndpoint"):
                fix = f"change its BlobEndpoint to {protocol}://{account or loc.account}.blob.{loc.suffix}"
            elif "EndpointSuffix" in fields:
                fix = f"change EndpointSuffix={suffix} to EndpointSuffix={loc.suffix} in it"
            else:
                fix = f"add EndpointSuffix={loc.suffix} to it"
            raise ConfigError(f"{_masked(loc.uri)} names an account of {loc.suffix} but AZURE_STORAGE_CONNECTION_STRING "
                              f"is for {blob_host}: {fix}, or fix the URI's host")
        if no_sign_request("AZURE_NO_SIGN_REQUEST"):  # the account's endpoint from it, never its key or SAS
            return _AzureSettings(account=account or loc.account or "", blob_url=blob_url.rstrip("/"),
                                  anonymous=True)
        return _AzureSettings(account=account or loc.account or "", blob_url=blob_url.rstrip("/"),
                              key=fields.get("AccountKey"), sas=fields.get("SharedAccessSignature"),
                              connection_string=connection)
    account = loc.account or env.get("AZURE_STORAGE_ACCOUNT_NAME") or env.get("AZURE_STORAGE_ACCOUNT")
    if not account:
        raise ConfigError(f"no Azure storage account for {loc.uri}: {_AZURE_CREDENTIALS_FIX}, or name the "
                          f"account in the URI (abfss://{loc.bucket}@ACCOUNT.dfs.core.windows.net/...)")
    # the URI's cloud (abfss://c@acct.dfs.core.usgovcloudapi.net/), else the public cloud's
    blob_url = f"https://{account}.blob.{loc.suffix or 'core.windows.net'}"
    if no_sign_request("AZURE_NO_SIGN_REQUEST"):
        return _AzureSettings(account=account, blob_url=blob_url, anonymous=True)
    # AZURE_STORAGE_ACCESS_KEY is the key KServe's storage initializer reads: one Secret serves both.
    key = (env.get("AZURE_STORAGE_ACCOUNT_KEY") or env.get("AZURE_STORAGE_KEY")
           or env.get("AZURE_STORAGE_ACCESS_KEY"))
    return _AzureSettings(account=account, blob_url=blob_url, key=key, sas=env.get("AZURE_STORAGE_SAS_TOKEN"))


def _is_ip(host: str) -> bool:
    """Whether ``host`` (as urlsplit gives it: no brackets) is an IP address."""
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _account_suffix(host: str, account: str) -> str | None:
    """The endpoint suffix of ``host`` where it is the blob host of ``account`` (``core.usgovcloudapi.net``
    of ``acct.blob.core.usgovcloudapi.net`` or ``acct.privatelink.blob.core.usgovcloudapi.net``), else None
    (an emulator's ``127.0.0.1``, a custom domain)."""
    head = f"{account.lower()}."
    if not account or not host.lower().startswith(head):
        return None
    rest = host.lower()[len(head):].removeprefix("privatelink.")
    return rest.removeprefix("blob.") if rest.startswith("blob.") else None


_AZURE_CLIENTS: dict[tuple, object] = {}
# what an unsigned listing refused (403, or Azure's 404 ResourceNotFound) may also mean (Azure's public access levels)
_AZURE_BLOB_LEVEL = ("a container public at `blob` level cannot be listed anonymously either (name one blob, or make it "
                     "public at `container` level)")


def _azure_service(settings: _AzureSettings):
    """A ``BlobServiceClient`` with bounded timeouts and retries (cached per settings and AZURE_*
    environment)."""
    cache_key = (settings, _env_key("AZURE_"))
    with _CLIENTS_LOCK:
        return _AZURE_CLIENTS.get(cache_key) or _new_azure_service(settings, cache_key)


def _new_azure_service(settings: _AzureSettings, cache_key: tuple):
    from azure.storage.blob import BlobServiceClient, ExponentialRetry

    options = {"retry_policy": ExponentialRetry(initial_backoff=1, increment_base=2,
                                                retry_total=ATTEMPTS - 1, random_jitter_range=1),
               "connection_timeout": CONNECT_TIMEOUT_S, "read_timeout": READ_TIMEOUT_S}
    if settings.anonymous:  # a public container: no credential, unsigned requests
        client = BlobServiceClient(settings.blob_url, credential=None, **options)
    elif settings.connection_string:
        try:
            client = BlobServiceClient.from_connection_string(settings.connection_string, **options)
        except ValueError as exc:  # the SDK's message names no part of the value (it holds the key)
            raise ConfigError(f"AZURE_STORAGE_CONNECTION_STRING cannot be read ({_first_line(exc)}): copy it whole "
                              "from the storage account's 'Access keys' (AccountName=...;AccountKey=...;"
                              "EndpointSuffix=...) or use the other Azure settings: "
                              f"{_AZURE_CREDENTIALS_FIX}") from exc
    elif settings.key:
        client = BlobServiceClient(settings.blob_url, credential=settings.key, **options)
    elif settings.sas:
        client = BlobServiceClient(settings.blob_url, credential=settings.sas.lstrip("?"), **options)
    else:
        import logging

        from azure.identity import DefaultAzureCredential

        # The chain logs every failed credential at WARNING; with no logging configured Python
        # would print that to stderr. The error raised by get_token says it in one line.
        azure_log = logging.getLogger("azure")
        if not any(isinstance(h, logging.NullHandler) for h in azure_log.handlers):
            azure_log.addHandler(logging.NullHandler())
        credential = DefaultAzureCredential()
        # Fail fast and once: inside the client's pipeline a missing credential is retried like
        # a network error. The credential caches the token for the client's first request.
        credential.get_token("https://storage.azure.com/.default")
        client = BlobServiceClient(settings.blob_url, credential=credential, **options)
    _AZURE_CLIENTS.clear()
    _AZURE_CLIENTS[cache_key] = client
    return client


def _azure_authentication_failed(exc) -> bool:
    """A 403 for the credential itself, not for a missing permission: Azure answers a wrong key or
    an expired SAS with AuthenticationFailed, "Server failed to authenticate the request" (Blob
    service error codes, learn.microsoft.com/rest/api/storageservices/blob-service-error-codes);
    Azurite 3.37.0 with AuthorizationFailure and the same message. A SAS without the permission
    is AuthorizationPermissionMismatch, a missing role AuthorizationFailure ("not authorized")."""
    return (_azure_code(exc) in ("AuthenticationFailed", "InvalidAuthenticationInfo")
            or "failed to authenticate" in str(exc.message or ""))


_AZURE_DATE_TOO_OLD = re.compile(r"Request date header too old: '([^']+)'")
_AZURE_TOKEN_EXPIRED = re.compile(r"Lifetime validation failed\. The token is expired")
_AZURE_MAX_AGE_S = 900  # Shared Key: "the storage services ensure that a request is no older than 15 minutes"
# azure-core takes a new token 5 minutes before the one it holds expires by this clock (DEFAULT_REFRESH_WINDOW_SECONDS,
# azure/core/pipeline/policies/_authentication.py, azure-core 1.41.0): a clock further behind sends one Azure finds expired
_AZURE_TOKEN_REFRESH_S = 300
# what Azure answers a refused credential: a Shared Key or a SAS (403), a bearer token (401, "Please refer to the
# information in the www-authenticate header"; Azure/AzureStor#119)
_AZURE_AUTH_CODES = ("AuthenticationFailed", "InvalidAuthenticationInfo")


def _azure_answer_skew(response) -> float | None:
    """Seconds this machine's clock is behind (+) or ahead of (-) the ``Date`` of Azure's answer; None without one."""
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(response.headers["Date"]).timestamp() - time.time()
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _azure_clock(exc) -> tuple[str, str, str] | None:
    """``(" N minutes behind Azure's", the rule, what Azure said)`` when Azure refused the request for this
    machine's clock; None for any other refusal. Azure refuses a request dated over 15 minutes before its
    clock (403 AuthenticationFailed for a Shared Key, 401 InvalidAuthenticationInfo for a bearer token, each
    ``<AuthenticationErrorDetail>Request date header too old: '<x-ms-date>'``): the minutes from the date
    quoted and the answer's ``Date``. An answer to a HEAD has no body (RFC 9110 9.3.2), only
    ``x-ms-error-code``: then the answer's ``Date`` over 15 minutes from this clock names the clock (as
    :func:`_clock_skew` does for S3). A bearer token Azure found expired ("Lifetime validation failed. The
    token is expired.") while this clock, over 5 minutes behind Azure's, still kept it (a managed identity's
    token expires at Azure's time) names the clock too (before round 45 these two read as a refused token)."""
    from email.utils import parsedate_to_datetime

    response = getattr(exc, "response", None)
    try:
        text = response.text() if response is not None else ""
    except Exception:  # noqa: BLE001 - a body that cannot be read: the message may still hold it
        text = ""
    said = f"{exc.message or ''}\n{text}"
    found = _AZURE_DATE_TOO_OLD.search(said)
    rule = "Azure takes requests up to 15 minutes old"
    if found is None:
        skew = _azure_answer_skew(response)
        if _AZURE_TOKEN_EXPIRED.search(said):
            if skew is None or skew <= _AZURE_TOKEN_REFRESH_S:
                return None  # the token did expire, or was kept past its time for another reason
            return (f" {skew / 60:.0f} minutes behind Azure's", "Azure found the token expired: a token is kept "
                    "until it expires by this clock", ": Lifetime validation failed. The token is expired")
        if text.strip() or _azure_code(exc) not in _AZURE_AUTH_CODES:
            return None  # a body that gives another reason, or another refusal
        if skew is None or abs(skew) <= _AZURE_MAX_AGE_S:  # a bodyless answer: all it tells is its Date
            return None
        off = f" {abs(skew) / 60:.0f} minutes {'behind' if skew > 0 else 'ahead of'} Azure's"
        return off, rule, " to a HEAD request, which carries no reason; told by the answer's Date"
    said = ": Request date header too old"
    try:
        now = parsedate_to_datetime(response.headers["Date"]).timestamp()
        skew = now - parsedate_to_datetime(found.group(1)).timestamp()
    except (AttributeError, KeyError, TypeError, ValueError):
        return " over 15 minutes behind Azure's", rule, said
    return (f" {skew / 60:.0f} minutes behind Azure's" if skew > 0 else " behind Azure's"), rule, said


def _azure_code(exc) -> str:
    """The service's error code as it sent it (``AuthenticationFailed``), not the SDK enum's repr."""
    code = getattr(exc, "error_code", None)
    return str(getattr(code, "value", code) or "")


def _azure_secret(loc: Location) -> str:
    """The setting whose key, SAS or identity was presented for ``loc``, as :func:`_azure_settings`
    chose it."""
    env = os.environ
    if env.get("AZURE_STORAGE_CONNECTION_STRING"):
        fields = _connection_string_fields(env["AZURE_STORAGE_CONNECTION_STRING"])
        what = "SAS" if fields.get("SharedAccessSignature") and not fields.get("AccountKey") else "account key"
        return f"{what} in AZURE_STORAGE_CONNECTION_STRING"
    for name in ("AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCESS_KEY"):
        if env.get(name):
            return f"account key in {name}"
    if env.get("AZURE_STORAGE_SAS_TOKEN"):
        return "SAS in AZURE_STORAGE_SAS_TOKEN"
    return "token of DefaultAzureCredential"


class _Azure(_Remote):
    name = "Azure Blob Storage"

    def __init__(self) -> None:
        self._url = ""

    def endpoint(self) -> str:
        return self._url

    def endpoint_hint(self) -> str:
        return ("check the account name and BlobEndpoint (AZURE_STORAGE_CONNECTION_STRING) and the "
                "network path to the account")

    def container(self, loc: Location):
        settings = _azure_settings(loc)
        self._url = settings.blob_url
        return _azure_service(settings).get_container_client(loc.bucket)

    @contextmanager
    def errors(self, loc: Location, listing: bool = False) -> Iterator[None]:
        """Azure's errors as ctloop's; ``listing``: the request lists the container."""
        from azure.core import exceptions as aexc

        try:
            try:
                yield
            except aexc.HttpResponseError as exc:
                if exc.status_code in (401, 403, 409) and no_sign_request("AZURE_NO_SIGN_REQUEST"):
                    # unsigned: a private container (403 AuthorizationFailure, 401 NoAuthenticationInformation)
                    # or an account that allows no public access (409 PublicAccessNotPermitted); a listing, also a
                    # container public at blob level, whose blobs are read by name only (Azure's public access
                    # levels: Get Container ACL, x-ms-blob-public-access; before fix 46 C this said "only a
                    # public container takes" unsigned requests, of a container that is public)
                    # (only 401/403: a 409 is the account forbidding anonymous access, fix 46 C2)
                    level = f"; {_AZURE_BLOB_LEVEL}" if listing and exc.status_code in (401, 403) else ""
                    raise DataSourceError(
                        f"access denied to {loc.uri} ({_azure_code(exc) or exc.status_code}): AZURE_NO_SIGN_REQUEST="
                        f"{os.environ['AZURE_NO_SIGN_REQUEST'].strip()} sends unsigned requests, which only a public "
                        f"container takes{level}: unset it and give credentials ({_AZURE_CREDENTIALS_FIX})") from exc
                raise
        except aexc.ResourceNotFoundError as exc:
            if getattr(exc, "error_code", None) == "ResourceNotFound" and no_sign_request("AZURE_NO_SIGN_REQUEST"):
                # Azure answers an anonymous request to a private container 404 ResourceNotFound, not 403, telling
                # nothing of what is there (a missing blob of a public container is BlobNotFound): before round 47
                # this said the blob did not exist, and nothing of the unsigned request. A listing is answered so for a
                # container public at `blob` level too (its blobs are read by name only): named, as for a 403, since
                # fix 47 B
                level = f"; {_AZURE_BLOB_LEVEL}" if listing else ""
                raise DataSourceError(
                    f"{loc.uri} was not found (ResourceNotFound), which is also Azure's answer to an unsigned "
                    f"request to a private container{level}: AZURE_NO_SIGN_REQUEST="
                    f"{os.environ['AZURE_NO_SIGN_REQUEST'].strip()} sends unsigned requests; check the container and "
                    f"path, or unset it and give credentials ({_AZURE_CREDENTIALS_FIX})") from exc
            if getattr(exc, "error_code", None) == "ContainerNotFound":
                raise StoreUnavailable(f"container {loc.bucket!r} of {loc.uri} does not exist: create "
                                      "it or fix the container name") from exc
            raise DataSourceError(f"{loc.uri} does not exist (container {loc.bucket!r}, blob "
                                  f"{loc.key!r})") from exc
        except aexc.ClientAuthenticationError as exc:
            if (clock := _azure_clock(exc)) is not None:  # the key is fine: the request's date is not
                raise self.clock_refused(loc, *clock, exc) from exc
            if _azure_authentication_failed(exc):  # the service refused a key, a SAS or a token
                raise ConfigError(f"Azure refused the credentials for {loc.uri}: the {_azure_secret(loc)} "
                                  f"was refused or has expired ({_azure_code(exc)}); {_AZURE_CREDENTIALS_FIX}") from exc
            # no usable credential at all (DefaultAzureCredential found none)
            raise ConfigError(f"Azure refused or found no credentials for {loc.uri} "
                              f"({_first_line(exc)}): {_AZURE_CREDENTIALS_FIX}") from exc
        except aexc.ServiceRequestError as exc:  # connection errors, after the retries
            raise self.unreachable(loc, exc) from exc
        except aexc.HttpResponseError as exc:
            cut = exc.inner_exception or exc.__cause__
            if exc.status_code is None and isinstance(cut, (aexc.DecodeError, aexc.ServiceResponseError)):
                # the SDK read a body cut short 3 times (azure/storage/blob/_download.py) and wrapped the last
                # in an HttpResponseError with no status: before round 46 "Azure refused the request ()"
                raise DataSourceError(f"{loc.uri}: the download was cut short 3 times ({_first_line(cut)}): check "
                                      f"the network path to {self.endpoint()} (a proxy or load balancer timeout)"
                                      ) from exc
            if exc.status_code == 403 and (clock := _azure_clock(exc)) is not None:
                raise self.clock_refused(loc, *clock, exc) from exc
            if exc.status_code == 403 and _azure_authentication_failed(exc):  # Azurite's answer
                raise ConfigError(f"Azure refused the credentials for {loc.uri}: the {_azure_secret(loc)} "
                                  f"was refused or has expired ({_azure_code(exc)}); {_AZURE_CREDENTIALS_FIX}") from exc
            if exc.status_code == 403:
                raise DataSourceError(f"access denied to {loc.uri} ({_azure_code(exc)}): grant the "
                                      f"identity 'Storage Blob Data Contributor' on container "
                                      f"{loc.bucket!r} or use other credentials") from exc
            answered = " ".join(str(part) for part in (exc.status_code, _azure_code(exc)) if part)
            if exc.status_code == 429 or _azure_code(exc) == "ServerBusy":
                # past the retries: the account's or a partition's request rate (Azure Storage scalability
                # targets). Before round 46 "Azure refused the request", one blob's fault: the blob import
                # went on asking the throttled account blob after blob
                raise StoreUnavailable(f"Azure ({self.endpoint()}) throttled the requests for {loc.uri}: it answered "
                                       f"{answered} {self.retried()}: lower the request rate (fewer jobs reading or "
                                       "writing the account at once) and run again") from exc
            if isinstance(exc.status_code, int) and exc.status_code >= 500:
                raise StoreUnavailable(f"Azure ({self.endpoint()}) is failing for {loc.uri}: it answered {answered} "
                                       f"{self.retried()}; the store, not the network path: run again later") from exc
            raise DataSourceError(f"{loc.uri}: Azure refused the request ({answered})") from exc
        except aexc.AzureError as exc:  # ServiceResponseError (timeouts) and the like
            raise self.unreachable(loc, exc) from exc

    @staticmethod
    def clock_refused(loc: Location, behind: str, rule: str, said: str, exc) -> ConfigError:
        """Azure refused a request for its date, not its key: before round 44 this read as a refused or
        expired key, and a key that was fine was rotated (a HEAD's refusal until fix 44E, a bearer token's
        until round 45). ``rule`` is Azure's; a Shared Key's is named as such, as before."""
        secret = _azure_secret(loc)
        if rule.startswith("Azure takes") and secret.startswith("account key"):
            rule = "Shared Key requests may be 15 minutes old"
        elif rule.startswith("Azure found") and secret.startswith("token"):
            rule = rule.replace("a token", f"the {secret}", 1)
        return ConfigError(f"Azure refused the request for {loc.uri} because this machine's clock is{behind} "
                           f"({rule}; {_azure_code(exc)}{said}): sync it (NTP, chrony; in a container, the node's "
                           "clock)")

    @staticmethod
    def name_check(loc: Location) -> None:
        """ConfigError for a blob name with a path segment ending in a dot ('./x', 'd/../e', 'v2./m'):
        Azure's naming rules say no path segment should end with one (learn.microsoft.com rest/api/
        storageservices/naming-and-referencing-containers--blobs--and-metadata): the URL path is
        normalised on the way, the signed one no longer matches, and the answer is a 403 that reads
        like a refused key."""
        segment = next((part for part in loc.key.split("/") if part.endswith(".")), None)
        if segment is not None:
            raise ConfigError(f"{loc.uri}: Azure blob names cannot have a path segment ending in a dot "
                              f"({segment!r}): Azure rewrites such URL paths, so no request for it can "
                              "be signed; rename the blob or the path")

    def read(self, loc: Location) -> bytes:
        self.name_check(loc)
        with self.errors(loc):
            # the stored bytes: azure-core's decoding of a Content-Encoding: gzip blob downloaded
            # in chunks (over max_single_get_size, 32 MiB) drops data (Azure/azure-sdk-for-python
            # #23714, azure-storage-blob 12.31.1); read_table gunzips by the bytes' magic instead
            return self.container(loc).download_blob(loc.key, decompress=False).readall()

    def write(self, loc: Location, data: bytes, content_type: str) -> None:
        from azure.storage.blob import ContentSettings

        self.name_check(loc)
        with self.errors(loc):
            self.container(loc).upload_blob(loc.key, data, overwrite=True,
                                            content_settings=ContentSettings(content_type=content_type))

    def create(self, loc: Location, data: bytes, content_type: str) -> bool:
        from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
        from azure.storage.blob import ContentSettings

        self.name_check(loc)
        token = uuid.uuid4().hex  # this create's own mark on the blob (CREATE_TOKEN; a C# identifier)
        with self.errors(loc):
            try:  # overwrite=False: If-None-Match: *, which Azure checks
                self.container(loc).upload_blob(loc.key, data, overwrite=False, metadata={CREATE_TOKEN: token},
                                                content_settings=ContentSettings(content_type=content_type))
            except ResourceExistsError:
                # made by this create when it holds its token: azure-core retried an upload whose answer
                # was lost
                try:
                    held = self.container(loc).get_blob_client(loc.key).get_blob_properties().metadata
                except ResourceNotFoundError:
                    return False
                return (held or {}).get(CREATE_TOKEN) == token
        return True

    def exists(self, loc: Location) -> bool:
        if not loc.key:
            return False
        self.name_check(loc)
        with self.errors(loc):
            blob = self.container(loc).get_blob_client(loc.key)
            if not no_sign_request("AZURE_NO_SIGN_REQUEST"):
                return bool(blob.exists())
            from azure.core.exceptions import ResourceNotFoundError

            try:  # unsigned: Azure answers one to a private container 404 ResourceNotFound, which the SDK's
                blob.get_blob_properties()  # exists() took for "no such blob" before round 47; errors() names it
            except ResourceNotFoundError as exc:
                if getattr(exc, "error_code", None) == "ResourceNotFound":
                    raise
                return False  # BlobNotFound, ContainerNotFound: nothing there, as exists() answers
            return True

    def missing_bucket(self, loc: Location) -> bool:
        """True only when Azure says the container does not exist; a refusal (a SAS that may
        write blobs but not read the container's properties) cannot tell."""
        from azure.core.exceptions import HttpResponseError

        with self.errors(loc):
            try:
                return not self.container(loc).exists()
            except HttpResponseError as exc:
                if exc.status_code == 403:
                    return False
                raise

    def delete(self, loc: Location) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        self.name_check(loc)
        with self.errors(loc):
            try:
                self.container(loc).delete_blob(loc.key)
            except ResourceNotFoundError as exc:
                if getattr(exc, "error_code", None) != "BlobNotFound":
                    raise

    def list(self, loc: Location, suffix: str, empty: bool = True, skipped: list[str] | None = None) -> list[str]:
        with self.errors(loc, listing=True):
            sized = [(b.name, b.size) for b in self.container(loc).list_blobs(name_starts_with=_dir_prefix(loc.key))]
        return _sized_names(loc, sized, suffix, empty, skipped)

    def names(self, loc: Location, prefix: str, uri: str) -> Iterator[str]:
        from azure.core import exceptions as aexc

        with self.errors(loc, listing=True):
            container = self.container(loc)
            try:
                yield from (container.list_blob_names(name_starts_with=prefix) if hasattr(container, "list_blob_names")
                            else (b.name for b in container.list_blobs(name_starts_with=prefix)))
            except aexc.HttpResponseError as exc:
                if exc.status_code != 403 or no_sign_request("AZURE_NO_SIGN_REQUEST"):  # unsigned: errors() says it
                    raise
                raise ConfigError(f"{uri}: the credentials cannot list container {loc.bucket!r} (List permission; "
                                  f"Azure answered 403 {_azure_code(exc)}), which reading a prefix or a glob needs: "
                                  "use a SAS with List ('l') on the container or a role such as 'Storage Blob Data "
                                  "Reader', or name one blob (a SAS scoped to one blob reads only that blob)") from exc

    def marker(self, loc: Location) -> bool:
        """Whether the blob ``loc`` is a directory marker: zero bytes, or metadata ``hdi_isfolder=true``
        (how a hierarchical-namespace directory and blobfuse2's directories appear as blobs)."""
        with self.errors(loc):
            props = self.container(loc).get_blob_client(loc.key).get_blob_properties()
        return props.size == 0 or str((props.metadata or {}).get("hdi_isfolder", "")).lower() == "true"

    def first_below(self, loc: Location, prefix: str) -> str | None:
        with self.errors(loc, listing=True):
            return next(iter(self.container(loc).list_blobs(name_starts_with=prefix, results_per_page=1)),
                        {"name": None})["name"]

    def objects(self, loc: Location) -> list[ObjectInfo]:
        with self.errors(loc, listing=True):
            blobs = [(b.name, b.size, b.etag, bytes(b.content_settings.content_md5 or b"").hex()) for b in
                     self.container(loc).list_blobs(name_starts_with=_dir_prefix(loc.key))]
        return sorted((ObjectInfo(loc.child(n), int(size or 0), str(etag or "").strip('"'), md5)
                       for n, size, etag, md5 in blobs if _listed_name(n)), key=lambda o: o.uri)

    def arrow(self, loc: Location) -> tuple[pyarrow.fs.FileSystem, str]:
        import pyarrow.fs

        s = _azure_settings(loc)
        if not s.account:
            raise ConfigError(f"pyarrow needs the storage account of {loc.uri}: add AccountName=... to "
                              "AZURE_STORAGE_CONNECTION_STRING or name it in the URI "
                              f"(abfss://{loc.bucket}@ACCOUNT.dfs.core.windows.net/...)")
        parts = urlsplit(s.blob_url)
        options: dict = {"account_name": s.account}
        netloc, account = parts.netloc.lower(), s.account.lower()
        if netloc.startswith(f"{account}.") and parts.path.strip("/").lower() != account:
            # the account's own host, not the public cloud's default: another Azure cloud (EndpointSuffix=
            # core.usgovcloudapi.net, core.chinacloudapi.cn), a Private Link name (<account>.privatelink.blob.
            # core.windows.net). Arrow builds <account><authority> from an authority starting with '.', else
            # <authority>/<account> (its emulator form: apache/arrow cpp/src/arrow/filesystem/azurefs.cc
            # BuildBaseUrl, pyarrow 25.0.1). Before round 47 such an account was given its host, and every
            # dataset scan asked for <host>/<account>/<container>/...: a container named like the account
            blob = netloc[len(account):]
            if blob != ".blob.core.windows.net":
                options.update(blob_storage_authority=blob, blob_storage_scheme=parts.scheme,
                               dfs_storage_authority=blob.replace(".blob.", ".dfs.", 1), dfs_storage_scheme=parts.scheme)
        elif parts.hostname != f"{s.account}.blob.core.windows.net":  # Azurite: <host:port>/<account>
            options.update(blob_storage_authority=parts.netloc, blob_storage_scheme=parts.scheme,
                           dfs_storage_authority=parts.netloc, dfs_storage_scheme=parts.scheme)
        if s.anonymous:
            # pyarrow 25.0.1 has no anonymous option: without a key or SAS it takes DefaultAzureCredential.
            # An empty SAS is appended to the account URL as it is (below): requests with no signature
            options["sas_token"] = "?"
        elif s.key:
            options["account_key"] = s.key
        elif s.sas:
            # with its '?': Arrow appends the token to the account URL as it is (AzureOptions::
            # MakeBlobServiceClient, AccountBlobUrl(account) + sas_token_, apache/arrow cpp/src/arrow/
            # filesystem/azurefs.cc, pyarrow 25.0.1); without it the SAS became a path segment and every
            # request of the dataset reader failed ("OutOfRangeInput", "GetProperties failed")
            options["sas_token"] = "?" + s.sas.lstrip("?")
        # else: Arrow's own DefaultAzureCredential chain (workload identity, managed identity)
        return pyarrow.fs.AzureFileSystem(**options), f"{loc.bucket}/{loc.key}".rstrip("/")


_BACKENDS = {"file": _Local, "gs": _Gcs, "s3": _S3, "az": _Azure}


def _backend(uri: str):
    loc = parse(uri)
    return _BACKENDS[loc.scheme](), loc


# --------------------------------------------------------------------------- operations
def read_bytes(uri: str) -> bytes:
    """The whole content of a local file or an object."""
    backend, loc = _backend(uri)
    _need_key(loc)
    return backend.read(loc)


def write_bytes(uri: str, data: bytes, content_type: str | None = None) -> None:
    """Write ``data`` to ``uri`` (replacing it): atomic for local files (temporary file + rename) and
    on the disk when it returns (file and directory flushed), and objects appear whole.
    ``content_type`` defaults to a guess from the name."""
    backend, loc = _backend(uri)
    _need_key(loc)
    _refuse_folder(uri, loc)
    backend.write(loc, data, content_type or mimetypes.guess_type(loc.key)[0] or "application/octet-stream")


def create_bytes(uri: str, data: bytes, content_type: str | None = None) -> bool:
    """Write ``data`` to ``uri`` only if nothing is there yet: True when written, False (nothing
    written) when a file or object of that name exists, also one another writer made a moment
    before. The store decides, in one request, so of two writers exactly one creates it: a local
    file is linked into place (``link(2)`` refuses a taken name; where there are no hard links, renamed
    into place under an ``O_EXCL`` lock: :func:`_create_by_rename`), S3 is sent ``If-None-Match: *``, GCS ``ifGenerationMatch=0``, Azure ``If-None-Match: *``
    (``overwrite=False``)."""
    backend, loc = _backend(uri)
    _need_key(loc)
    _refuse_folder(uri, loc)
    return backend.create(loc, data, content_type or mimetypes.guess_type(loc.key)[0] or "application/octet-stream")


def exists(uri: str) -> bool:
    """True if ``uri`` is an existing file or object (a directory or prefix is not)."""
    backend, loc = _backend(uri)
    return backend.exists(loc)


def delete(uri: str) -> None:
    """Remove the file or object ``uri``; one that is already gone is no error (a cleanup may be
    retried). A missing bucket or container is an error."""
    backend, loc = _backend(uri)
    _need_key(loc)
    backend.delete(loc)


SCRATCH_PREFIXES = ("_", ".")
"""A path component below a listed directory starting with one of these is no data: Spark's
``_temporary/`` attempt directories and ``_SUCCESS``/``_committed_*`` markers, Hadoop's
``.<name>.crc`` checksums, the ``.part-*`` in-progress files of Flink and Hadoop streaming writers,
ctloop's own ``_quarantine``/``_schema``. Hadoop's ``FileInputFormat.hiddenFileFilter`` and
pyarrow.dataset's default ``ignore_prefixes=['.', '_']`` (pyarrow 25.0.1, ``pyarrow/dataset.py``)."""


def is_scratch(rel: str) -> bool:
    """Whether ``rel``, a path relative to a listed directory, is no data (:data:`SCRATCH_PREFIXES`):
    the one rule :func:`list_files`, :func:`list_objects` and the dataset reader
    (``ctloop.drift.streaming.open_source``) share."""
    return any(part.startswith(SCRATCH_PREFIXES) for part in rel.split("/") if part)


def hive_keys(files: list[str], base: str) -> list[str]:
    """The hive partition keys (``key=value`` directories) of ``files`` below ``base``: every
    key any file sits under, in the order first seen, as pyarrow's hive discovery reads them from
    all paths (``HivePartitioningFactory``, pyarrow 25.0.1); a file under no ``key=value`` level
    for a key (a file beside ``region=eu/``) reads that column as null, and the same keys in
    another order read by name. Before, the keys were the first listed file's: with a file
    without them listed first there was no partition column at all."""
    keys: dict[str, None] = {}
    for path in files:
        for level in path[len(base):].lstrip("/").split("/")[:-1]:
            if "=" in level:
                keys.setdefault(level.split("=", 1)[0], None)
    return list(keys)


HIVE_CHECK_READS = 16
"""Files whose schema :func:`check_hive_columns` reads at a time off a filesystem that is not local."""


def check_hive_columns(uri: str, dataset: Any, keys: list[str]) -> None:
    """Refuse a partitioned ``dataset`` (a ``pyarrow.dataset`` with hive ``keys``) whose files
    hold a column named like a ``key=value`` directory above them with other values: pyarrow
    reads the directory's value there and drops the file's without a word (the partition
    expression's known value replaces the column, pyarrow 25.0.1; apache/arrow#26333), and so
    does Spark (partition values are appended, the data schema's overlapping columns not read:
    ``HadoopFsRelation``/``PartitioningUtils.mergeDataAndPartitionSchema``, Spark 3.5). Files
    holding the same value as their directory (pandas ``to_parquet`` of each group with the
    column kept) read as before, and so does a file under no ``key=value`` level for the key (a
    file beside ``region=eu/``): pyarrow reads its own values there. The physical schema of every
    file under a ``key=value`` level is looked at (a Parquet footer, a CSV file's first block; before,
    only the first file's, and a later file's column was replaced silently), up to 16 at a time on a
    filesystem that is not local (one request each on an object store: one after the other, 400 CSV
    files behind a 30 ms round trip took 12.6 s, 16 at a time 1.2 s); a file's own values of such a
    column are read only when it holds it."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as pads

    if not keys:
        return
    # only a file under a key=value level for a key can lose its own values; a file beside them is read
    # as it is. Its schema (a Parquet footer, a CSV file's first block) is one request each on an object
    # store: several at a time there (the reads are cached by pyarrow's fragments for the later scan)
    fragments = []
    for fragment in dataset.get_fragments():
        known = pads.get_partition_keys(fragment.partition_expression)
        if any(k in known for k in keys):
            fragments.append((fragment, known))
    try:
        import pyarrow.fs as pafs

        if isinstance(dataset.filesystem, pafs.LocalFileSystem) or len(fragments) < 2:
            schemas = [f.physical_schema for f, _ in fragments]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(HIVE_CHECK_READS, len(fragments))) as pool:
                schemas = list(pool.map(lambda pair: pair[0].physical_schema, fragments))
        for (fragment, known), physical in zip(fragments, schemas, strict=True):
            # a key the file's directories give no value for (null or not): pyarrow reads the file's own
            held = [k for k in keys if k in known and k in physical.names]
            if not held:
                continue
            own = dataset.format.make_fragment(fragment.path, dataset.filesystem).to_table(columns=held)
            for key in held:
                values = pc.unique(own.column(key))
                value = known.get(key)
                if value is None:
                    differ = values.filter(pc.is_valid(values))
                else:
                    kind = dataset.schema.field(key).type
                    try:
                        typed = pc.cast(values, kind)
                    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                        differ = values
                    else:
                        same = pc.fill_null(pc.equal(typed, pa.scalar(value, kind)), False)
                        differ = values.filter(pc.invert(same))
                if len(differ):
                    raise DataSourceError(
                        f"{uri}: column {key!r} of {fragment.path} holds {differ[0].as_py()!r}, but the file sits "
                        f"under {key}={value if value is not None else '(null)'}: the directory's value "
                        "would replace the file's (as pyarrow and Spark read a partitioned table) and the file's "
                        f"values be lost; rename the column {key!r} in the file, or write the files without it "
                        "(pandas partition_cols, Spark partitionBy leave it out)")
    except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise DataSourceError(f"{uri}: cannot read a file's partition columns: {_first_line(exc)}") from exc


def has_suffix(name: str, suffix: str) -> bool:
    """Whether ``name`` ends with ``suffix`` in any case (``X.PARQUET``, ``Y.CSV.GZ``): how every
    listing matches a file's extension."""
    return name.lower().endswith(suffix.lower())


def _data_only(loc: Location, uris: list[str]) -> list[str]:
    """``uris`` (listed under ``loc``) without those :func:`is_scratch` leaves out. An object's
    path below ``loc`` is taken from its key, not from the URI's text: ``s3://b//data`` lists
    ``s3://b/data/...`` (the key ``data``), which the text ``s3://b//data`` is no prefix of, and
    every name was then looked at by its last component only (``_temporary/0/part-1.parquet``
    read as data)."""
    if loc.scheme == "file":
        root = loc.uri.rstrip("/")
        return [u for u in uris if not is_scratch(u[len(root):] if u.startswith(root) else u.rsplit("/", 1)[-1])]
    base = loc.key.rstrip("/")

    def below(uri: str) -> str:
        key = parse(uri).key
        if not base:
            return key
        if key == base or key.startswith(base + "/"):
            return key[len(base):]
        return key.rsplit("/", 1)[-1]

    return [u for u in uris if not is_scratch(below(u))]


def list_files(prefix: str, suffix: str = "", *, empty: bool = False) -> list[str]:
    """Full URIs (or paths) of every file under the directory/prefix ``prefix`` whose name ends
    with ``suffix`` (in any case: :func:`has_suffix`), recursively and sorted; ``[]`` when nothing
    is there. ``s3://b/log`` lists ``s3://b/log/...``, never ``s3://b/logs/...``. Scratch files
    below ``prefix`` (a component starting with '_' or '.': Spark's ``_temporary/``, ``_SUCCESS``,
    ``.crc``; :func:`is_scratch`) are left out, as the dataset reader leaves them out; so are
    zero-byte files (a writer's placeholder, an upload cut short: no rows in any format), as the
    dataset reader and Spark's listing leave them out (:func:`local_files`), so that the readers of
    what is listed (the label store, the inference log) read the other files; one warning per listing
    names how many were left out and the first. ``empty=True`` lists them too: for callers that
    must see every file (a ledger refusing an empty record, a clean-up removing stale files). A
    missing bucket is an error."""
    backend, loc = _backend(prefix)
    skipped: list[str] = []
    found = _addressable(loc, _data_only(loc, backend.list(loc, suffix, empty=empty, skipped=skipped)))
    if skipped := _data_only(loc, skipped):
        _warn_zero_bytes(prefix, skipped)
    return found


def _warn_zero_bytes(prefix: str, skipped: list[str]) -> None:
    """The one warning of a listing of ``prefix`` that left out the zero-byte files ``skipped``."""
    warnings.warn(f"{prefix}: left out {len(skipped)} zero-byte file(s) (no rows in any format; a writer's "
                  f"placeholder or an upload cut short), e.g. {skipped[0]}", stacklevel=3)


def list_objects(prefix: str, *, scratch: bool = False, markers: bool = False) -> list[ObjectInfo]:
    """Every file or object under the directory/prefix ``prefix`` with its size and etag (a local
    file's: its modification time and size), recursively, sorted by URI, scratch files left out
    as :func:`list_files` leaves them out (``scratch=True``: kept, for a source whose objects are
    named by ids a client chose, such as KServe's payload logger); ``[]`` when nothing is there.
    ``markers``: a table log's zero-byte folder marker (``t/_delta_log/``, :func:`_log_marker`) kept too,
    for :func:`_directory_table`'s table probe. A missing bucket is an error."""
    backend, loc = _backend(prefix)
    found = backend.objects(loc)
    # a marker is kept beside the log's files, not as an object of the log it marks (s3://b/t/_delta_log/ named)
    found = [o for o in found
             if not _log_marker(o.uri) or (markers and parse(o.uri).key.rstrip("/") != loc.key.rstrip("/"))]
    _addressable(loc, [o.uri for o in found])
    if scratch:
        return found
    kept = set(_data_only(loc, [o.uri for o in found]))
    return [o for o in found if o.uri in kept]


def _addressable(loc: Location, uris: list[str]) -> list[str]:
    """``uris``, unless one names an object whose key starts with '/': ``s3://b//x`` means the key
    ``x`` (as a prefix templated with a leading '/' does), so such an object cannot be named by a
    URI, and reading its listed URI would read another object."""
    if loc.scheme in ("s3", "gs", "az"):
        head = f"{loc.scheme}://{loc.bucket}/"
        for uri in uris:
            if uri.startswith(head + "/"):
                raise DataSourceError(f"{loc.uri}: object {uri[len(head):]!r} in {loc.scheme}://{loc.bucket} "
                                      "starts with '/': no URI can name it apart from the same name without the "
                                      "'/' (s3://bucket//x is s3://bucket/x); rename it")
    return uris


def filesystem(uri: str) -> tuple[pyarrow.fs.FileSystem, str]:
    """A ``pyarrow.fs`` filesystem for ``uri`` and the path within it (``bucket/key``, no
    scheme), for ``pyarrow.dataset`` scans of partitioned Parquet in bounded memory::

        fs, path = storage.filesystem("s3://bucket/log")
        pyarrow.dataset.dataset(path, filesystem=fs, partitioning="hive")

    Credentials and endpoints are resolved as for every other function here.
    """
    backend, loc = _backend(uri)
    return backend.arrow(loc)


def special_file(path: str) -> str | None:
    """What the local ``path`` is when it exists and is neither a file nor a directory, in words for a refusal
    (a named pipe, a device, a socket); None otherwise."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe (a FIFO; a shell's <(...) is one)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None


def refuse_unlistable(uri: str) -> None:
    """DataSourceError naming the first object below the remote source ``uri`` (a prefix, a file, or a
    glob's fixed part) whose name has an empty path segment (``d/a//b.csv``, ``d//b.csv``: valid object
    and blob names): no dataset can read it. pyarrow 25.0.1's ``AzureFileSystem`` crashes the process
    (SIGSEGV) listing a prefix recursively when it meets one; its S3 and GCS filesystems list it and then
    refuse to open it (``ArrowInvalid: Empty path component``: a traceback from the CSV reader's first
    look at each file, round 41). Asked through the SDK, whose listing is safe, before the dataset reader
    hands the prefix to pyarrow: one listing more per source. On S3 and GCS only the names the reader
    opens are checked (not scratch, :func:`is_scratch`; matched by the glob): ``d/_temporary//part.csv``
    is left out as before; on Azure every name (the listing itself crashes). Every remote source naming no glob is
    also refused when it names both an object and a prefix holding objects
    (:func:`_refuse_object_and_prefix`). Nothing is listed for a source without a glob that names an
    object (pyarrow reads it by its properties, no listing): a read-only SAS scoped to one blob, or one
    without List, reads it (before, the listing was refused and the message said the SAS "was refused
    or has expired"). An Azure listing refused (403) is a ConfigError saying the credentials cannot list."""
    loc = parse(uri)
    if loc.scheme == "file":
        return
    if _refuse_object_and_prefix(uri, loc):  # one object, named: nothing is listed
        return
    key = loc.key
    if (glob := re.search(r"[*?\[]", key)) is not None:
        key = key[:glob.start()].rpartition("/")[0]
    prefix = _dir_prefix(key)
    backend = _BACKENDS[loc.scheme]()

    def read(name: str) -> bool:
        # Azure: every name (its listing crashes on one); S3/GCS: only those the reader keeps (a scratch
        # name, or one a glob does not match, is never opened)
        if loc.scheme == "az":
            return True
        return _glob_reads(name, loc.key, prefix) if glob is not None else not is_scratch(name[len(prefix):])

    bad = next((n for n in backend.names(loc, prefix, uri) if "//" in "/" + n[len(prefix):] and read(n)), None)
    if bad is not None:
        what, where = ("blob", "container") if loc.scheme == "az" else ("object", "bucket")
        why = ("pyarrow's Azure listing cannot read it (pyarrow 25.0.1 crashes on it)" if loc.scheme == "az" else
               "pyarrow cannot open it (pyarrow 25.0.1: 'Empty path component')")
        raise DataSourceError(f"{uri}: {what} {bad!r} of {where} {loc.bucket!r} has an empty path segment ('//'): "
                              f"{why}; rename the {what} without the doubled '/', or read a prefix that does not "
                              "hold it")


def glob_match(path: str, pattern: str) -> bool:
    """Whether ``path`` matches ``pattern`` as ``glob.glob(pattern, recursive=True)`` matches it:
    ``**`` any number of names (none too), ``*``, ``?`` and ``[...]`` within one name (fnmatch's
    ``*`` crosses '/'). The rule the dataset reader matches an object store's names by
    (``ctloop.drift.streaming._glob_matches``)."""
    parts, names = pattern.split("/"), path.split("/")

    def match(i: int, j: int) -> bool:
        if i == len(parts):
            return j == len(names)
        if parts[i] == "**":
            return any(match(i + 1, k) for k in range(j, len(names) + 1))
        return j < len(names) and fnmatch.fnmatchcase(names[j], parts[i]) and match(i + 1, j + 1)

    return match(0, 0)


def _glob_reads(name: str, pattern: str, base: str) -> bool:
    """Whether the dataset reader opens the object ``name`` for the glob ``pattern`` (both keys; ``base``
    the listing prefix above the glob): the name, or a directory above it, matches the pattern
    (:func:`glob_match`); each '_'/'.' name in the match is one the pattern writes out (``g/_*.csv``
    names ``_x.csv``, ``g/*.csv`` does not); below a matched directory, nothing scratch
    (:func:`is_scratch`). As ``ctloop.drift.streaming._find_files`` picks its files."""
    parts = name.split("/")
    named = [p for p in pattern[len(base):].split("/") if p.startswith(SCRATCH_PREFIXES)]
    for end in range(len(parts), 0, -1):
        match = "/".join(parts[:end])
        if len(match) <= len(base.rstrip("/")) or not glob_match(match, pattern):
            continue
        written = all(any(fnmatch.fnmatchcase(c, p) for p in named)
                      for c in match[len(base):].split("/") if c.startswith(SCRATCH_PREFIXES))
        if written and (end == len(parts) or not is_scratch("/".join(parts[end:]))):
            return True
    return False


def _refuse_object_and_prefix(uri: str, loc: Location) -> bool:
    """DataSourceError when the source ``uri`` (no glob) names both an object ``K`` and a prefix ``K/``
    holding objects: pyarrow's filesystems answer File for ``K`` and drop a trailing '/' (pyarrow
    25.0.1), so ``s3://b/K`` and ``s3://b/K/`` both read only the object, and the files under ``K/`` were
    left out (or the source said it "holds no .parquet or .csv files"). Which one is meant cannot be
    told: the message names both. One request (a HEAD) when ``K`` is no object, a listing of one more
    when it is. True when the source names one object and no prefix of its name holds any."""
    name = loc.key.rstrip("/")
    if not name or re.search(r"[*?\[]", name):
        return False
    backend = _BACKENDS[loc.scheme]()
    one = Location(uri=loc.child(name), scheme=loc.scheme, bucket=loc.bucket, key=name, account=loc.account,
                   suffix=loc.suffix)
    if loc.scheme == "az" and any(part.endswith(".") for part in name.split("/")):
        return False  # a name Azure cannot be asked about: read() refuses it in one line
    if not backend.exists(one):
        return False
    try:
        below = backend.first_below(one, name + "/")
    except StoreUnavailable:
        raise
    except CtloopError:  # refused: credentials that read the object but may not list (a SAS scoped to one blob)
        return True
    if below is None:
        return True
    if backend.marker(one):  # a directory marker (S3 console, Hadoop, blobfuse2, Azure HNS): the prefix is meant
        return False
    raise DataSourceError(f"{uri}: {one.uri} is both an object and a prefix holding objects (e.g. "
                          f"{loc.child(below)}): the object would be read and the prefix's files left out; "
                          f"name one file, or rename the object {name!r} to read the prefix")


def arrow_error(uri: str, exc: OSError) -> CtloopError:
    """The one-line error for ``exc``, an ``OSError`` of a :func:`filesystem` call on ``uri``
    (pyarrow raises nothing finer for a refused key, an unreachable endpoint or a missing bucket,
    and its text spans lines). The store is asked once more through its own SDK, whose failure
    carries this module's message naming the URI and the setting to fix; if that call succeeds,
    the first line of Arrow's message, naming the URI."""
    backend, loc = _backend(uri)
    if loc.scheme != "file":
        try:
            backend.exists(loc)  # one request, not a listing of what may be a large prefix
        except CtloopError as err:
            return err
    return DataSourceError(f"cannot read {uri}: {_first_line(exc)}")


@contextmanager
def local_copy(uri: str) -> Iterator[Path]:
    """A local path holding ``uri``: the file itself when local, else a temporary copy of the
    object (or of every file under the prefix), removed on exit."""
    backend, loc = _backend(uri)
    if loc.scheme == "file":
        if not Path(loc.key).exists():
            raise DataSourceError(f"{uri} does not exist")
        yield Path(loc.key)
        return
    with tempfile.TemporaryDirectory(prefix="ctloop-") as tmp:
        if loc.key and backend.exists(loc):
            path = Path(tmp) / _local_name(uri, loc.key.rsplit("/", 1)[-1])
            _copy_to(path, backend.read(loc), uri)
            yield path
            return
        files = backend.list(loc, "")
        if not files:
            raise DataSourceError(f"{uri} does not exist (no object and nothing under that prefix)")
        root = Path(tmp) / (Path(loc.key.rstrip("/")).name or loc.bucket)
        base = _dir_prefix(loc.key)
        head = loc.child(base)
        for file in files:
            target = root / _local_name(file, file[len(head):])  # before parse(), which refuses '..'
            _copy_to(target, backend.read(parse(file)), file)
        yield root


def _local_name(uri: str, rel: str) -> str:
    """``rel``, an object's key below the copied prefix, as a relative local path; a key with an
    empty, '.' or '..' segment (valid on every object store) is refused naming the object: as a
    path it would name another file, or one outside the copy's directory."""
    parts = rel.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise DataSourceError(f"cannot copy {uri} to a local directory: its key has an empty, '.' or '..' "
                              "segment, which as a local path names another file; rename the object")
    return rel


def _copy_to(target: Path, data: bytes, uri: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as exc:  # a name too long, an object named like a folder of others ('a' and 'a/b')
        clash = isinstance(exc, (FileExistsError, NotADirectoryError, IsADirectoryError))
        raise DataSourceError(f"cannot copy {uri} to a local file: {exc.strerror or type(exc).__name__}"
                              f"{' (another object is named like its folder)' if clash else ''}") from exc


@contextmanager
def output_dir(uri: str) -> Iterator[Path]:
    """A local directory to write report files into; for a remote ``uri`` every file written
    there is uploaded to ``uri/<relative path>`` on a normal exit (nothing on an exception).
    A local ``uri`` is created (``--output existing.txt/sub`` is one clear error)."""
    backend, loc = _backend(uri)
    if loc.scheme == "file":
        path = Path(loc.key)
        _make_dir(path, uri)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="ctloop-out-") as tmp:
        yield Path(tmp)
        base = _dir_prefix(loc.key)
        for file in sorted(p for p in Path(tmp).rglob("*") if p.is_file()):
            rel = file.relative_to(tmp).as_posix()
            target = parse(loc.child(base + rel))
            backend.write(target, file.read_bytes(),
                          mimetypes.guess_type(rel)[0] or "application/octet-stream")


def _need_key(loc: Location) -> None:
    if loc.scheme != "file" and not loc.key:
        raise ConfigError(f"{loc.uri} names a bucket but no object: write {loc.uri.rstrip('/')}/path/to/file")
    if loc.scheme == "file" and not loc.key:
        raise ConfigError("empty local path: name a file")


def _refuse_folder(uri: str, loc: Location) -> None:
    """ConfigError for a write to a name ending with '/' (a folder, as ``write_table`` refuses): an object
    store kept the bytes as an object named ``data/`` that no listing shows (a folder marker, left out of
    every listing), and a local write dropped the '/' and wrote the file ``data``. Before round 45 both
    were acknowledged."""
    if loc.key.endswith("/") or (loc.scheme == "file" and uri.endswith(("/", os.sep))):
        raise _unwritable(uri, f"it ends with '/', which names a folder, not a file; give a file name such as "
                               f"{_masked(uri).rstrip('/')}/data.bin, or drop the trailing '/'", ConfigError)


def kserve_storage_uri(uri: str) -> str:
    """The ``storageUri`` KServe's storage initializer reads for ``uri``: ``gs://`` and ``s3://``
    unchanged; Azure as ``https://ACCOUNT.blob.core.windows.net/CONTAINER/KEY`` (KServe 0.20
    matches Azure blobs only in that form, ``python/storage/kserve_storage/kserve_storage.py``).
    MLflow's Azure artifact URIs (``wasbs://CONTAINER@ACCOUNT.blob.core.windows.net/KEY``) too."""
    wasb = re.match(r"^wasbs?://([^@/]+)@([^./]+)\.blob\.core\.windows\.net/?(.*)$", uri)
    if wasb:
        container, account, key = wasb.groups()
        return f"https://{account}.blob.core.windows.net/{container}/{key}".rstrip("/")
    if re.match(r"^(https?|pvc|hdfs|webhdfs|oci|oci\+native|hf)://", uri):
        return uri  # KServe reads these as they are
    loc = parse(uri)
    if loc.scheme != "az":
        return uri
    settings = _azure_settings(loc)
    if not settings.account:
        raise ConfigError(f"the KServe storageUri of {uri} needs its storage account: add AccountName=... to "
                          "AZURE_STORAGE_CONNECTION_STRING, set AZURE_STORAGE_ACCOUNT_NAME, or name it in the URI "
                          f"(abfss://{loc.bucket}@ACCOUNT.dfs.core.windows.net/...)")
    host = (urlsplit(settings.blob_url).hostname or "").lower()
    own = _account_suffix(host, settings.account)  # None for a custom domain (a CNAME to ACCOUNT.blob.core.windows.net)
    zone = re.fullmatch(rf"{re.escape(settings.account.lower())}\.z\d{{2}}\.blob\.storage\.azure\.net", host)
    if (own is not None and own != "core.windows.net") or zone:
        # an account of another Azure cloud (Azure Government, Azure China; its Private Link name too, until fix
        # 47 B), or an Azure DNS zone endpoint's (no ACCOUNT.blob.core.windows.net): before round 47 its model was
        # named at blob.core.windows.net, and the predictor would have fetched the public-cloud account of that name.
        # A custom domain whose first label is the account's (models.contoso.com) was refused too in fix 47 B
        raise ConfigError(f"cannot serve {uri} with KServe: its account is {host}, and KServe 0.20's storage "
                          "initializer reads Azure models only from https://ACCOUNT.blob.core.windows.net/... (its "
                          "ClusterStorageContainer's supportedUriFormats); copy the model to gs://, s3:// or an "
                          "account of the public Azure cloud")
    return f"https://{settings.account}.blob.core.windows.net/{loc.bucket}/{loc.key}".rstrip("/")


# --------------------------------------------------------------------------- tables
def table_format(uri: str, fmt: str | None = None) -> str:
    """The table format of ``uri``: explicit ``fmt`` wins, else the file extension."""
    if scheme(uri) != "file":  # an unsupported scheme first (a URL's query may be a signature: not quoted back)
        parse(uri)  # and a signed query pasted after an object's name, or a password
    if fmt:
        fmt = fmt.lower()
        if fmt not in TABLE_FORMATS:
            raise ConfigError(f"unsupported table format {fmt!r}; use one of {TABLE_FORMATS}")
        return fmt
    name = uri.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    raise ConfigError(
        f"cannot tell the format of {uri!r} from its name: ctloop reads comma-separated CSV (.csv, .csv.gz) "
        "and Parquet (.parquet, .pq)"
    )


def _number_text(value: object) -> object:
    import numbers

    if isinstance(value, str) or isinstance(value, bool) or not isinstance(value, numbers.Number) or value != value:
        return value  # text, a flag, a gap (None, NaN): as given
    if isinstance(value, numbers.Integral):
        return str(int(value))
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)  # 3.0 as a CSV writes it: '3'


# a category written as a decimal number: '3', '3.0', '01', '-2.50', '1e3' (no spaces, no '1_000', no 'nan')
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def number_categories(categories: Iterable[object]) -> dict[Decimal, tuple[str, ...]]:
    """The text categories written as decimal numbers, by their value: ``['3.0', '01', '1', 'A']``
    → ``{3: ('3.0',), 1: ('01', '1')}``. What :func:`numbers_as_text` matches a number against
    (compute it once per model and feature: :func:`trained_categories`)."""
    from decimal import Decimal

    out: dict[Decimal, list[str]] = {}
    for category in categories:
        if isinstance(category, str) and _DECIMAL_TEXT.fullmatch(category):
            out.setdefault(Decimal(category), []).append(category)
    return {value: tuple(sorted(set(texts))) for value, texts in out.items()}


@dataclass
class NumbersAsText:
    """What :func:`numbers_as_text` did to one column, added up over the calls given it: how many
    numbers were read as text, and of those how many as the one training category of that value
    written otherwise (``recoded``: 3 → '3.0', 1 → '01'), how many matched no training category
    (``unknown``) and how many matched several (``ambiguous``: '1' and '01' for 1) — the last two
    read as their own text ('3'), each with a first example."""

    numbers: int = 0
    recoded: int = 0
    unknown: int = 0
    ambiguous: int = 0
    examples: dict[str, str] = field(default_factory=dict)  # outcome → "1 → '1' ('01' and '1' trained)"

    def add(self, other: NumbersAsText) -> NumbersAsText:
        self.numbers += other.numbers
        self.recoded += other.recoded
        self.unknown += other.unknown
        self.ambiguous += other.ambiguous
        for outcome, example in other.examples.items():
            self.examples.setdefault(outcome, example)
        return self

    def note(self, column: str) -> str:
        """One line on ``column``, e.g. ``'grade': 12 number(s) read as text, 4 as the trained
        category written otherwise (3 → '3.0'), 1 matching no trained category (9 → '9')``."""
        parts = [f"{column!r}: {self.numbers:,} number(s) read as text"]
        for outcome, words in (("recoded", "as the trained category written otherwise"),
                               ("unknown", "matching no trained category"),
                               ("ambiguous", "matching several trained categories, read as their own text")):
            count = getattr(self, outcome)
            if count:
                example = self.examples.get(outcome)
                parts.append(f"{count:,} {words}" + (f" ({example})" if example else ""))
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"numbers": self.numbers, "recoded": self.recoded, "unknown": self.unknown,
                "ambiguous": self.ambiguous, "examples": dict(self.examples)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NumbersAsText:
        return cls(int(data.get("numbers", 0)), int(data.get("recoded", 0)), int(data.get("unknown", 0)),
                   int(data.get("ambiguous", 0)), {str(k): str(v) for k, v in (data.get("examples") or {}).items()})


def _number_value(value: object) -> Decimal:
    """A number's exact decimal value as it was written: 3 → 3, 2.5 → 2.5, 0.1 → 0.1 (its
    shortest repr, not the binary fraction)."""
    import numbers
    from decimal import Decimal

    if isinstance(value, Decimal):  # a Parquet decimal column's value: exact already
        return value
    if isinstance(value, numbers.Integral):
        return Decimal(int(value))
    width = getattr(value, "dtype", None)
    if width is not None and width.kind == "f" and width.itemsize < 8:  # a Parquet float column of 16 or 32 bits:
        # 0.1 as written (NumPy's shortest text at its width), not 0.100000001; a whole number exactly (8208, not 8210)
        return Decimal(int(value)) if float(value).is_integer() else Decimal(str(value))
    return Decimal(repr(float(value)))


def _narrow_read(values: np.ndarray) -> np.ndarray:
    """A float16/float32 array as float64 numbers as they were written: a fraction by its shortest text
    at its width (``0.1``, not ``0.10000000149``), a whole number exactly (``8208`` in 16 bits, whose
    shortest text ``8.21e+03`` is 8210: where the width's spacing is above 1, 2048 in 16 bits and 2**24
    in 32, the shortest text is a rounder number than the one held)."""
    import numpy as np

    out = values.astype(np.float64)  # exact: a whole number, inf, NaN as held
    with np.errstate(invalid="ignore"):
        fraction = np.isfinite(values) & (values % 1 != 0)
    if fraction.any():  # text only for the fractions (a column of codes has none): the costly step
        out[fraction] = values[fraction].astype(str).astype(np.float64)
    return out


def numbers_as_text(series: pd.Series, categories: Mapping[Decimal, tuple[str, ...]] | Iterable[object] | None = None,
                    counts: NumbersAsText | None = None) -> pd.Series:
    """Numbers given for a text column (grades '1'..'7' sent as JSON 1..7, read back as 3 or 3.0 when
    a gap made the column float, a Parquet int64 column of codes) as text; text, flags and gaps as
    given. Numbers and text never match as categories: a one-hot encoder fitted on '3' ignores 3
    (every row all zeros), and the drift engine refuses them.

    Which text: with ``categories`` (the column's training categories, or their
    :func:`number_categories`), the one category whose decimal value equals the number — '3.0'
    for 3, '01' for 1, as the training data wrote it; when none or several have that value ('1'
    and '01' both trained), the text a CSV writes for the number ('3', '2.5'), counted in
    ``counts`` as ``unknown`` or ``ambiguous`` (never silent: callers report it). Without
    ``categories``, always that text. The one rule of the serving runtime's request frames
    (``ctloop.serving.payload.to_frame``), batch scoring (``ctloop.scoring``) and the monitoring
    window's logged rows (``ctloop.monitoring.window.coerce_like``, against the reference's
    values)."""
    import numbers

    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, pd.StringDtype) or pd.api.types.is_bool_dtype(series.dtype):
        return series
    by_value = None if categories is None else (
        categories if isinstance(categories, Mapping) else number_categories(categories))
    if pd.api.types.is_float_dtype(series.dtype) and getattr(series.dtype, "itemsize", 8) < 8:
        # a Parquet float column of 16 or 32 bits (float16/float32, Float32, halffloat/float[pyarrow]) at its own
        # width (_narrow_read): 0.1 as written, not 0.10000000149 (32 bits) or 0.0999755859375 (16 bits), and a
        # whole number as the one it holds (8208, not its shortest text 8210); a category matches the value it
        # is stored as at that width ('8210' is 8208 in 16 bits)
        width = f"float{8 * series.dtype.itemsize}"
        series = pd.Series(_narrow_read(series.to_numpy(dtype=width, na_value=float("nan"))),
                           index=series.index, name=series.name)
        if by_value is not None:
            from decimal import Decimal

            with np.errstate(over="ignore"):  # every category at once: one array per call, not one per category
                held = [Decimal(repr(number)) for number in
                        _narrow_read(np.array([float(value) for value in by_value], dtype=width)).tolist()]
            if len(set(held)) == len(held):  # no two categories held as one number: the texts as they were
                by_value = dict(zip(held, by_value.values(), strict=True))
            else:
                stored: dict[Decimal, set[str]] = {}
                for number, texts in zip(held, by_value.values(), strict=True):
                    stored.setdefault(number, set()).update(texts)
                by_value = {value: tuple(sorted(texts)) for value, texts in stored.items()}
    seen: dict[object, tuple[str, str]] = {}  # number → (its text, outcome)
    tally = NumbersAsText()

    def text_of(value: object) -> object:
        if isinstance(value, str) or isinstance(value, bool) or not isinstance(value, numbers.Number) or value != value:
            return value  # text, a flag, a gap (None, NaN): as given
        if value not in seen:
            own = str(_number_text(value))
            if by_value is None or not math.isfinite(float(value)):
                seen[value] = (own, "")
            else:
                trained = by_value.get(_number_value(value), ())
                if len(trained) == 1:
                    seen[value] = (trained[0], "recoded" if trained[0] != own else "")
                    example = f"{own} → {trained[0]!r}"
                elif trained:
                    seen[value] = (own, "ambiguous")
                    example = f"{own} → {own!r}: {' and '.join(repr(t) for t in trained)} trained"
                else:
                    seen[value] = (own, "unknown")
                    example = f"{own} → {own!r}"
                if seen[value][1]:
                    tally.examples.setdefault(seen[value][1], example)
        text, outcome = seen[value]
        tally.numbers += 1
        if outcome:
            setattr(tally, outcome, getattr(tally, outcome) + 1)
        return text

    out = series.astype(object).map(text_of).astype(object)
    if counts is not None:
        counts.add(tally)
    return out


def fitted_encoder(fitted: Any) -> Any:
    """The encoder of a ColumnTransformer's fitted block: the block itself, or the last step of a
    pipeline block that has ``categories_`` (ctloop's ``categorical`` block: imputer, one-hot, and under
    hist_gradient_boosting a ``splittable`` column selection after it, ``train.core.drop_unsplittable``);
    a pipeline's last step when none has. Taken as the last step, the selection hid the encoder: the
    model had no trained categories."""
    steps = getattr(fitted, "steps", None)
    if not steps:
        return fitted
    return next((step for _, step in reversed(steps) if hasattr(step, "categories_")), steps[-1][1])


def trained_categories(model: Any) -> dict[str, list[object]]:
    """The categories each feature's one-hot encoder learnt in a fitted scikit-learn pipeline
    (ctloop's train core: ``preprocess`` ColumnTransformer → ``categorical`` imputer + one-hot; any
    ColumnTransformer step whose transformer, or a pipeline step of it, has ``categories_``:
    :func:`fitted_encoder`; the encoder's ``categories_``, without the imputer's NaN), by feature; empty
    for a model built otherwise. What :func:`numbers_as_text` matches numbers sent for a text feature against."""
    steps = getattr(model, "named_steps", None) or {}
    out: dict[str, list[object]] = {}
    for step in steps.values():  # ctloop's "preprocess"; make_pipeline's "columntransformer"
        for _, fitted, columns in getattr(step, "transformers_", []):
            encoder = fitted_encoder(fitted)
            names = columns if isinstance(columns, list) else []
            for name, cats in zip(names, getattr(encoder, "categories_", []), strict=False):
                if isinstance(name, str):
                    out[name] = [v for v in cats.tolist() if v == v]
    return out


def plain_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its missing values as NumPy's NaN where scikit-learn needs them: nullable text
    and boolean columns with gaps (pandas' ``string``/``boolean`` dtypes, what a Parquet file
    written from them reads back as) and object columns holding ``pd.NA`` (a notebook's frame) or
    ``None`` (a plain Parquet text column, an Arrow batch, JSON) become object columns with NaN, as
    the same table reads from CSV. scikit-learn's imputers compare ``pd.NA`` with itself and fail
    ("TypeError: boolean value of NA is ambiguous", sklearn/utils/fixes.py ``_object_dtype_isnan``,
    scikit-learn 1.9.1) when a model is fitted or predicts (nullable numbers, ``Int64``/``Float64``,
    they convert themselves); ``None`` equals itself, so they keep it, and the one-hot encoder learns
    it as a category of its own — a model that depended on the file format. Read through it:
    Parquet tables (:func:`read_table`), batch scoring's batches (:func:`ctloop.scoring.score`),
    training data (``train.core.fit``), the gate's holdout and the backtest's frame. The caller's
    frame is left as it was; the same frame comes back when nothing needs converting."""
    import numpy as np
    import pandas as pd

    def text_or_bool(kind: object) -> bool:
        """Whether the Arrow type ``kind`` is true/false, text, bytes or a dictionary. Not numbers, times
        (a time64 column as objects lost its nanoseconds) nor list/struct/map (refused by type)."""
        import pyarrow as pa  # installed: an ArrowDtype column needs it

        if pa.types.is_dictionary(kind):  # a category column: text, or codes the one-hot encoder learns
            return True
        views = [getattr(pa.types, name, None) for name in ("is_string_view", "is_binary_view")]  # pyarrow 16 on
        return (pa.types.is_boolean(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)
                or pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
                or pa.types.is_fixed_size_binary(kind) or any(view is not None and view(kind) for view in views))

    plain = {}
    for name in frame.columns:
        col = frame[name]
        if not isinstance(col, pd.Series):  # duplicate column names: left to the data contract
            continue
        # an Arrow column of true/false, text or bytes (pd.read_parquet(dtype_backend="pyarrow"): bool,
        # large_string, binary, dictionary) holds pd.NA as the nullable dtypes do; numbers (decimals too)
        # and times convert themselves, and list/struct/map columns stay Arrow for their type to be
        # refused by (prepare.core.refuse_nested): as objects an all-null list column passed as a feature
        nullable = isinstance(col.dtype, (pd.StringDtype, pd.BooleanDtype)) or (
            isinstance(col.dtype, pd.ArrowDtype) and text_or_bool(col.dtype.pyarrow_dtype))
        if not nullable and col.dtype != object:
            continue
        gaps = col.isna()
        if gaps.any() and (nullable or not all(isinstance(value, float) for value in col[gaps])):
            plain[name] = col.astype(object).where(~gaps, np.nan)
    if not plain:
        return frame
    out = frame.copy(deep=False)
    for name, col in plain.items():
        out[name] = col
    return out


def _decimals_as_floats(frame: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """``frame`` with its columns of ``decimal.Decimal`` values (a Parquet DECIMAL column: a
    warehouse's NUMERIC or NUMBER export, which pandas reads as objects) as float64, as the same
    table reads from CSV: as objects a feature was one-hot encoded as text, each amount a category,
    and a regression target was no number. The columns ``keep`` (a join key) stay exact: a float
    cannot tell ``9007199254740993`` from ``...992``, and keys them as ``1e-06`` where batch
    scoring keys the decimal ``0.000001`` (``ctloop.labels.store.normalise_keys``)."""
    from decimal import Decimal

    import pandas as pd

    decimals = [name for name in frame.columns if name not in keep
                and isinstance(frame[name], pd.Series) and frame[name].dtype == object
                and frame[name].notna().any()
                and all(isinstance(value, Decimal) for value in frame[name].dropna())]
    if not decimals:
        return frame
    return frame.assign(**{name: frame[name].astype(float) for name in decimals})


def _index_as_columns(uri: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (a Parquet file read by pandas) with the levels of a named index as columns: pandas
    writes ``frame.set_index("request_id")`` as a column of that name (pyarrow/pandas_compat.py,
    pyarrow 25.0.1) and reads it back as the index, where ``pyarrow.dataset`` (batch scoring, the
    streamed reader) reads it as the column it is. An unnamed index (``__index_level_0__``) and a
    RangeIndex (stored as metadata only, named or not) are no data and stay out. A level named like
    a column is refused naming it."""
    import pandas as pd

    names = [n for n in frame.index.names if n is not None]
    if not names or isinstance(frame.index, pd.RangeIndex):  # a RangeIndex is kept as metadata, no column
        return frame
    clash = next((n for n in names if n in frame.columns), None)
    if clash is not None:
        raise DataSourceError(f"{uri} holds {clash!r} twice, as a column and as the pandas index: rename one")
    unnamed = [i for i, n in enumerate(frame.index.names) if n is None]
    return frame.reset_index(level=names).reset_index(drop=True) if unnamed else frame.reset_index()


def refuse_other_separator(uri: str, columns: Any, head: bytes | None = None) -> None:
    """Refuse a CSV read as one column whose name holds ``;``, a tab or ``|`` (a spreadsheet's export
    with ';'), naming the separator: else "column 'y' is missing", or, with decimal commas, "one
    field more than its header". With the file's first bytes ``head`` (gzip-compressed or not), rows holding
    decimal commas ('-0,989363': Excel's export in a continental European locale, stop 60's banana_semicolon)
    are named with one, and the reading that keeps them (``pandas.read_csv``'s ``sep`` and ``decimal``,
    pandas 2.3 pandas/io/parsers/readers.py): the ';' replaced by ',' would split each in two."""
    if len(columns) != 1:
        return
    header = str(columns[0])
    sep = next((c for c in (";", "\t", "|") if c in header), None)
    if sep is None:
        return
    said = f"{uri} has one column {header!r}: a CSV separated by {sep!r}? ctloop reads comma-separated CSV"
    if (comma := _decimal_comma(head, sep)) is not None:
        raise DataSourceError(f"{said}; its numbers have decimal commas (e.g. {comma!r}), which {sep!r} replaced by "
                              f"',' would split in two: read it with pandas.read_csv(path, sep={sep!r}, "
                              "decimal=',') and write it as Parquet (or as CSV with ',')")
    if (comma := _decimal_comma(head, sep, thousands=True)) is not None:  # '1,000': split in two alike (review 60)
        raise DataSourceError(f"{said}; its numbers hold commas (e.g. {comma!r}: thousands separators or decimal "
                              f"commas), which {sep!r} replaced by ',' would split: read it with "
                              f"pandas.read_csv(path, sep={sep!r}, thousands=',') (or decimal=',', with thousands='.' "
                              "where dots group the thousands) and write it as Parquet (or as CSV with ',')")
    raise DataSourceError(f"{said}: write it with ',' or as Parquet")


_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+(?:[eE][-+]?\d+)?")
# '1,000', '-999,000': a thousands separator as often as a decimal comma, named as one only beside a value that is
# none ('2,5', '0,125', '1234,567'): three digits after the comma, one to three before it, not a leading 0
_THOUSANDS = re.compile(r"[-+]?[1-9]\d{0,2},\d{3}")
# '1,234,567', '1.234,56': thousands grouped, with ',' or '.' (then a decimal part)
_GROUPED = re.compile(r"[-+]?\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?")


def _decimal_comma(head: bytes | None, sep: str, thousands: bool = False) -> str | None:
    """The first field of the rows in a CSV's first bytes ``head`` (fields split at ``sep``) that is a number
    written with a decimal comma and could not be one written with a thousands separator (``_THOUSANDS``; with
    ``thousands``, one that could: '1,000'), None for none (or no ``head``)."""
    if not head:
        return None
    if head[:2] == GZIP_MAGIC:
        try:
            head = zlib.decompressobj(wbits=31).decompress(head)
        except zlib.error:
            return None
    lines = head.decode("utf-8", "replace").splitlines()[1:]  # the header out
    if not head.endswith(b"\n"):
        lines = lines[:-1]  # the last line, cut short
    for line in lines:
        for cell in line.split(sep):
            value = cell.strip().strip('"')
            if thousands:
                if "," in value and (_THOUSANDS.fullmatch(value) or _GROUPED.fullmatch(value)):
                    return value
            elif _DECIMAL_COMMA.fullmatch(value) and not _THOUSANDS.fullmatch(value):
                return value
    return None


@contextmanager
def _table_file(uri: str) -> Iterator[BinaryIO]:
    """``uri``'s stored bytes as a file to read from: a local file itself, opened (no temporary file:
    a pod with a read-only root file system and no writable temporary directory reads local files);
    an object's bytes (or a named pipe's, which cannot be read twice) written to a temporary file and
    let go of before the table is read from it. pandas then parses from the file, and the read's peak
    is the table's, not the table's and the whole file's bytes beside it (and, with a newline at its
    end, a copy of them that ``raw.strip()`` made): reading a 180 MiB CSV peaked at 576 MiB RSS before,
    397 MiB now. Where the temporary directory cannot take the bytes (none writable, less free space
    than the object, a write refused), they are read from memory instead: never a refusal of data."""
    backend, loc = _backend(uri)
    _need_key(loc)  # s3://bucket/: "names a bucket but no object", not the store's answer to a GET of ''
    if loc.scheme == "file":
        with backend.open(loc) as fh:
            if fh.seekable():
                yield fh
            else:
                with _pipe_copy(uri, fh) as copy:
                    yield copy
        return
    data = backend.read(loc)
    copy = _spilled(data)
    if copy is None:
        yield io.BytesIO(data)
        return
    del data  # the downloaded bytes are freed once written
    with copy:
        copy.raw.seek(0)
        yield copy.raw  # unbuffered, as a local file is (_Local.open)


def _temporary_dir() -> str | None:
    try:
        return tempfile.gettempdir()
    except OSError:  # FileNotFoundError: "No usable temporary directory found"
        return None


@contextmanager
def _pipe_copy(uri: str, fh: BinaryIO) -> Iterator[BinaryIO]:
    """A named pipe's bytes (read once) in a temporary file, or in memory when no temporary file can be
    made; a write refused part-way (a full disk, a size limit) is a :class:`DataSourceError` naming the
    temporary directory, as the pipe's bytes read so far cannot be read again."""
    try:
        copy = tempfile.TemporaryFile(prefix="ctloop-")
    except OSError:
        yield io.BytesIO(fh.read())
        return
    with copy:
        while True:
            try:
                block = fh.read(1 << 20)
            except OSError as exc:
                raise DataSourceError(f"cannot read {uri}: {exc.strerror or type(exc).__name__}") from exc
            if not block:
                break
            try:
                copy.write(block)
            except OSError as exc:
                raise DataSourceError(
                    f"cannot read {uri}: a file that cannot be read twice is copied to the temporary directory "
                    f"{_temporary_dir()} first, and writing it failed ({exc.strerror or type(exc).__name__}): "
                    "give the step disk there (TMPDIR, an emptyDir volume) or write the data to a file") from exc
        copy.flush()
        copy.raw.seek(0)
        yield copy.raw  # unbuffered, as a local file is (_Local.open)


def _spilled(data: bytes) -> BinaryIO | None:
    """An object's downloaded ``data`` written to a temporary file; None (read it from memory) when the
    temporary directory has less free space than the object (``shutil.disk_usage``), or none can be
    made or written. (Not a context manager: ``contextmanager`` keeps its arguments, ``data`` with them.)"""
    import shutil

    where = _temporary_dir()
    try:
        if where is None or shutil.disk_usage(where).free <= len(data):
            return None
    except OSError:
        return None
    copy = None
    try:
        copy = tempfile.TemporaryFile(prefix="ctloop-")
        copy.write(data)
        copy.flush()
    except OSError:
        if copy is not None:
            copy.close()
        return None
    return copy


def empty_csv(uri: str) -> DataSourceError:
    """The refusal of a CSV file ``uri`` of no text that is not left out (named on its own; a part too long to
    be told blank from its first bytes), as both readers say it (``read_table``; drift's and scoring's)."""
    return DataSourceError(f"{uri} is empty (no text: 0 bytes, or blank lines only)")


def _blank(fh: BinaryIO) -> bool:
    """Whether the file ``fh`` holds nothing but whitespace (read in blocks until a character that is
    not; the first block nearly always), rewound."""
    try:
        while block := fh.read(1 << 16):
            if block.strip():
                return False
        return True
    finally:
        fh.seek(0)


def memory_limit() -> tuple[int, str]:
    """The memory this process may use and where that limit is set: the machine's memory, or its
    container's limit when smaller (cgroup v2 ``memory.max``, v1 ``memory.limit_in_bytes``; in a KFP
    task the pod's ``set_memory_limit``)."""
    limits = [(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"), "the machine's memory")]
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as fh:
                text = fh.read().strip()
        except OSError:
            continue
        if text.isdigit():
            limits.append((int(text), f"the container's limit in {path}"))
    return min(limits)


def memory_bytes() -> int:
    """The memory this process may use (:func:`memory_limit`), in bytes."""
    return memory_limit()[0]


TABLE_SAMPLE_BYTES = 1 << 20
"""Bytes of a CSV's text parsed ahead of the whole file to estimate the table's size in memory
(:func:`_warn_if_large`); a file no larger is read at once."""


TABLE_WORK_FACTOR = 5
"""About how much memory working on a table takes for each byte of it: ``prepare_data`` peaked at 4.5x
a 156 MiB table (:func:`_table_bytes`; 809 MiB RSS over 105 MiB at import, a 180 MiB CSV of 1,000,000
rows x 12 columns), reading it alone at 1.8x: :func:`read_table` warns when the table takes more than
1/5 of the memory the step may use. Round 51 cut ``prepare_data``'s own copies: 2.7x (its CSV read's
peak; ``benchmarks/bench_prepare_memory.py``); the factor is kept (``ctloop backtest``'s replays were not
measured)."""


def _gib(size: float) -> str:
    return f"{size / 2**30:,.2f} GiB" if size >= 2**30 else f"{size / 2**20:,.1f} MiB"


def _warn_if_large(uri: str, kind: str, stored: int, estimate: int | None, how: str) -> None:
    """Warn, before reading it, of a table whose estimated size in memory (``estimate`` bytes, ``how`` it
    was estimated) is more than 1/:data:`TABLE_WORK_FACTOR` of the memory this process may use
    (:func:`memory_limit`), or more than all of it: the warning is the step's last line if the kernel
    kills it part-way (OOMKilled, exit 137), which before named no file. An estimate never refuses: it
    is a guess (a CSV's from its first MiB, a Parquet file's from its footer) and was up to 8x over on
    real tables (boolean Parquet columns, a time-sorted CSV with empty early rows), refusing data that
    fit (round 50 review)."""
    if estimate is None:
        return
    have, where = memory_limit()
    if estimate > have:
        warnings.warn(f"{uri} ({_gib(stored)} of {kind}) takes about {_gib(estimate)} of memory as a table "
                      f"({how}), more than the {_gib(have)} this step may use ({where}): reading it anyway (the "
                      "estimate may be high); the step is likely to be killed (OOMKilled, exit 137): give it "
                      "more memory (the KFP task's memory limit), or read fewer rows or columns (write only the "
                      "window's rows, drop unused columns; Parquet of the same table is smaller)",
                      UserWarning, stacklevel=3)
    elif estimate * TABLE_WORK_FACTOR > have:
        warnings.warn(f"{uri} ({_gib(stored)} of {kind}) takes about {_gib(estimate)} of memory as a table "
                      f"({how}); the {_gib(have)} this step may use ({where}) may not be enough to work on it "
                      f"(preparing a table took {TABLE_WORK_FACTOR}x its size): if the step is killed "
                      "(OOMKilled, exit 137), give it more memory (the KFP task's memory limit)",
                      UserWarning, stacklevel=3)


def _table_bytes(frame: pd.DataFrame) -> int:
    """The memory ``frame`` holds: its columns' arrays, and each distinct text object once (pandas' CSV
    parser makes one object of each value it reads again: ``memory_usage(deep=True)`` counted 442 MiB
    for a table of letters that holds 61 MiB)."""
    import sys

    total = int(frame.memory_usage(index=False).sum())
    for name in frame.columns:
        if frame[name].dtype == object:
            total += sum(sys.getsizeof(v) for v in {id(v): v for v in frame[name].to_numpy()}.values())
    return total


def _csv_estimate(fh: BinaryIO, size: int, compression: str | None,
                  text_columns: tuple[str, ...]) -> tuple[int | None, str]:
    """The size in memory of the table of the CSV file ``fh`` (``size`` stored bytes), extrapolated from
    its first :data:`TABLE_SAMPLE_BYTES` of text (whole lines) read as :func:`_read_csv` reads them
    (:func:`_table_bytes`) and, in a plain file, :data:`CSV_SAMPLE_PLACES` more (:func:`_csv_window`);
    a gzipped file's text by the ratio of the text
    to the stored bytes that sample took. None for a file no larger than the sample, or a sample
    pandas cannot read alone (a quoted value holding a newline cut at its end); for a gzipped file
    whose whole text fits in the sample."""
    import pandas as pd

    if compression != "gzip" and size <= TABLE_SAMPLE_BYTES:
        return None, ""
    try:
        if compression == "gzip":
            inflate = zlib.decompressobj(wbits=31)
            text, used = b"", 0
            while len(text) < TABLE_SAMPLE_BYTES and not inflate.eof:
                block = fh.read(1 << 16)
                if not block:
                    break
                used += len(block)
                text += inflate.decompress(block)
            used -= len(inflate.unused_data)
        else:
            text = fh.read(TABLE_SAMPLE_BYTES)
            used = len(text)
    except (OSError, EOFError, zlib.error):
        return None, ""  # the reader names it
    finally:
        fh.seek(0)
    cut = text.rfind(b"\n", 0, TABLE_SAMPLE_BYTES)
    if cut < 0 or (compression == "gzip" and inflate.eof) or (compression != "gzip" and used >= size):
        return None, ""  # one line, or the whole text at hand: the read is no larger
    sample = text[:cut + 1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            part = pd.read_csv(io.BytesIO(sample), dtype=dict.fromkeys(text_columns, str) or None,
                               float_precision=FLOATS)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):  # EmptyDataError is a ValueError
        return None, ""
    text_size = size * len(text) / used  # a plain file: its size; gzip: at the sample's ratio
    held, sampled, rows, places = _table_bytes(part), len(sample), len(part), 1
    if compression != "gzip" and size > (CSV_SAMPLE_PLACES + 1) * TABLE_SAMPLE_BYTES:
        for place in range(1, CSV_SAMPLE_PLACES + 1):  # a time-sorted file's early rows need not be its later ones
            window = _csv_window(fh, size * place // (CSV_SAMPLE_PLACES + 1), part.columns, text_columns)
            if window is not None:
                held, sampled, rows, places = held + window[0], sampled + window[1], rows + window[2], places + 1
    estimate = int(held * text_size / sampled)
    how = (f"its first {rows:,} rows take {_gib(held)}" if places == 1
           else f"{rows:,} rows from {places} places in it take {_gib(held)}")
    if compression == "gzip":
        how += f", about {_gib(text_size)} of text compressed {text_size / size:.1f}x"
    return estimate, how


CSV_SAMPLE_PLACES = 3
"""Places, evenly spaced after its head, where :data:`TABLE_SAMPLE_BYTES` of a plain CSV larger than
4 samples are read for its memory estimate besides its head (:func:`_csv_estimate`): from the head
alone, a time-sorted file whose early rows were mostly empty was estimated 5.3x its size (round 50
review)."""


def _csv_window(fh: BinaryIO, offset: int, names: Any, text_columns: tuple[str, ...]) -> tuple[int, int, int] | None:
    """The memory, bytes and rows of the whole lines in :data:`TABLE_SAMPLE_BYTES` of the plain CSV file
    ``fh`` from ``offset``, read with its header's ``names``; None where they cannot be read alone (a
    quoted value holding a newline, a row of other fields); rewound."""
    import pandas as pd

    try:
        fh.seek(offset)
        block = fh.read(TABLE_SAMPLE_BYTES)
    except OSError:
        return None
    finally:
        fh.seek(0)
    start, end = block.find(b"\n") + 1, block.rfind(b"\n") + 1
    if not 0 < start < end:
        return None
    lines = block[start:end]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            part = pd.read_csv(io.BytesIO(lines), header=None, names=list(names), float_precision=FLOATS,
                               dtype=dict.fromkeys(text_columns, str) or None)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
        return None
    if not isinstance(part.index, pd.RangeIndex):
        return None  # more fields than names: not this file's rows
    return _table_bytes(part), len(lines), len(part)


def _parquet_estimate(source: BinaryIO) -> tuple[int | None, str]:
    """The size in memory of a Parquet file's table, from its footer and Arrow schema: each column chunk's
    values at the width pandas holds them (:func:`_value_width`: a boolean or int8 1 byte, an int16 2, an
    int32 or float32 4, a category's code as wide as the schema's indices; 8 for the rest, and for integers and booleans with nulls,
    which pandas makes float64 or objects), text and bytes (BYTE_ARRAY, not dictionary-typed) 8 bytes a
    value (a pointer) plus the chunk's ``total_uncompressed_size`` at most (pyarrow's ``to_pandas``
    shares repeated strings); rewound. Until round 50's review every value counted 8 bytes at least:
    60 boolean columns were estimated 8x their size."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(source)
        source.seek(0)
        fields = {field.name: field.type for field in pq.read_schema(source)}
    finally:
        source.seek(0)
    total = 0
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        for j in range(group.num_columns):
            chunk = group.column(j)
            stats = chunk.statistics
            nulls = stats is None or not stats.has_null_count or stats.null_count > 0
            arrow_type = fields.get(chunk.path_in_schema, pa.null())
            width = _value_width(arrow_type, nulls)
            total += width * chunk.num_values
            if chunk.physical_type == "BYTE_ARRAY" and not pa.types.is_dictionary(arrow_type):
                total += chunk.total_uncompressed_size  # a category's values: once, not a row group's pages
    return total, f"{meta.num_rows:,} rows x {meta.num_columns:,} columns by its footer"


def _value_width(arrow_type: Any, nulls: bool) -> int:
    """Bytes a value of ``arrow_type`` takes in the column pandas reads it into (``nulls``: the chunk may
    hold a null, which makes an integer column float64 and a boolean one objects); 8 when unknown (a
    nested column's leaf, text's pointer)."""
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        return max(1, arrow_type.index_type.bit_width // 8)  # a category's code, as wide as pandas wrote it
    if pa.types.is_boolean(arrow_type) or pa.types.is_integer(arrow_type):
        return 8 if nulls else max(1, arrow_type.bit_width // 8)
    if pa.types.is_floating(arrow_type):
        return max(2, arrow_type.bit_width // 8)
    return 8


MEMORY_FIX = "give the step more memory (the KFP task's memory limit) or split the table into parts (a directory of files)"
"""What :func:`out_of_memory` advises by default."""


def out_of_memory(uri: str, *, size: int | None = None, compressed: bool = False, read: str | None = None,
                  fix: str = MEMORY_FIX, writing: str | None = None) -> DataSourceError:
    """The one line saying that the user's data ``uri`` (as the message names it: ``data: <uri>`` for a
    parameter's) does not fit in this process's memory: ``MemoryError`` (a process memory limit, ``ulimit -v`` or
    RLIMIT_AS; pyarrow's ``ArrowMemoryError`` is one) while reading it, a traceback (exit 1) in every reader but
    :func:`read_table` until round 59. ``read``: what was being read (default: the ``size`` bytes stored, a local
    file's size when not given, ``compressed``: gzip); ``writing``: instead, what was being written once ``uri`` had
    been read (a label file's labels into the store); ``fix``: what to do. Raise it ``from None``
    (:func:`memory_said` does)."""
    if writing is not None:
        return DataSourceError(f"{uri} does not fit in this process's memory: it ran out while writing {writing}: {fix}")
    if read is None:
        if size is None and not is_remote(uri) and os.path.isfile(parse(uri).key):
            size = os.path.getsize(parse(uri).key)
        gz = " (gzip-compressed: its text is larger)" if compressed else ""
        read = f"the {size:,} bytes stored{gz}" if size is not None else "it"
    return DataSourceError(f"{uri} does not fit in this process's memory: it ran out while reading {read}: {fix}")


@contextmanager
def memory_said(uri: str, *, read: str | None = None, fix: str = MEMORY_FIX,
                writing: str | None = None) -> Iterator[None]:
    """Reading the user's data ``uri`` inside (or, with ``writing``, writing what was read of it): a ``MemoryError``
    becomes :func:`out_of_memory`'s :class:`DataSourceError` (one line, exit 2 from the CLI); every reader of a
    user's table, label file, inference log or scoring input says it so (one implementation)."""
    try:
        yield
    except MemoryError as exc:
        said = out_of_memory(uri, read=read, fix=fix, writing=writing)
        for note in getattr(exc, "__notes__", ()):  # what an undo could not remove (scoring.score)
            said.add_note(note)
        raise said from None


def read_table(uri: str, fmt: str | None = None, *, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV or Parquet table from a local path or an object store URI: a file, or a directory
    (a prefix) of files as a Spark, Hive, Dask or ``pyarrow.dataset`` job writes them, read as one
    table (:func:`_read_directory`).

    ``text_columns`` are read as strings from CSV (keys such as ``00123`` stay as written), and a
    Parquet DECIMAL one stays exact (``decimal.Decimal`` values, not floats).
    Raises :class:`DataSourceError` for a missing, empty or corrupt file, naming the file; warns,
    before reading it, of a table estimated to take much of the memory this process may use
    (:func:`memory_limit`) or more (:func:`_warn_if_large`: an estimate never refuses). The table is parsed from the file (an object's from a temporary
    copy), never held as bytes beside it.
    """
    if not uri:
        raise ConfigError("no data URI given: pass a local path or gs://, s3:// or az:// URI")
    loc = parse(uri)  # the URI's own refusals (a signed query, a password) first
    if loc.scheme != "file":  # K and K/ both holding data: one table or the other cannot be told, as the dataset
        _refuse_object_and_prefix(uri, loc)  # reader refuses it (before, K read the object and K/ the prefix)
    if loc.scheme == "file" and loc.key and Path(loc.key).is_dir():
        return _read_directory(uri, loc, fmt, text_columns)
    if loc.scheme != "file" and loc.key.endswith("/"):
        return _read_directory(uri, loc, fmt, text_columns)
    if loc.scheme == "file":  # a file of a Delta Lake table named on its own, as its folder is refused (an
        refuse_table_file(uri)  # object's parents are asked when its columns are Delta's physical names: _read_file)
    try:
        return _read_file(uri, fmt, text_columns)
    except StoreUnavailable:
        raise
    except (ConfigError, DataSourceError) as exc:
        # an object store's prefix named without its '/': no object (or a zero-byte folder marker),
        # files below it (s3://b/exports/credit.parquet, as Spark names its output directory)
        if loc.scheme == "file" or not loc.key:
            raise
        try:
            below = list_objects(uri, scratch=True, markers=True)
        except CtloopError:
            raise exc from None
        if not below:
            raise
    return _read_directory(uri, loc, fmt, text_columns, below)


def directory_parts(uri: str) -> list[str] | None:
    """The data files :func:`read_table` reads ``uri`` from when it names a directory (a local one, an
    object-store prefix ending in '/', or a name no object has with files below it), in its order; None
    when it names a file (or nothing): for a caller reading a table's files again (a CSV column as
    written)."""
    loc = parse(uri)
    if loc.scheme == "file":
        if not (loc.key and Path(loc.key).is_dir()):
            return None
        return _parts(uri)
    if loc.key.endswith("/") or (loc.key and not exists(uri)):
        return _parts(uri)
    return None


def _parts(uri: str) -> list[str] | None:
    """The files of the directory ``uri`` as :func:`read_table` reads them (:func:`directory_table`), or,
    when it refuses them, every data file, in the order of their names (:func:`natural_order`)."""
    try:
        return directory_table(uri)[0]
    except CtloopError:
        return natural_order(list_files(uri)) or None


def _read_file(uri: str, fmt: str | None, text_columns: tuple[str, ...],
               int96: dict[str, set[str]] | None = None, blank: list[str] | None = None) -> pd.DataFrame | None:
    """:func:`read_table` of one file; a Parquet file's :func:`int96_columns` put in ``int96[uri]`` when
    given, from the bytes already fetched (no second read of the file). With ``blank`` (a directory's part),
    a CSV file of no text (:func:`csv_blank`: blank lines, a gzip stream of nothing) is put there and None
    returned, as the dataset reader leaves it out; named on its own it is refused."""
    import pandas as pd

    if (fmt or "").lower() != "parquet" and (refused := compressed_csv(uri, parse(uri).key, fmt)) is not None:
        raise refused  # data.format csv read its bytes as text
    kind = table_format(uri, fmt)
    with _table_file(uri) as fh:
        if blank is not None and kind == "csv" and len(head := fh.read(CSV_HEAD_BYTES)) < CSV_HEAD_BYTES \
                and csv_blank(head):  # Hadoop's gzip output of a reducer with no output: 20 bytes
            blank.append(uri)
            return None
        fh.seek(0)
        if _blank(fh):
            raise empty_csv(uri)
        size = fh.seek(0, os.SEEK_END)  # a temporary file's or a local file's size; or bytes in memory
        fh.seek(0)
        compression = None
        try:
            if kind == "parquet":
                source: BinaryIO = fh
                if fh.read(2) == GZIP_MAGIC:  # stored with Content-Encoding: gzip; Parquet starts with PAR1
                    fh.seek(0)
                    source = io.BytesIO(gzip.decompress(fh.read()))
                fh.seek(0)
                import pyarrow.parquet as pq

                names = pq.read_schema(source).names
                refuse_repeated_columns(uri, names)  # was pyarrow's "Multiple matches"
                if any(DELTA_PHYSICAL_NAME.fullmatch(name) for name in names):  # read as the table's columns
                    refuse_table_file(uri, names)
                source.seek(0)
                _warn_if_large(uri, "Parquet", size, *_parquet_estimate(source))
                if int96 is not None:
                    int96[uri] = int96_columns(pq.read_metadata(source))
                    source.seek(0)
                frame = plain_missing(_decimals_as_floats(_index_as_columns(uri, _read_parquet(source)),
                                                          keep=text_columns))
            else:
                head = fh.read(CSV_HEAD_BYTES)
                fh.seek(0)
                compression = csv_compression(head)
                refuse_other_encoding(uri, head)
                _warn_if_large(uri, "CSV", size, *_csv_estimate(fh, size, compression, text_columns))
                frame = _read_csv(uri, fh, compression, text_columns)
        except pd.errors.EmptyDataError as exc:
            raise DataSourceError(f"{uri} has no columns or rows") from exc
        except MemoryError:  # a process memory limit (ulimit -v, RLIMIT_AS): was a traceback; `from None` frees it
            raise out_of_memory(uri, size=size, compressed=compression == "gzip") from None
        except (OSError, ValueError, EOFError, zlib.error, pd.errors.ParserError) as exc:
            # pyarrow raises ArrowInvalid (a ValueError) for a corrupt Parquet file; gzip an EOFError for
            # a file cut short, zlib.error for a corrupt deflate stream
            raise DataSourceError(f"{uri} is not a readable {kind} file: {_first_line(exc)}") from exc
        if kind != "parquet":  # before the field count: ';' rows with decimal commas
            fh.seek(0)  # one column: its first bytes, for decimal commas (their own trap, named)
            first = fh.read(HEADER_SCAN_BYTES) if len(frame.columns) == 1 else None
            refuse_other_separator(uri, frame.columns, first)  # have one field more than their header ('1;0,5'
            # splits once)
        if kind != "parquet":
            if not isinstance(frame.index, pd.RangeIndex):  # pandas took the first field of each row as the index
                raise DataSourceError(
                    f"{uri}: its rows have one field more than its header ({len(frame.columns)} columns: "
                    f"{', '.join(repr(str(n)) for n in frame.columns[:10])}{', …' if len(frame.columns) > 10 else ''}): "
                    "every value would be read one column to the left, under another column's name; a delimiter at "
                    "the end of each line, or a column without a name? name every column")
            fh.seek(0)
            _refuse_repeated_header(uri, fh, compression, frame)
            _refuse_header_line_again(uri, fh, compression, frame)
            _warn_text_from(uri, frame)
    frame.attrs[TABLE_FORMAT] = kind
    return frame


def _name_format(name: str) -> str | None:
    """The table format a file's name says (:func:`table_format`'s extensions, any case), None for another."""
    low = name.lower()
    if low.endswith((".parquet", ".pq")):
        return "parquet"
    if low.endswith((".csv", ".csv.gz")):
        return "csv"
    return None


def _read_directory(uri: str, loc: Location, fmt: str | None, text_columns: tuple[str, ...],
                    objects: list[ObjectInfo] | None = None) -> pd.DataFrame:
    """The files of the directory (object-store prefix) ``uri`` as one table: what a Spark, Hive, Dask or
    ``pyarrow.dataset`` job writes (``part-00000-<uuid>-c000.snappy.parquet``, ``part-*.csv``). Its files
    are those :func:`list_files` lists: names starting with '_' or '.' on their path below ``uri`` are no
    data (``_SUCCESS``, Databricks' ``_committed_<id>``/``_started_<id>``, ``_temporary/``, ``.crc``
    sidecars: pyarrow.dataset's default ``ignore_prefixes=['.', '_']``, pyarrow 25.0.1
    ``pyarrow/dataset.py``), nor are zero-byte files (Spark's ``PartitioningAwareFileIndex``). Each file is
    read as it reads named on its own (:func:`_read_file`), in the order of their names (:func:`natural_order`), and the rows
    joined: a CSV column of other kinds in two files (numbers, booleans, text) is read as text in all of
    them, as the one CSV they split reads it; a Parquet column of other kinds in two files (text and numbers),
    or a file with other columns than the first, is refused naming the file and the column. ``key=value``
    directories (hive partitions) are columns after the files' own, each value typed as pyarrow's hive
    discovery types it (:func:`_hive_values`).

    The format is ``fmt`` or the files' names' (``.parquet``/``.pq``, ``.csv``/``.csv.gz``); a file
    without one (a Hive job's ``000000_0``) or a directory of both is a :class:`ConfigError` naming them;
    a directory without data files a :class:`DataSourceError` naming it and a file it holds."""
    import pandas as pd

    files, kind, objects = _directory_table(uri, fmt, objects=objects)  # listed once (round 54: twice before)
    root = loc.key.rstrip("/")

    def rel(name: str) -> str:
        return parse(name).key[len(root):].lstrip("/")

    int96: dict[str, set[str]] = {}  # each Parquet file's INT96 columns, from its footer as it is read
    # a CSV part of no text (Hadoop's gzip of nothing, blank lines) is left out, as the dataset reader of drift
    # and scoring leaves it out (streaming.open_source); before, it refused the whole directory
    blank: list[str] = []
    parts: list[tuple[str, pd.DataFrame]] = []
    for name in files:  # the first part with text
        if (read := _read_file(name, kind, text_columns, int96, blank)) is not None:
            parts.append((name, read))
            break
    if not parts:
        raise DataSourceError(f"{uri} holds no data: its {len(blank)} file(s) hold no text (blank lines, or an empty "
                              f"gzip stream), e.g. {one_line(rel(blank[0]))}")
    if len(files) > 1:  # the whole directory's table, from its first file's (each file is judged alone too)
        sizes = {o.uri: o.size for o in objects}
        stored, first = sum(sizes.get(name, 0) for name in files), sizes.get(parts[0][0], 0)
        if first:
            held = _table_bytes(parts[0][1])
            _warn_if_large(uri, "Parquet" if kind == "parquet" else "CSV", stored, int(held * stored / first),
                           f"{len(files)} files, by the first's {_gib(held)} as a table from {_gib(first)} stored")
    parts += [(name, read) for name in files[files.index(parts[0][0]) + 1:]
              if (read := _read_file(name, kind, text_columns, int96, blank)) is not None]
    files = [name for name in files if name not in set(blank)]
    values = _hive_values(uri, loc, files, kind, [rel(name) for name in files])  # of the parts read
    frame = _joined(uri, parts, kind, values, rel, int96)
    if isinstance(frame, list):  # CSV columns of other kinds in two files: text in all
        parts = [(name, _read_file(name, kind, (*text_columns, *frame))) for name in files]
        frame = _joined(uri, parts, kind, values, rel)
    assert isinstance(frame, pd.DataFrame)
    frame.attrs[TABLE_FORMAT] = kind
    return frame


TABLE_LOGS = {"_delta_log": "Delta Lake", ".hoodie": "Apache Hudi"}
"""Directories whose presence makes a directory a table format's, not plain files: the log of which
files are the table (Delta Lake's ``_delta_log/``, Hudi's ``.hoodie/``). Their data files include
removed ones; Databricks refuses ``format("parquet")`` of such a directory ("Incompatible format
detected ... A transaction log for Delta was found"). Apache Iceberg's ``metadata/*.metadata.json`` is
recognised too (:func:`_iceberg_metadata`), and a directory inside such a table (:func:`_table_above`)."""


def natural_order(files: list[str]) -> list[str]:
    """``files`` with the numbers in their names compared as numbers: Dask's ``part.0`` ... ``part.9``,
    ``part.10``, ``part.11``, as Dask's ``read_parquet`` orders them (``sorted(file_list,
    key=natural_sort_key)``, ``dask/dataframe/io/parquet/utils.py`` ``_sort_and_analyze_paths``); by the
    text ``part.10`` came before ``part.2`` and the rows were read out of order. Spark's zero-padded
    ``part-00002`` ... ``part-00010`` read as before."""
    def key(name: str) -> list[Any]:
        return [int(chunk) if i % 2 else chunk for i, chunk in enumerate(re.split(r"(\d+)", name))]

    return sorted(files, key=key)


def _iceberg_metadata(name: str) -> bool:
    """Whether ``name`` (below a directory) is an Apache Iceberg table's metadata file: its root holds
    ``metadata/<version>.metadata.json`` and its data files under ``data/`` (Iceberg table spec, "File
    System Tables": ``metadata/v<V>.metadata.json``; catalogs write ``<V>-<uuid>.metadata.json``)."""
    return name.startswith("metadata/") and name.count("/") == 1 and name.endswith(".metadata.json")


def _hudi_partition(name: str) -> bool:
    """Whether ``name`` (below a directory) is the marker Apache Hudi writes in each partition of a table,
    whatever its partition paths (``HoodiePartitionMetadata.HOODIE_PARTITION_METAFILE_PREFIX``, a properties
    file, or with ``.parquet``/``.orc`` in newer tables; apache/hudi ``hudi-common/.../common/model/
    HoodiePartitionMetadata.java``). Hudi's default partition paths are ``2025/01/01``, no ``key=value``
    level :func:`_table_above` could go up through."""
    return name.rpartition("/")[2] in (".hoodie_partition_metadata", ".hoodie_partition_metadata.parquet",
                                      ".hoodie_partition_metadata.orc")


_TABLE_LOOKS: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar("ctloop_table_looks", default=None)


@contextmanager
def table_looks_once() -> Iterator[None]:
    """Within it, :func:`_table_above` asks each parent directory once (for each log) and warns once that a
    parent could not be checked: a glob's matched directories share their parents (``log/model=m/date=D/``
    for each D: the same 6 requests, and the same warning on scoped credentials, once per directory). Nested:
    the outermost scope's answers."""
    token = _TABLE_LOOKS.set({}) if _TABLE_LOOKS.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _TABLE_LOOKS.reset(token)


def table_marks(names: Iterable[str]) -> dict[str, dict[str, str]]:
    """``{directory: {log: its first name}}`` from a listing's ``names`` (keys below one prefix, relative to the
    same root as the directories): each directory holding a table log (:data:`TABLE_LOGS`, a name below it),
    Iceberg's ``metadata/*.metadata.json`` (as ``metadata``) or Hudi's partition marker (as
    ``.hoodie_partition_metadata``, :func:`_hudi_partition`). Grouped once, so that each directory of a glob's
    matches, and each of their parents, is answered without going over the listing again. A log's folder
    marker (``t/_delta_log/``, a name ending in '/') is its first name only when nothing else is below it:
    a log of no commits (:func:`_no_commits`)."""
    marks: dict[str, dict[str, str]] = {}
    for name in names:
        parts = name.split("/")
        for i, part in enumerate(parts[:-1]):
            if part in TABLE_LOGS:
                held = marks.setdefault("/".join(parts[:i]), {})
                if part not in held or (held[part].endswith("/") and not name.endswith("/")):
                    held[part] = name  # a name below the log, not only its marker, when there is one
        if len(parts) > 1 and parts[-2] == "metadata" and parts[-1].endswith(".metadata.json"):
            marks.setdefault("/".join(parts[:-2]), {}).setdefault("metadata", name)
        if _hudi_partition(name):
            marks.setdefault("/".join(parts[:-1]), {}).setdefault(".hoodie_partition_metadata", parts[-1])
    return marks


_RANDOM_PREFIX = re.compile(r"[A-Za-z0-9]{2}")
"""Delta's random prefix directory under column mapping: ``delta.randomPrefixLength`` (default 2) alphanumeric
characters (``TransactionalWrite.getCommitter``, ``DeltaConfigs.RANDOM_PREFIX_LENGTH``, delta-io/delta v4.4.0)."""


def table_level(name: str, innermost: bool = False) -> str | None:
    """What a directory of the name ``name`` may be below a table's root that holds its data files: ``"level"``
    for a partition (``key=value``) or Iceberg's ``data/``, ``"prefix"`` for Delta's random prefix
    (:data:`_RANDOM_PREFIX`, ``Ab``) when it is the ``innermost`` folder looked at (Delta puts it only directly
    under the table's root: its parent is asked for ``_delta_log/`` alone, and the look ends there), else None;
    never a hidden name (``_`` or ``.`` first: Delta's PROTOCOL.md "Data Files", no data file is in one). The one
    rule by which the folders above a directory (:func:`_table_above`) and above a file (:func:`_table_of_file`)
    are asked for a table's log: the first folder of another name ends the look. Before round 57's review any
    2-character folder (``eu``, ``v1``) started the walk and its parent was asked for all three logs: ``proj/eu/``
    was refused as inside ``proj`` for its ``metadata/run.metadata.json``."""
    if name.startswith(("_", ".")):
        return None
    if "=" in name or name == "data":
        return "level"
    return "prefix" if innermost and _RANDOM_PREFIX.fullmatch(name) else None


def _table_above(loc: Location, listing: tuple[str, Mapping[str, Mapping[str, str]]] | None = None
                 ) -> tuple[str, str] | None:
    """``(the table's URI, its log directory)`` when the directory ``loc`` is a partition (``key=value``)
    or ``data/`` directory of a Delta Lake, Hudi or Iceberg table (:data:`TABLE_LOGS`, Iceberg's
    ``metadata/``): ``delta/region=eu/`` read every version's files of that partition, removed ones too.
    The directory above each such level is asked, innermost first, up to the first log found or the
    first level of another name (locally a look at each log, on an object store a listing of one object
    below each log's prefix: 3 requests per level, 6 for ``log/model=m/date=D/``): a table's root may itself
    be named ``key=value`` (``features/version=3/_delta_log`` with parts under ``version=3/date=D/``), so
    asking only above the outermost such level (round 52, 3 requests) read every version's files. A
    directory of any other name is no table's part. A look the credentials may not take (a listing scoped
    to the prefix read) finds no table, and one warning says that the parent could not be checked. Within
    :func:`table_looks_once` (a glob's matched directories) each parent is asked once, and warned of once.
    ``listing``: ``(root, marks)``, an object store's listing of every key below the key ``root`` grouped by
    :func:`table_marks` (keys as ``loc.key``'s): a parent at or below ``root`` is answered from it, no request
    made (a glob's parents below its fixed part: 3 requests each before)."""
    local = loc.scheme == "file"
    parts = (os.path.abspath(loc.key) if local else loc.key.rstrip("/")).split("/")
    backend = _BACKENDS[loc.scheme]()
    refused: tuple[str, CtloopError] | None = None
    looked = _TABLE_LOOKS.get()
    kind: str | None = None
    while len(parts) > (1 if local else 0) and kind != "prefix" and \
            (kind := table_level(parts[-1], innermost=kind is None)) is not None:
        logs = ("_delta_log",) if kind == "prefix" else (*TABLE_LOGS, "metadata")  # a prefix: its parent, once
        parts.pop()
        parent = "/".join(parts)
        shown = (parent or "/") if local else loc.child(f"{parent}/" if parent else "")
        if not local and listing is not None and (not listing[0] or parent == listing[0]
                                                  or parent.startswith(f"{listing[0]}/")):
            held = listing[1].get(parent, {})  # listed already: its logs are there or nowhere
            if (log := next((log for log in logs if log in held), None)) is not None:
                return shown, log
            continue
        for log in logs:
            if looked is not None and (loc.scheme, loc.bucket, parent, log) in looked:  # a glob's other match asked it
                found, exc = looked[loc.scheme, loc.bucket, parent, log]
                refused = refused or (None if exc is None else (shown, exc))
            elif local:
                held = Path(parent or "/", log)
                found = held.is_dir() and (log != "metadata" or any(held.glob("*.metadata.json")))
            else:
                prefix = f"{parent}/{log}/" if parent else f"{log}/"
                try:
                    found = (backend.first_below(loc, prefix) is not None if log != "metadata" else
                             any(n.endswith(".metadata.json") and n.count("/") == prefix.count("/")
                                 for n in itertools.islice(backend.names(loc, prefix, loc.uri), 1000)))
                except StoreUnavailable:
                    raise
                except CtloopError as exc:  # credentials scoped to the prefix named may not list above it: no table seen
                    found = False
                    refused = refused or (shown, exc)
                    if looked is not None:
                        looked[loc.scheme, loc.bucket, parent, log] = (False, exc)
            if looked is not None:
                looked.setdefault((loc.scheme, loc.bucket, parent, log), (found, None))
            if found:
                return shown, log
    if refused is not None and looked is not None:  # said once in a table_looks_once scope
        refused, looked["warned"] = (None if "warned" in looked else refused), True
    if refused is not None:  # read as plain files: said once, in one line
        warnings.warn(f"{loc.uri}: could not check whether {refused[0]} above it is a Delta Lake, Hudi or Iceberg "
                      f"table (listing it was refused: {one_line(_first_line(refused[1]))}); read as plain Parquet "
                      "or CSV files: if it is such a table, the files its log removed are read too (grant the "
                      "credentials List on the parent, or read the table with its format)", stacklevel=4)
    return None


def refuse_table_files(uri: str, directory: str, listing: tuple[str, Mapping[str, Mapping[str, str]]] | None = None,
                       *, files: Iterable[str] = ()) -> None:
    """Refuse the files the glob ``uri`` matched in ``directory`` (a URI) when it is a Delta Lake, Hudi or
    Iceberg table (:data:`TABLE_LOGS`, Iceberg's ``metadata/*.metadata.json``), a Hudi table's partition (its
    ``.hoodie_partition_metadata``: Hudi's default partition paths, ``2025/01/01``, are no key=value) or inside
    one (:func:`_table_above`), as a directory named on its own is refused (:func:`_directory_table`): a glob of
    a table's files (``t/*.parquet``) read every version's rows, those its log removed too. ``listing``:
    ``(root, marks)``, an object store's glob listed every key below the key ``root`` already, grouped by
    :func:`table_marks`: ``directory`` and its parents at or below ``root`` are answered from it (no request
    more), those above asked; else the local disk is asked. ``files``: the files matched in ``directory``,
    whose format the refusal of a log of no commits names (:func:`_table_refusal`)."""
    loc = parse(directory)
    logged, sign, marked = None, "", None
    if listing is not None:
        held = listing[1].get(loc.key.rstrip("/"), {})
        logged = next((log for log in (*TABLE_LOGS, "metadata") if log in held), None)
        # only its folder marker below the log (t/_delta_log/): as _table_in_listing says of the directory
        sign = _no_commits(logged) if logged in TABLE_LOGS and held[logged].endswith(f"{logged}/") \
            else f"its {logged}/"
        marked = held.get(".hoodie_partition_metadata")
    elif loc.scheme == "file":
        logged = next((log for log in TABLE_LOGS if Path(loc.key, log).is_dir()), None)
        if logged is None and any(Path(loc.key, "metadata").glob("*.metadata.json")):
            logged = "metadata"
        sign = _no_commits(logged) if logged in TABLE_LOGS and not any(Path(loc.key, logged).iterdir()) \
            else f"its {logged}/"
        marked = next((name for name in sorted(os.listdir(loc.key)) if _hudi_partition(name)), None)
    if logged is not None:
        raise _table_refusal(logged, f"{uri} matches files in {one_line(directory)},", sign, files)
    if marked is not None:  # as _table_in_listing says of the directory
        raise _table_refusal(".hoodie", f"{uri} matches files in {one_line(directory)}, a partition of",
                             f"{one_line(marked)} marks one")
    if (above := _table_above(loc, listing)) is not None:
        root, logged = above
        raise _table_refusal(logged, f"{uri} matches files inside {one_line(root)},", f"its {logged}/")


DELTA_PHYSICAL_NAME = re.compile(r"col-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
"""A Delta Lake column's physical name under column mapping: ``col-`` and a random (version 4) UUID
(``DeltaColumnMapping.generatePhysicalName``, delta-io/delta v4.4.0: ``UUID.randomUUID()``, whose version
digit is 4 and variant digit 8, 9, a or b; RFC 9562). A table in column mapping mode
``name`` or ``id`` writes its data files under these names (PROTOCOL.md, "Writer Requirements for Column
Mapping"); only its log's schema says which column each is ("Reader Requirements for Column Mapping")."""

_TABLE_FILE_SUFFIXES = (".parquet", ".orc", ".avro")
"""The data files a Delta Lake, Hudi or Iceberg table writes (Delta: Parquet; Hudi and Iceberg: Parquet, ORC, Avro):
a file of another name (``ref.csv``) is looked at for a table above it only when its columns are physical names."""

_PHYSICAL_LOOKS = 4  # parents of an object asked for a _delta_log/: its directory, Delta's random prefix, data/, a partition


def _table_of_file(loc: Location, remote_looks: int = 0) -> tuple[str, str] | None:
    """``(the table's URI, its log)`` when the file ``loc`` lies below a Delta Lake, Hudi or Iceberg table's
    root (:data:`TABLE_LOGS`, Iceberg's ``metadata/*.metadata.json``), else None. A Delta table's data files
    may be in any non-hidden directory below its root (PROTOCOL.md, "Data Files": partition directories,
    the random prefix directories column mapping forces, ``TransactionalWrite.getCommitter``, delta-io/delta
    v4.4.0): its folder is looked at, then the folder above while the one looked at is such a level
    (:func:`table_level`: a partition, ``data/``; a random prefix innermost only, its parent the last), locally a stat of
    each log, for an object ``remote_looks`` folders at most (a listing each, ``_delta_log/`` only; a refused one
    is no table). Before, a local file's every parent up to ``/`` was looked at: ``b/out/ref.csv`` was "an
    Apache Iceberg table" for ``b/metadata/run.metadata.json`` and ``a/_exports/s.parquet`` was refused."""
    if loc.scheme == "file":
        level, first = Path(os.path.abspath(loc.key)).parent, True
        while not level.name.startswith(("_", ".")):
            for log in TABLE_LOGS:
                if (level / log).is_dir():
                    return str(level), log
            if (level / "metadata").is_dir() and any((level / "metadata").glob("*.metadata.json")):
                return str(level), "metadata"
            if level.parent == level or (kind := table_level(level.name, innermost=first)) is None:
                break
            if kind == "prefix":  # Delta's random prefix: only its parent, only for a _delta_log
                return (str(level.parent), "_delta_log") if (level.parent / "_delta_log").is_dir() else None
            level, first = level.parent, False
        return None
    backend = _BACKENDS[loc.scheme]()
    parts = loc.key.split("/")[:-1]
    kind = None
    for look in range(remote_looks):
        if not parts or parts[-1].startswith(("_", ".")):
            break
        prefix = "/".join(parts)
        try:
            if backend.first_below(loc, f"{prefix}/_delta_log/") is not None:
                return loc.child(f"{prefix}/"), "_delta_log"
        except StoreUnavailable:
            raise
        except CtloopError:
            return None
        if kind == "prefix" or (kind := table_level(parts.pop(), innermost=look == 0)) is None:
            break  # a random prefix's parent is the last asked
    return None


def refuse_table_file(uri: str, names: Iterable[str] = ()) -> None:
    """Refuse the file ``uri``, named on its own, when it is a data file of a Delta Lake, Hudi or Iceberg table
    (:func:`_table_of_file`), as its directory (:func:`_directory_table`) and a glob of its files
    (:func:`refuse_table_files`) are: it may be a file the log removed, and under column mapping its columns
    (``names``) are the physical ``col-<uuid>`` names (:data:`DELTA_PHYSICAL_NAME`), read as the columns of the
    table (round 57: read, then refused as having none of the contract's columns, or worse, trained on). Such
    names alone refuse it too, with the table's folder named when a parent of an object holds its log."""
    physical = [name for name in names if DELTA_PHYSICAL_NAME.fullmatch(str(name))]
    loc = parse(uri)
    if loc.scheme != "file" and not physical:  # an object's parents are asked only when its names say Delta
        return
    folders = loc.key.split("/")[:-1]
    if (at := next((i for i in reversed(range(len(folders))) if folders[i] in TABLE_LOGS), None)) is not None:
        log, root = folders[at], "/".join(folders[:at])
        root = (root or "/") if loc.scheme == "file" else loc.child(f"{root}/" if root else "")
        kind = TABLE_LOGS[log]
        raise ConfigError(f"{uri} is a file of the log of the {kind} table {one_line(root)} (its {log}/), not a data "
                          f"file: only the log says which files are the table; read the table's folder with {kind} "
                          "and write the snapshot to train on as Parquet (Spark: spark.read.format(...).load(...)"
                          ".write.parquet)")
    if not physical and not loc.key.lower().endswith(_TABLE_FILE_SUFFIXES):  # no table writes CSV data files
        return
    found = _table_of_file(loc, _PHYSICAL_LOOKS if physical else 0)
    if found is None and loc.scheme == "file":  # a Hudi partition (2025/01/01/, no key=value): its marker beside it
        with contextlib.suppress(OSError):
            marker = next((n for n in sorted(os.listdir(Path(loc.key).parent)) if _hudi_partition(n)), None)
            if marker is not None:
                raise _table_refusal(".hoodie", f"{uri} is a data file of {one_line(str(Path(loc.key).parent))}, a "
                                     "partition of", f"{one_line(marker)} marks one")
    said = (f"; its columns are the table's physical names ({one_line(physical[0])}"
            f"{f' and {len(physical) - 1} more' if len(physical) > 1 else ''}: column mapping), not the names the "
            "table shows") if physical else ""
    if found is not None:
        root, logged = found
        raise _table_refusal(logged, f"{uri} is a data file of {one_line(root)},", f"its {logged}/{said}")
    if physical:
        raise ConfigError(f"{uri} is a data file of a Delta Lake table{said.replace(';', ',', 1)}: only the table's "
                          "log (_delta_log/ in a folder above it) says which column each is, and which files are "
                          "the table; read the table's folder with Delta Lake and write the snapshot to train on "
                          "as Parquet (Spark: spark.read.format(\"delta\").load(...).write.parquet)")


_DBIO_TID = re.compile(r"[^_].*-tid-([a-z0-9]+)-.*")  # a DBIO commit's file name: its transaction


def _committed_files(uri: str, files: list[str], listed: list[str], rel: Callable[[str], str]) -> list[str]:
    """``files`` (the data files of the directory ``uri``; ``listed``: every name below it, scratch too) as
    their writer committed them, or a :class:`DataSourceError` naming the directory and a file.

    A Spark/Hadoop job's files are the table once it has written ``_SUCCESS``: its tasks write under
    ``_temporary/`` and the job commit moves them up, then writes the marker (``FileOutputCommitter``:
    ``PENDING_DIR_NAME = "_temporary"``, ``SUCCEEDED_FILE_NAME = "_SUCCESS"``, Hadoop 3.3
    ``hadoop-mapreduce-client-core``). Data files under ``_temporary/`` and no ``_SUCCESS`` is a job still
    writing or one that failed: its files above are part of the table, refused. Databricks' DBIO commit
    writes ``_started_<id>`` then, at commit, ``_committed_<id>`` listing the files it ``added`` (and
    ``removed``); reading the directory returns committed files only ("Transactional writes to cloud
    storage with DBIO", docs.databricks.com/archive/legacy/dbio-commit.html): a file of a transaction
    that started and did not commit, or that a commit does not add, or that a commit removes, is not
    read; any other file is (below)."""
    if "_SUCCESS" not in listed:
        pending = next((r for r in listed if "_temporary" in r.split("/")[:-1] and _name_format(r)), None)
        if pending is not None:
            raise DataSourceError(f"{uri}: {one_line(pending)} is in _temporary/ and there is no _SUCCESS: a Spark or Hadoop job "
                                  "still writing this directory, or one that failed, and its files are part of a "
                                  "table; wait for the job's _SUCCESS, or point at a complete output")
    # Databricks' read side (DirectoryAtomicReadProtocol.filterDirectoryListing) hides a file only when its
    # name carries a transaction (``part-…-tid-<txn>-….parquet``) that has a ``_started_`` and no (non-empty)
    # ``_committed_``, or a ``_committed_`` that does not add it, or when a commit of its folder removes it:
    # "untracked files are also considered committed" (a file of no transaction, or of one whose markers
    # VACUUM removed after the default half hour, is read). A zero-byte ``_committed_`` is skipped, as
    # Databricks skips it (a cancelled write's symptom).
    markers = [r for r in listed if r.rpartition("/")[2].startswith(("_started_", "_committed_"))]
    if not markers:
        return files
    started: set[tuple[str, str]] = set()
    added: dict[tuple[str, str], set[str]] = {}
    removed: dict[str, set[str]] = {}
    for marker in sorted(markers):
        folder, _, name = marker.rpartition("/")
        if name.startswith("_started_"):
            started.add((folder, name[len("_started_"):]))
            continue
        raw = read_bytes(f"{uri.rstrip('/')}/{marker}")
        if not raw:
            continue
        try:
            said = json.loads(raw)
            lists = [said.get("added"), said.get("removed", [])]  # Databricks fails on other shapes too
            if not all(isinstance(v, list) and all(isinstance(n, str) for n in v) for v in lists):
                raise ValueError("'added' (and 'removed') must be lists of file names")
            added.setdefault((folder, name[len("_committed_"):]), set()).update(lists[0])
            removed.setdefault(folder, set()).update(lists[1])
        except (ValueError, AttributeError, TypeError) as exc:
            raise DataSourceError(f"{uri}: its Databricks commit marker {one_line(marker)} is not the JSON of the files a "
                                  f"commit added and removed ({_first_line(exc)}): point at a complete output") \
                from exc

    def committed(name: str) -> bool:
        folder, _, base = rel(name).rpartition("/")
        if base in removed.get(folder, ()):
            return False
        tid = _DBIO_TID.fullmatch(base)
        if tid is None:
            return True
        txn = (folder, tid.group(1))
        if txn in added:
            return base in added[txn]
        return txn not in started

    kept = [name for name in files if committed(name)]
    if not kept:
        raise DataSourceError(f"{uri}: none of its data files (e.g. {one_line(rel(files[0]))}) is committed: a Databricks "
                              "_started_<id> marker with no _committed_<id> adding it (a job still writing, or one "
                              "that failed); point at a complete output")
    return kept


SPARK_SINK_LOG = "_spark_metadata"
"""The directory a Spark Structured Streaming file sink keeps its log of committed files in, at its
output's root (``FileStreamSink``'s metadata log directory; Spark 3.5 ``FileStreamSinkLog.scala``)."""


def _sink_committed(uri: str, files: list[str], listed: list[str], rel: Callable[[str], str]) -> list[str]:
    """``files`` (the data files of the directory ``uri``; ``listed``: every name below it) that a Spark
    Structured Streaming file sink's log (:data:`SPARK_SINK_LOG`) lists, when ``uri`` holds one; else
    ``files``. Spark reads such a directory through that log only (``MetadataLogFileIndex``): a file of a
    micro-batch that failed or was retried is in the directory and not in the log, and its rows are read
    twice or not at all. The log is one file per batch (``<id>``) and, every few batches, a compaction
    of all before it (``<id>.compact``): its first line the version (``v1``), then one JSON object per
    file (``path``, a URI, and ``action``: ``add``, or ``delete`` in older logs; ``SinkFileStatus``, Spark
    3.5 ``FileStreamSinkLog.scala``). The newest compaction and the batches after it are read; a file is
    matched by its path below ``uri`` (the log's URIs name the bucket or host the job wrote to)."""
    batches = {}
    for name in listed:
        folder, _, base = name.rpartition("/")
        if folder == SPARK_SINK_LOG and (found := re.fullmatch(r"(\d+)(\.compact)?", base)):
            batches[int(found.group(1))] = (base, bool(found.group(2)))
    if not batches:
        return files
    compacted = max((n for n, (_, compact) in batches.items() if compact), default=-1)
    paths: dict[str, bool] = {}
    for number in sorted(n for n in batches if n >= compacted):
        marker = f"{SPARK_SINK_LOG}/{batches[number][0]}"
        try:
            lines = read_bytes(f"{uri.rstrip('/')}/{marker}").decode("utf-8").splitlines()
            if not lines or lines[0].strip() != "v1":
                raise ValueError(f"its first line is {lines[0][:20] if lines else ''!r}, not v1")
            for line in filter(str.strip, lines[1:]):
                entry = json.loads(line)
                path = unquote(urlsplit(entry["path"]).path)
                paths[path] = entry.get("action", "add") != "delete"
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DataSourceError(f"{uri}: its Spark streaming sink log {marker} is not a log of files "
                                  f"({_first_line(exc)}): point at a complete output") from exc
    named: dict[str, list[str]] = {}  # by file name: a lookup per file, not a scan of the log
    for path, added in paths.items():
        if added:
            named.setdefault(path.rpartition("/")[2], []).append(path)
    kept = [name for name in files
            if any(path.endswith("/" + rel(name)) for path in named.get(rel(name).rpartition("/")[2], ()))]
    if not kept:
        raise DataSourceError(f"{uri}: none of its data files (e.g. {one_line(rel(files[0]))}) is in its Spark "
                              f"streaming sink log ({SPARK_SINK_LOG}/), which Spark reads it by: a batch that "
                              "failed, or a log of another output; point at a complete output")
    return kept


def _refuse_conflicting_partitions(uri: str, rels: list[str]) -> None:
    """A :class:`DataSourceError` naming two of ``rels`` (data files below the directory ``uri``) that sit
    under other ``key=value`` directory structures: other keys or depths (``region=eu/p.parquet`` and
    ``region=eu/day=1/p.parquet``: ``day`` null in one), a plain directory beside ``key=value`` ones
    (``backup/p.parquet``: its rows without a region), or one key twice on a path (``a=1/a=2/``). Spark
    refuses such a directory ("Conflicting directory structures detected", ``PartitioningUtils``, Spark
    3.5); pyarrow read them with nulls. A file directly in ``uri`` beside ``key=value`` directories is
    read (its partition columns null), as pyarrow reads it."""
    shapes: dict[str, tuple[str, ...] | None] = {}
    for name in rels:
        levels = name.split("/")[:-1]
        if not levels:
            continue
        keys = tuple(level.split("=", 1)[0] for level in levels if "=" in level)
        if twice := next((k for k in keys if keys.count(k) > 1), None):
            raise DataSourceError(f"{uri}: its file {one_line(name)} sits under the partition key {twice!r} twice: which "
                                  "value is its rows' cannot be told (Spark refuses such a directory); write each "
                                  "key once on a path")
        shapes[name] = tuple(sorted(keys)) if len(keys) == len(levels) else None
    if not any(shapes.values()):
        return  # plain subdirectories only: no partitions
    first, shape = next(iter(shapes.items()))
    other = next((name for name, found in shapes.items() if found != shape), None)
    if other is not None:
        def said(found: tuple[str, ...] | None) -> str:
            return "key=value directories " + ", ".join(found) if found else "a directory that is no key=value"

        raise DataSourceError(f"{uri}: conflicting directory structures: {one_line(first)} sits under {said(shape)} but "
                              f"{one_line(other)} under {said(shapes[other])}: read as one table, the keys a file's path "
                              "lacks would be null in its rows (Spark refuses it: 'Conflicting directory "
                              "structures detected'); point at one partitioned table, or move the other files out")


def _table_in_listing(uri: str, listed: list[str], sizes: Mapping[str, int]) -> tuple[str, str, str] | None:
    """(log, where, sign) of a Delta/Hudi/Iceberg table that a directory's listing (names relative to
    ``uri``; ``sizes``: their sizes) shows: a table log at its top, Iceberg metadata, or a Hudi partition's
    marker; else None."""
    logged = next((name for r in listed if (name := r.split("/", 1)[0]) in TABLE_LOGS), None)
    if logged is None and any(_iceberg_metadata(r) for r in listed):
        logged = "metadata"
    if logged in TABLE_LOGS and all(r == f"{logged}/" or (r == logged and not sizes[r])
                                    for r in listed if r.split("/", 1)[0] == logged):
        # only its folder marker: an object store's empty log (Azure HNS, blobfuse2: a zero-byte blob without the
        # '/'; an object of that name holding bytes is no folder)
        return logged, f"{uri} is", _no_commits(logged)
    if logged is not None:
        return logged, f"{uri} is", f"its {logged}/"
    if (marked := next((r for r in listed if _hudi_partition(r)), None)) is not None:
        # a Hudi partition (Hudi's default partition paths are no key=value: 2025/01/01) holds its marker
        return ".hoodie", f"{uri} is, or holds, a partition of", f"{one_line(marked)} marks one"
    return None


def _empty_log(uri: str, loc: Location) -> tuple[str, str, str] | None:
    """(log, where, sign) of a local directory ``loc`` holding a table log directory with no file in it
    (:data:`TABLE_LOGS`: an empty ``_delta_log/``, a Delta table being created, before its first commit's
    JSON, or a broken one), which a listing of files cannot show; else None. An object store has no empty
    directory: its empty log is a zero-byte folder marker, kept in the listing (:func:`_log_marker`) and
    found by :func:`_table_in_listing`."""
    if loc.scheme != "file":
        return None
    logged = next((log for log in TABLE_LOGS if Path(loc.key, log).is_dir()), None)
    if logged is None:
        return None
    return logged, f"{uri} is", _no_commits(logged)


def _no_commits(logged: str) -> str:
    return f"its {logged}/ holds no file: a table with no commits, being created or broken"


def _table_refusal(logged: str, where: str, sign: str, files: Iterable[str] = (), fmt: str | None = None,
                   held: Iterable[str] = ()) -> ConfigError:
    """The refusal of a table of the log ``logged``; ``files``: the data files listed beside it, whose one format
    (:func:`_name_format`, else the format given, ``fmt``, for a name without one: ``part-00000``) the advice
    on an empty log names ("plain CSV files"), else "plain files"; ``held``: the other names listed (markers,
    scratch, zero-byte files). An empty log with no data file beside it is not told to be removed: nothing
    would be read then either ("a directory without data files")."""
    kind = TABLE_LOGS.get(logged, "Apache Iceberg")
    files = list(files)
    if sign == _no_commits(logged) and not files:
        marker = next((name for name in held if name.rstrip("/") != logged and not name.startswith(f"{logged}/")), None)
        beside = f" (e.g. {one_line(marker)}: a marker, scratch or empty)" if marker else ""
        return ConfigError(f"{where} {'an' if kind[0] in 'AEIOU' else 'a'} {kind} table ({sign}): no commit yet, so "
                           f"no rows, and no data file beside its log either{beside}: wait for the first commit")
    if sign == _no_commits(logged):  # nothing to read with Delta Lake either: no commit (delta-io/delta#407)
        writer = kind.removeprefix("Apache ").removesuffix(" Lake")
        formats = {found for name in files if (found := _name_format(name) or fmt)}
        plain = {"parquet": "plain Parquet files", "csv": "plain CSV files"}.get(
            formats.pop() if len(formats) == 1 else "", "plain files")
        return ConfigError(f"{where} {'an' if kind[0] in 'AEIOU' else 'a'} {kind} table ({sign}): no commit yet, so "
                           f"no rows: wait for the first commit; if these are {plain} and no {writer} "
                           f"write is running, remove the empty {logged}/")
    return ConfigError(f"{where} {'an' if kind[0] in 'AEIOU' else 'a'} {kind} table ({sign}): its files hold every version's "
                       "rows, and only its log says which are the table (an update writes new files and "
                       f"removes the old ones in the log); read it with {kind} and write the "
                       "snapshot to train on as Parquet (Spark: spark.read.format(...).load(...).write.parquet)")


def directory_table(uri: str, fmt: str | None = None, *, format_option: str | None = "data.format: parquet or csv",
                    glob: bool = False) -> tuple[list[str], str]:
    """The data files of the directory (prefix) ``uri`` and their format, as :func:`read_table` reads
    them (:func:`_read_directory`), without reading a table; refused as it refuses them (no data
    files, a name that could be data without a table extension, CSV beside Parquet). One listing; the
    dataset reader of ``ctloop drift`` and ``ctloop score`` takes a directory's files from here too
    (``ctloop.drift.streaming._directory_files``). A file whose name says it holds no table (``README.md``,
    ``LICENSE.txt``, Athena's ``.csv.metadata``, DVC's ``.dvc``, a checksum, Redshift's ``manifest``:
    :func:`_no_data_name`) is left out, with one warning, with ``fmt`` or without; any other name without a
    table extension is refused without ``fmt``: told to give the format when it has no extension (Hive's
    ``000000_0``), else to move it out (read as the format given, a ``LICENSE-MIT.txt`` is refused again).
    ``format_option`` names the caller's setting for the format (None: it has none), ``glob`` whether it reads a glob: the refusals' advice says what that caller can do."""
    return _directory_table(uri, fmt, format_option=format_option, glob=glob)[:2]


def _directory_table(uri: str, fmt: str | None = None, *, format_option: str | None = "data.format: parquet or csv",
                     glob: bool = False, objects: list[ObjectInfo] | None = None
                     ) -> tuple[list[str], str, list[ObjectInfo]]:
    """:func:`directory_table`, and the listing it took (``objects``: one taken already, with scratch
    names, :func:`list_objects` ``scratch=True``): :func:`_read_directory` takes the files' sizes from it,
    not from a second listing (round 54)."""
    loc = parse(uri)
    root = loc.key.rstrip("/")

    def rel(name: str) -> str:
        return parse(name).key[len(root):].lstrip("/")

    if objects is None:  # one listing: the data files and the markers beside them
        objects = list_objects(uri, scratch=True, markers=True)
    data = set(_data_only(loc, [o.uri for o in objects]))
    files = [o.uri for o in objects if o.uri in data and o.size]
    if not files:
        held = [o.uri for o in objects]
        if not held and (tabled := _empty_log(uri, loc)) is not None:  # not "an empty directory" (round 54)
            raise _table_refusal(*tabled)
        if not held:
            name = loc.key.rstrip("/")
            if loc.scheme != "file" and loc.key.endswith("/") and name and exists(loc.child(name)):
                raise DataSourceError(f"{uri}: {loc.child(name)} is an object, not a prefix (nothing is under "
                                      f"{name}/): name it without the trailing '/'")
            word = "an empty directory" if loc.scheme == "file" else "a prefix with nothing under it"
            raise NoDataFiles(f"{uri} does not exist as a file and is {word}: no data files in it")
        shown = next((name for name in held if not is_scratch(rel(name))),  # a zero-byte part first, then a table's
                     next((name for name in held if _name_format(rel(name))), held[0]))  # file (not a .crc)
        hint = ""
        if is_scratch(rel(shown)) and _name_format(rel(shown)):  # where to point to read such a table file on
            # purpose; none for a checksum, a marker or a writer's in-progress file (.part-0.inprogress.1f3a)
            parts = rel(shown).split("/")
            first = next(i for i, part in enumerate(parts) if part.startswith(SCRATCH_PREFIXES))
            hint = f"; to read them, point at {one_line(uri.rstrip('/') + '/' + '/'.join(parts[:first + 1]))}"
        # a table's log before its first data file (an empty _delta_log/, a Hudi partition's marker alone): the
        # table refusal below, not "no data files" (a glob leaves those out, and would read the table once written)
        listed = [rel(name) for name in held]
        sizes = {rel(o.uri): o.size for o in objects}
        if (tabled := _table_in_listing(uri, listed, sizes) or _empty_log(uri, loc)) is not None:
            raise _table_refusal(*tabled, fmt=fmt, held=listed)  # markers only: no data file beside the log
        # a Spark job's _temporary/ parts, no _SUCCESS: a job still writing (a glob's match is refused, as its
        # parent is), not a directory of no data: _committed_files' refusal
        if "_SUCCESS" not in listed:
            _committed_files(uri, [], listed, rel)
        raise NoDataFiles(f"{uri} is a directory without data files: its {len(held)} file(s) are markers, "
                              "scratch or empty (a name starting with '_' or '.' on its path, as Spark's _SUCCESS, "
                              f"_temporary/ and .crc files; or 0 bytes), e.g. {one_line(rel(shown))}{hint}")
    if loc.scheme == "file":  # Arrow takes only UTF-8 names; named, not a traceback (read_table's too)
        for name in files:
            utf8_name(loc.key, parse(name).key)
    others = [name for name in files if _no_data_name(rel(name))]  # with data.format too: one rule
    if others:  # a README.md, a query's .metadata beside its result: no table's file, whatever else is there
        files = [name for name in files if name not in set(others)]
        if not files:
            raise NoDataFiles(f"{uri} holds no data files: its {len(others)} file(s) hold no table by their "
                                  f"names ({NO_DATA_SAID}), e.g. {one_line(rel(others[0]))}")
    listed = [rel(o.uri) for o in objects]
    sizes = {rel(o.uri): o.size for o in objects}
    tabled = _table_in_listing(uri, listed, sizes) or _empty_log(uri, loc)  # data files beside an empty _delta_log/ too
    if tabled is None and (above := _table_above(loc)) is not None:
        root, logged = above
        tabled = logged, f"{uri} is inside {root},", f"its {logged}/"
    if tabled is not None:
        raise _table_refusal(*tabled, files=[rel(name) for name in files], fmt=fmt)
    files = natural_order(_sink_committed(uri, _committed_files(uri, files, listed, rel), listed, rel))
    _refuse_conflicting_partitions(uri, [rel(name) for name in files])
    if zero := [o.uri for o in objects if o.uri in data and not o.size]:
        _warn_zero_bytes(uri, zero)
    if others:
        warnings.warn(f"{uri}: left out {len(others)} file(s) whose names say they hold no table ({NO_DATA_SAID}), "
                      f"e.g. {one_line(rel(others[0]))}", stacklevel=2)
    if (fmt or "").lower() != "parquet":  # Spark's part-*.csv.snappy: not "cannot tell the format", nor read as text
        for name in files:
            if (refused := compressed_csv(f"{uri}: its file {one_line(rel(name))}", rel(name), fmt)) is not None:
                raise refused
    if fmt:
        kind = table_format(uri, fmt)
    else:
        formats = {name: _name_format(name) for name in files}
        if unknown := [name for name, found in formats.items() if found is None]:
            named = rel(unknown[0]).rpartition("/")[2]  # a Hive job's 000000_0, or an .orc/.json part, a LICENSE-MIT.txt
            if "." in named and any(formats.values()):  # beside Parquet or CSV: read as the format given, it
                # would be refused again; a directory of .txt parts alone is read by giving the format
                ways = [f"move {one_line(rel(unknown[0]))} out of {one_line(uri.rstrip('/'))} unless it holds a Parquet or "
                        "CSV table (then name it with its format's extension, .parquet or .csv)"]
            else:  # 000000_0: giving the format reads it
                ways = [f"give the format ({format_option})"] if format_option else \
                    ["name its files with their format's extension (.parquet, .csv)"]
            if glob and (tabled := next((rel(name) for name, found in formats.items() if found), None)):
                suffix = next(s for s in (".parquet", ".pq", ".csv.gz", ".csv") if tabled.lower().endswith(s))
                deep = any("/" in rel(name) for name, found in formats.items() if found)
                ways.append(f"point at the files that have one ({one_line(uri.rstrip('/'))}/{'**/' if deep else ''}"
                            f"*{tabled[-len(suffix):]})")
            said = "(a Hive job's 000000_0?)" if "." not in named else "(ctloop reads Parquet and CSV)"
            raise ConfigError(f"{uri}: cannot tell the format of its file {one_line(rel(unknown[0]))} from its name "
                              f"{said}: {', or '.join(ways)}")
        if len(kinds := set(formats.values())) > 1:
            first = {found: name for name, found in reversed(formats.items())}
            raise ConfigError(f"{uri} holds CSV and Parquet files ({one_line(rel(first['csv']))}, {one_line(rel(first['parquet']))}): "
                              "point at a directory of one format")
        kind = kinds.pop()
    return files, kind, objects


NO_DATA_EXTENSIONS = frozenset({"md", "metadata", "crc", "dvc", "md5", "sha1", "sha256", "sha512"})
"""Extensions of a file that holds no table, each by the producer that writes it beside one: Markdown
(``README.md``, ``NOTES.md``: people, no table writer); Amazon Athena's ``<query id>.csv.metadata`` beside each
query's result (docs.aws.amazon.com/athena/latest/ug/querying.html, "Identifying query output files");
Hadoop's checksum ``.<name>.crc`` (``ChecksumFileSystem``, written beside each file by ``hadoop fs -get``
without ``-ignoreCrc``); DVC's ``<name>.dvc`` (``dvc add a.csv`` writes ``a.csv.dvc``, a YAML of its ``outs``:
dvc.org/doc/command-reference/add); checksums ``.md5``, ``.sha1``, ``.sha256``, ``.sha512`` (GNU coreutils'
``md5sum``/``sha256sum`` output saved beside the file, Maven Central's checksum files). Any other extension
may be a table's (``.orc``, ``.avro``, ``.json``, ``.txt``, ``.tsv``, pandas' ``df.parquet.gzip``, ``.lzo``,
``part-00001.c001``, ``events.2024-02``): refused as a file whose format cannot be told, never left out."""

NO_DATA_STEMS = frozenset({"license", "licence", "notice", "notes"})
"""Stems (the name before its first ``.``) of a file that holds no table, with no extension or a document's
(:data:`NO_DATA_STEM_EXTENSIONS`): people's
``LICENSE``/``LICENSE.txt``/``LICENCE.md``, Apache License 2.0's ``NOTICE`` (section 4(d)), ``NOTES.txt``
(a ``README`` too, by its start: :func:`_no_data_name`). By the exact stem, as a ``.txt`` may be a CSV:
``notes_2026-12.txt``, ``licenses.txt`` or ``part-1.txt`` is refused, not left out."""

NO_DATA_STEM_EXTENSIONS = frozenset({"", "txt", "md", "rst", "html"})
"""What may follow a :data:`NO_DATA_STEMS` stem: nothing or one document extension (``NOTES.txt``), never more
(``notes.2026-12.txt`` may be a CSV part named by its month, like ``events.2024-02``: refused, not left out)."""

NO_DATA_NAMES = frozenset({"datapackage.json"})
"""Whole names of a file that holds no table: the Frictionless Data Package descriptor, which "MUST be
named ``datapackage.json``" and lists the resources beside it (specs.frictionlessdata.io/data-package)."""

NO_DATA_SAID = "a README, LICENSE, NOTICE or NOTES, .md, .metadata, .crc, .dvc, checksum, manifest or datapackage.json"
"""The names :func:`_no_data_name` leaves out, as the warning and the refusal say them."""

NO_DATA_SUFFIXES = ("manifest",)
"""Ends of a file's name that say it holds no table: Amazon Redshift's ``UNLOAD ... MANIFEST`` writes
``<object_path_prefix>manifest`` (a JSON list of the parts) beside the parts
(docs.aws.amazon.com/redshift/latest/dg/r_UNLOAD.html, MANIFEST)."""


def _no_data_name(rel: str) -> bool:
    """Whether the file ``rel`` (below a directory) holds no table by its name: a ``README`` (``README``,
    ``README.txt``), a :data:`NO_DATA_STEMS` stem, a :data:`NO_DATA_NAMES` name, a :data:`NO_DATA_EXTENSIONS`
    extension or a :data:`NO_DATA_SUFFIXES` end. Only those:
    a name with a table extension is a table, and any other name may be one (a Hive job's ``000000_0``, an
    ``.orc`` part, pandas' ``df.parquet.gzip``), refused as a file whose format cannot be told rather
    than left out (a part left out is a wrong read: half the rows)."""
    if _name_format(rel):
        return False
    name = rel.rpartition("/")[2].lower()
    _, dot, ext = name.rpartition(".")
    stem, _, rest = name.partition(".")
    return (name.startswith("readme") or (stem in NO_DATA_STEMS and rest in NO_DATA_STEM_EXTENSIONS)
            or name in NO_DATA_NAMES
            or name.endswith(NO_DATA_SUFFIXES) or bool(dot and ext in NO_DATA_EXTENSIONS))


def _hive_values(uri: str, loc: Location, files: list[str], kind: str, rels: list[str]) -> list[dict[str, Any]]:
    """Each file's hive partition values ``{key: pyarrow scalar}`` (``[]`` when no file is under a
    ``key=value`` directory), as pyarrow's hive discovery reads them over all the files
    (``partitioning(flavor="hive")``, pyarrow 25.0.1: a key is int32 when every value is one, else
    string; ``__HIVE_DEFAULT_PARTITION__`` null; percent-escapes decoded); a ``key=`` level (an empty
    value) is null, as the dataset reader reads it (``ctloop.drift.streaming._empty_values_null``). A
    file under no level for a key has no value for it. A file holding a column named like a key with
    other values than its directory is refused (:func:`check_hive_columns`)."""
    import pyarrow as pa
    import pyarrow.dataset as pads

    keys = hive_keys(rels, "")
    if not keys:
        return []
    fs, base = filesystem(uri)
    base = base.rstrip("/")
    paths = [f"{base}/{r}" for r in rels]
    try:
        file_format: Any = kind
        if kind == "parquet":
            file_format = pads.ParquetFileFormat(
                read_options=pads.ParquetReadOptions(coerce_int96_timestamp_unit=INT96_UNIT))
        try:
            dataset = pads.dataset(paths, format=file_format, filesystem=fs,
                                   partitioning=pads.partitioning(flavor="hive"), partition_base_dir=base)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            if "Unable to merge" not in str(exc):
                raise
            dataset = pads.dataset(paths, format=file_format, filesystem=fs, partition_base_dir=base,
                                   partitioning=_hive_schema(keys, rels, paths[0], file_format, fs))
        check_hive_columns(uri, dataset, keys)
        schema = dataset.partitioning.schema
        found: dict[str, dict[str, Any]] = {}
        for fragment in dataset.get_fragments():
            known = pads.get_partition_keys(fragment.partition_expression)
            found[fragment.path] = {k: pa.scalar(known[k], schema.field(k).type) for k in keys if k in known}
    except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise DataSourceError(f"{uri}: cannot read its partition directories: {_first_line(exc)}") from exc
    out = []
    for path, name in zip(paths, rels, strict=True):
        given = dict(found.get(path, {}))
        for level in name.split("/")[:-1]:
            if level.endswith("=") and level.count("=") == 1 and level[:-1] in given:
                given[level[:-1]] = pa.scalar(None, given[level[:-1]].type)  # key=: no value
        out.append(given)
    return out


def _hive_schema(keys: list[str], rels: list[str], first: str, file_format: Any, fs: Any) -> Any:
    """The hive partitioning of ``rels`` with each key typed from the directory names as pyarrow's
    discovery types it (int32 when every value is one, else string; pyarrow 25.0.1), except a key the
    first file (the one pyarrow's discovery inspects) also holds: that one the file's own type.
    pandas ``to_parquet`` of each group with the column kept (int64) under ``k=1/``, ``k=2/`` made
    pyarrow's discovery fail ("Unable to merge: Field k has incompatible types: int64 vs int32")."""
    import pyarrow as pa
    import pyarrow.dataset as pads

    held = (pads.CsvFileFormat() if file_format == "csv" else file_format).inspect(first, filesystem=fs)
    values: dict[str, list[str]] = {k: [] for k in keys}
    for name in rels:
        for level in name.split("/")[:-1]:
            key, _, value = level.partition("=")
            if key in values and value and value != "__HIVE_DEFAULT_PARTITION__":
                values[key].append(value)

    def named(key: str) -> Any:
        if key in held.names:
            return held.field(key).type
        whole = all(re.fullmatch(r"[+-]?\d+", v) and -(2**31) <= int(v) < 2**31 for v in values[key])
        return pa.int32() if whole else pa.string()

    return pads.partitioning(pa.schema([(k, named(k)) for k in keys]), flavor="hive")


FLOAT_WHOLE = 2**53
"""The largest whole number below which a float64 holds every whole number exactly."""


def _column_kind(column: pd.Series) -> str | None:
    """What ``column`` (a file's, read by :func:`_read_file`) holds, in words; None when every value is missing
    (such a column joins any other)."""
    import pandas as pd

    if not column.notna().any():
        return None
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "categories"
    if pd.api.types.is_bool_dtype(dtype):
        return "booleans"
    if pd.api.types.is_numeric_dtype(dtype):
        return "numbers"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return f"times in {dtype.tz}"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "times"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "durations"
    if pd.api.types.is_object_dtype(dtype):
        inferred = pd.api.types.infer_dtype(column, skipna=True)
        return {"boolean": "booleans", "string": "text", "integer": "numbers", "floating": "numbers",
                "mixed-integer-float": "numbers", "decimal": "numbers"}.get(inferred, inferred)
    return str(dtype)


_DATA_CELL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?")
"""A cell no header names a column by and a data row often holds: a number (``1.5``, ``-3``, ``2e-05``) or a
date or time as Spark's CSV writer writes one (``2025-01-03``, ``2025-01-03T00:00:00.000Z``: its default
``timestampFormat``, Spark 3.5 ``CSVOptions``)."""


def data_cells(fields: Iterable[object]) -> int:
    """How many of a header's ``fields`` are cells of data rather than names (:data:`_DATA_CELL`)."""
    return sum(1 for f in fields if _DATA_CELL.fullmatch(str(f).strip()))


def csv_header_fields(head: bytes) -> list[str]:
    """The fields of the first line of a CSV file whose first stored bytes (gzipped or not) are ``head``."""
    import csv

    line = _csv_text(head).decode("utf-8", "replace").removeprefix("\ufeff").splitlines()[:1]
    return next(csv.reader(line), [])


def refuse_headerless_parts(uri: str, headers: list[tuple[str, list[str]]]) -> None:
    """A :class:`DataSourceError` in one line when the CSV part files of the directory ``uri`` (``headers``:
    each part's name below it and the fields of its first line) were written without a header row: Spark's
    ``df.write.csv(path)`` writes none unless ``header`` is true (``CSVOptions.headerFlag`` defaults to false,
    Spark 3.5), so each part's first line is a data row, taken as its column names, and the configured
    columns are absent ("has no column '2025-01-01T00:00:00.000Z'"). Said so when each first line is mostly
    numbers and dates (:data:`_DATA_CELL`) and the parts' first lines share fewer than half their names (the
    header row a writer repeats in each part is the same in all of them)."""
    if len(headers) < 2 or not all(2 * data_cells(fields) >= len(fields) for _, fields in headers):
        return  # each first line mostly numbers and times, as missing_column judges one
    shared = set(headers[0][1]).intersection(*(set(fields) for _, fields in headers[1:]))
    if 2 * len(shared) >= len(headers[0][1]):
        return
    name, fields = headers[0]
    shown = ",".join(fields[:6]) + (",…" if len(fields) > 6 else "")
    raise DataSourceError(f"{uri}: its CSV parts have no header row: the first line of each is a row of data, "
                          f"another in each part ({one_line(name)} starts {one_line(shown)!r}), so no column has "
                          "its name; Spark writes part-*.csv without a header unless told to: write them with "
                          "df.write.option(\"header\", \"true\").csv(...), or point at files with a header line")


def int96_columns(metadata: Any) -> set[str]:
    """The top-level columns a Parquet file (``metadata``: its ``pyarrow.parquet.FileMetaData``) stores as
    INT96: Spark's default for timestamps (``spark.sql.parquet.outputTimestampType=INT96``, Spark 3.5
    ``SQLConf``), which Spark reads as instants in UTC (``ParquetRowConverter``) and pyarrow as times
    without a zone. Such a column beside one stored with ``isAdjustedToUTC=true`` holds the same kind of
    times; a true time without a zone (``isAdjustedToUTC=false``, Spark's ``TIMESTAMP_NTZ``) is INT64.
    None for a file Impala wrote (``created_by`` ``impala version ...``): Impala writes INT96 as the wall
    clock, unconverted (SPARK-12297; Spark's ``spark.sql.parquet.int96TimestampConversion``), so its times
    stay without a zone and beside times in a zone are refused, not shifted by the writer's offset."""
    if str(metadata.created_by or "").lower().startswith("impala"):
        return set()
    schema = metadata.schema
    return {schema.column(i).path for i in range(len(schema))
            if schema.column(i).physical_type == "INT96" and "." not in schema.column(i).path}


def _int96_in_zone(frames: list[tuple[str, pd.DataFrame]], columns: list[str],
                   int96: dict[str, set[str]] | None = None) -> None:
    """A Parquet column read without a zone from the files that store it as INT96 (:func:`int96_columns`)
    put in the zone the other files' times are in (instants in UTC, as Spark reads INT96), in place, when
    they all have one; a column of times without a zone stored otherwise stays as it is (refused by
    :func:`_joined`, as before). Each file's INT96 columns from ``int96`` (recorded as it was read,
    :func:`_read_file`); a file not in it has its footer read, once, only then (before, once per file
    and column: N INT96 parts were all fetched again)."""
    import pandas as pd
    import pyarrow.parquet as pq

    held = int96 if int96 is not None else {}
    for column in columns:
        zones = {str(frame[column].dtype.tz) for _, frame in frames
                 if isinstance(frame[column].dtype, pd.DatetimeTZDtype)}
        naive = [i for i, (_, frame) in enumerate(frames) if pd.api.types.is_datetime64_dtype(frame[column].dtype)
                 and not isinstance(frame[column].dtype, pd.DatetimeTZDtype)]
        if len(zones) != 1 or not naive:
            continue
        zone = zones.pop()
        for i in naive:
            name, frame = frames[i]
            if name not in held:
                with _table_file(name) as fh:
                    held[name] = int96_columns(pq.ParquetFile(fh).metadata)
            if column in held[name]:
                frame[column] = frame[column].dt.tz_localize("UTC").dt.tz_convert(zone)


def _categories_beside_values(frames: list[tuple[str, pd.DataFrame]], columns: list[str]) -> None:
    """A column that is pandas' ``category`` in some Parquet files (Arrow's dictionary type: written from a
    frame whose column was ``astype("category")``) and holds values of no such type in another, read as its
    values in those files (text, numbers) in place, so it joins the others as one column of them: it was
    refused as "categories in a.parquet but text in b.parquet" (``_column_kind``), a storage form taken for
    another kind of values, where the stream engine (drift) reads the files as one column of text. A column
    that is ``category`` in every file with values stays one (its categories joined)."""
    import numpy as np
    import pandas as pd

    for column in columns:
        cats = [isinstance(frame[column].dtype, pd.CategoricalDtype) for _, frame in frames]
        if not any(cats) or not any(not cat and frame[column].notna().any() for cat, (_, frame) in zip(cats, frames,
                                                                                                      strict=True)):
            continue
        for cat, (_, frame) in zip(cats, frames, strict=True):
            if cat:
                held = frame[column]
                dtype = held.cat.categories.dtype
                if dtype.kind in "iub" and held.isna().any():  # missing values: as pandas reads such a plain column
                    dtype = np.dtype(float) if dtype.kind in "iu" else np.dtype(object)
                frame[column] = held.astype(dtype)


def _joined(uri: str, parts: list[tuple[str, pd.DataFrame]], kind: str, values: list[dict[str, Any]],
            rel: Callable[[str], str], int96: dict[str, set[str]] | None = None) -> pd.DataFrame | list[str]:
    """The files' frames ``parts`` (with their hive ``values``; ``int96``: :func:`_int96_in_zone`) as one
    table (:func:`_read_directory`), or,
    for CSV, the columns of other kinds in two files (to be read as text)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    frames = []
    for (name, frame), given in zip(parts, values or [{}] * len(parts), strict=True):
        for key, value in given.items():  # the directory's value replaces a file's column of that name
            column = pa.nulls(len(frame), value.type) if not value.is_valid else \
                pc.fill_null(pa.nulls(len(frame), value.type), value)
            frame[key] = column.to_pandas().set_axis(frame.index)  # a part's own index (a slice's 3..5)
        frames.append((name, frame))
    keys = list(dict.fromkeys(k for given in values for k in given))
    for _, frame in frames:  # a file beside the key=value directories: null where it has no such column
        for key in keys:
            if key not in frame.columns:
                frame[key] = None
    first_name, first = frames[0]
    columns = list(first.columns)
    for name, frame in frames[1:]:
        missing = [c for c in columns if c not in frame.columns]
        extra = [c for c in frame.columns if c not in set(columns)]
        if missing or extra:
            if kind == "csv":  # the parts' first lines are data rows: said so, not a column no part has
                refuse_headerless_parts(uri, [(rel(n), [str(c) for c in f.columns if c not in keys])
                                              for n, f in frames])
            said = (f"has no column {missing[0]!r}, which {rel(first_name)} has" if missing
                    else f"has the column {extra[0]!r}, which {rel(first_name)} has not")
            raise DataSourceError(f"{uri}: its file {rel(name)} {said}: the files of a directory are read as one "
                                  "table and must hold the same columns; write them with one schema, or point at "
                                  "one file")
    if kind == "parquet":
        _int96_in_zone(frames, columns, int96)
        _categories_beside_values(frames, columns)
    kinds = {c: [_column_kind(frame[c]) for _, frame in frames] for c in columns}
    texts = []
    for column, found in kinds.items():
        held = [(k, name) for k, (name, _) in zip(found, frames, strict=True) if k is not None]
        other = next(((k, name) for k, name in held if k != held[0][0]), None)
        if other is None:
            continue
        if kind == "csv":  # numbers, booleans or text apart: text in all, as one CSV of them reads ('1', 'True')
            texts.append(column)
            continue
        raise DataSourceError(f"{uri}: column {column!r} holds {held[0][0]} in {rel(held[0][1])} but {other[0]} in "
                              f"{rel(other[1])}: the files of a directory are read as one table, each column of "
                              "one kind; write them with one schema, or point at one file")
    if texts:
        return texts
    rows = [frame for _, frame in frames if len(frame)] or [first]
    for column in columns:
        dtypes = [frame[column].dtype for frame in rows if frame[column].notna().any()]
        if not dtypes or all(d == dtypes[0] for d in dtypes):
            target = dtypes[0] if dtypes else rows[0][column].dtype
        elif all(isinstance(d, pd.CategoricalDtype) for d in dtypes):
            target = pd.CategoricalDtype(list(dict.fromkeys(v for d in dtypes for v in d.categories)))
        elif all(isinstance(d, np.dtype) and d.kind in "iuf" for d in dtypes) or \
                all(isinstance(d, np.dtype) and d.kind == "M" for d in dtypes):
            target = np.result_type(*dtypes)
        else:
            target = np.dtype(object)
        if any(not frame[column].notna().any() for frame in rows if len(frame)):  # a file's missing values
            if isinstance(target, np.dtype) and target.kind in "iu":
                target = np.dtype(float)  # an integer column with missing values, as pandas reads one file
            elif isinstance(target, np.dtype) and target.kind == "b":
                target = np.dtype(object)
        names = [name for name, frame in frames if len(frame)] or [first_name]
        for name, frame in zip(names, rows, strict=True):
            if frame[column].dtype == target:
                continue
            values = frame[column]
            held = values.dropna()
            if isinstance(target, np.dtype) and target.kind == "f" and values.dtype.kind in "iu" and len(held) \
                    and max(int(held.max()), -int(held.min())) > FLOAT_WHOLE:  # a wrong id, silently, as floats
                raise DataSourceError(
                    f"{uri}: column {column!r} holds whole numbers beyond 2**53 in {rel(name)} "
                    f"({max(int(held.max()), -int(held.min()))}) "
                    "and fractions or missing values in another file: as one column of floats they would be "
                    "rounded (9007199254740993 read as 9007199254740992); write it as one type in every file "
                    "(integers without gaps, or text)")
            try:
                frame[column] = values.astype(target)
            except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
                raise DataSourceError(f"{uri}: column {column!r} of {rel(name)} ({values.dtype}) cannot be read as "
                                      f"the other files' {target}: {_first_line(exc)}; write it as one type in "
                                      "every file") from exc
    late: dict[str, tuple[int, str]] = {}
    unnamed: dict[str, tuple[int, str]] = {}
    offset = 0
    for frame in rows:
        for column, (row, value) in (frame.attrs.get(CSV_TEXT_FROM) or {}).items():
            late.setdefault(column, (offset + row, value))
        for column, (at, _) in (frame.attrs.get(CSV_UNNAMED) or {}).items():  # named by the directory: a part's
            unnamed.setdefault(column, (at, uri) if len(rows) > 1 else (at, _))  # column of the whole table
        offset += len(frame)
        frame.attrs = {}
    out = pd.concat(rows, ignore_index=True) if len(rows) > 1 else rows[0]
    # no TABLE_FILES here (drift.streaming.read_side sets it for the CLI's frames): attrs survive a caller's
    # sort_values or sample, and a refusal would name a wrong file and row (fixinput review M2)
    if kind == "csv":
        out.attrs[CSV_TEXT_FROM] = late
        if unnamed:
            out.attrs[CSV_UNNAMED] = unnamed
            if len(rows) > 1:  # each part's own to_csv index (0..k-1 in every part) told from data; a header-only
                # part counted too (0 rows): the note counts the directory's files (review 60 L3)
                out.attrs[CSV_PART_ROWS] = tuple(len(frame) for _, frame in frames)
    return out


def refuse_repeated_columns(uri: str, names: list[str]) -> None:
    """Refuse a Parquet file that names a column twice (pyarrow writes one; pandas and Spark refuse to), naming
    the column and its positions, as a CSV header is (:func:`_refuse_repeated_header`): pyarrow's words
    were "Multiple matches for FieldRef.Name(x) in x: int64" (one file) or "Can't unify schema with
    duplicate field names" (a dataset)."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if name in seen:
            raise repeated_column(uri, name, seen[name], position)
        seen[name] = position


def repeated_column(uri: str, name: str, first: int, position: int) -> DataSourceError:
    """The one line for a table ``uri`` naming column ``name`` twice (at 1-based ``first`` and ``position``), as
    every reader says it: a Parquet schema (:func:`refuse_repeated_columns`), a CSV header
    (:func:`_refuse_repeated_header`), a label file (``labels.store``); until round 59 a CSV's said "rename one"
    and a Parquet file's (and the streamed CSV reader's) "a table names each column once: rename one"."""
    return DataSourceError(f"{uri} has column {name!r} twice (columns {first} and {position}): a table names each "
                           "column once: rename one")


def nanosecond_times(arrow_type: Any) -> Any:
    """A ``to_pandas`` ``types_mapper``: a ``time64[ns]`` column as ``pd.ArrowDtype`` (its exact
    nanoseconds), every other type as pandas reads it. pandas' ``datetime.time`` holds
    microseconds, so pyarrow refuses a time of day with non-zero nanoseconds ("Value 1 has
    non-zero nanoseconds"): such a file is read again with this mapper."""
    import pandas as pd
    import pyarrow as pa

    return pd.ArrowDtype(arrow_type) if arrow_type == pa.time64("ns") else None


def nanosecond_times_refused(exc: BaseException) -> bool:
    """Whether ``exc`` is pyarrow refusing a ``time64[ns]`` value as ``datetime.time``."""
    return "non-zero nanoseconds" in str(exc)


INT96_UNIT = "us"
"""The unit Parquet INT96 timestamps (Spark's default up to 3.x, Hive, Impala) are read in: pyarrow reads
them as nanoseconds by default (``coerce_int96_timestamp_unit=None``, pyarrow 25.0.1), and a ``9999-12-31``
(a slowly changing dimension's open ``valid_to``) wrapped around int64 to ``1816-03-29 05:56:08.066277376``
without a word. Spark writes microseconds, so nothing it wrote is lost."""


def _read_parquet(source: BinaryIO) -> pd.DataFrame:
    """``pandas.read_parquet`` of the file ``source``; a file whose pandas metadata names a dtype pandas cannot
    build again (an Arrow-backed list column, ``list<item: int64>[pyarrow]``: pandas 2.3 raises
    ``TypeError: data type … not understood``) is read without that metadata (lists as arrays)."""
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        return pd.read_parquet(source, coerce_int96_timestamp_unit=INT96_UNIT)
    except ValueError as exc:  # pyarrow.ArrowInvalid
        if not nanosecond_times_refused(exc):
            raise
        source.seek(0)
        return pq.read_table(source, coerce_int96_timestamp_unit=INT96_UNIT).to_pandas(types_mapper=nanosecond_times)
    except TypeError:
        source.seek(0)
        frame = pq.read_table(source, coerce_int96_timestamp_unit=INT96_UNIT).to_pandas(ignore_metadata=True)
        # an unnamed index stored as a column is no data (:func:`_index_as_columns`); a named one is a column
        return frame.drop(columns=[c for c in frame.columns if re.fullmatch(r"__index_level_\d+__", str(c))])


GZIP_MAGIC = b"\x1f\x8b"
"""The first two bytes of every gzip stream (RFC 1952, section 2.3.1)."""


def csv_compression(head: bytes) -> str | None:
    """``"gzip"`` when ``head`` (a file's first bytes) starts a gzip stream, else ``None``. Decided
    by the bytes, not the name: ``x.csv`` may be stored gzipped (``gsutil cp -z``, ``aws s3 cp
    --content-encoding gzip``) and a ``y.csv.gz`` may have been decoded on the way (a client
    honouring Content-Encoding); a CSV's text never starts with byte 0x1f."""
    return "gzip" if head[:2] == GZIP_MAGIC else None


def gzip_size_fits(size: int, tail: bytes) -> bool:
    """Whether the last 4 bytes ``tail`` of a gzip file of ``size`` stored bytes can be the size of its text
    (ISIZE, RFC 1952 section 2.3.1): a byte other than 0 last (padding ends in zeros), or a size deflate can
    shrink to what is stored (at most 1032-fold, zlib's technical details; no more than stored blocks' 5 bytes
    per 64 KiB past the 18 of gzip's header and trailer). Zero padding of 2 bytes or more turns them into a
    size that cannot be, and so does one byte after a stream inflating under 256-fold: when they do not fit,
    :func:`gzip_padding` is asked. They fit in nearly every unpadded file; one under 16 MiB of text
    ends in 0 too (the size's top byte)."""
    if len(tail) < 4 or tail[-1:] != b"\0":
        return len(tail) == 4
    text = int.from_bytes(tail, "little")
    return (size - 18) * 65535 // 65540 - 8 <= text <= 1032 * size


GZIP_TAIL_BYTES = 1 << 16
"""The last stored bytes of a gzip file read to tell it unpadded (:func:`gzip_unpadded`): one ranged read."""


def gzip_unpadded(size: int, tail: bytes) -> bool:
    """Whether the last bytes ``tail`` (:data:`GZIP_TAIL_BYTES`, or all) of a gzip file of ``size`` stored bytes
    show it ends with its last member, no zero padding after it: its size fits (:func:`gzip_size_fits`), or the
    last gzip header in ``tail`` (``1f 8b 08``, RFC 1952 section 2.3.1) starts a member that inflates to exactly
    its end. That is a file of members appended (``gzip -c day.csv >> all.csv.gz``, whose last member's size
    cannot be the whole file's) and a BGZF file (samtools, htslib: it ends in a 28-byte empty member, size 0).
    When neither, :func:`gzip_padding` inflates the file to tell."""
    if gzip_size_fits(size, tail[-4:]):
        return True
    at = len(tail)
    for _ in range(8):  # the header's bytes inside deflated data: a few false starts at most
        at = tail.rfind(GZIP_MAGIC + b"\x08", 0, at)
        if at < 0:
            return False
        inflate, block = zlib.decompressobj(wbits=31), tail[at:]
        try:
            while block and not inflate.eof:  # max_length: no text kept
                inflate.decompress(block, 1 << 20)
                block = inflate.unconsumed_tail
        except zlib.error:
            continue
        if inflate.eof:
            return not inflate.unused_data  # a member ending in zeros (padding) is no end
    return False


def gzip_padding(read: Callable[[int], bytes]) -> int | None:
    """The offset the zero bytes after the last gzip member of the file whose stored bytes ``read(n)`` reads
    (a stream's ``read``) start at, None for a file not so padded. Tape or block padding, which gzip(1) reads
    with a warning ("decompression OK, trailing zero bytes ignored") and Python's gzip reader silently
    (``_GzipReader._read_eof``, CPython 3.11 Lib/gzip.py), as read_table reads it, but Arrow's reader refuses
    ("zlib inflate failed: unknown compression method": it takes the zeros for a next member). Inflated to find the members' end (no text kept); a
    corrupt or cut stream is not padded: the reader names it. Asked when :func:`gzip_unpadded` is not."""
    inflate, fed, rest = zlib.decompressobj(wbits=31), 0, b""  # fed: the stored bytes given to the members so far
    while True:
        block, rest = rest or read(1 << 20), b""
        if not block:
            return None
        fed += len(block)
        try:
            while block and not inflate.eof:  # max_length: a block of zeros inflates 1000-fold
                inflate.decompress(block, 1 << 22)
                block = inflate.unconsumed_tail
        except zlib.error:
            return None
        if not inflate.eof:
            continue
        rest = inflate.unused_data
        end = fed - len(rest)  # this member's end
        fed = end
        while len(rest) < 2 and (more := read(1 << 20)):
            rest += more
        if rest[:2] == GZIP_MAGIC:  # another member (concatenated gzip files): Arrow reads it
            inflate = zlib.decompressobj(wbits=31)
            continue
        if not rest or rest.strip(b"\0") or any(more.strip(b"\0") for more in iter(lambda: read(1 << 20), b"")):
            return None  # the end, or other bytes after the stream: Arrow names them
        return end


# Byte-order marks of the encodings a CSV may be saved in that are not UTF-8 (Unicode 15,
# section 23.8, Table 23-4), longest first: UTF-32 LE starts with the UTF-16 LE mark.
_OTHER_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)", "UTF-32"),
               (b"\xff\xfe", "UTF-16", "UTF-16"), (b"\xfe\xff", "UTF-16 (big-endian)", "UTF-16"),
               (b"\x84\x31\x95\x33", "GB 18030", "GB18030"),
               *((b"+/v" + end, "UTF-7", "UTF-7") for end in (b"8", b"9", b"+", b"/")))
CSV_HEAD_BYTES = 512
"""Stored bytes of a CSV file enough for :func:`refuse_other_encoding` (gzipped or not), unless its
header is longer: :func:`csv_head` then reads on to the end of it."""
CSV_HEADER_MAX_BYTES = 1 << 20
"""How far :func:`csv_head` reads for the end of a header line: Arrow's CSV block (``ReadOptions.block_size``,
1 MiB, pyarrow 25), which the header must fit in."""


def _csv_text(head: bytes) -> bytes:
    """``head``'s text: decompressed (at most :data:`CSV_HEADER_MAX_BYTES`) when it starts a gzip stream."""
    if csv_compression(head) != "gzip":
        return head
    try:
        return zlib.decompressobj(wbits=31).decompress(head, CSV_HEADER_MAX_BYTES)  # a partial stream is fine
    except zlib.error:
        return b"\n"  # a corrupt stream: the reader names it


def csv_blank(data: bytes) -> bool:
    """Whether ``data``, a CSV file's whole stored bytes, holds no text but blank lines, gzipped or
    not: a gzip stream of nothing (20 bytes and more, as ``gzip -c /dev/null`` and Hadoop's gzip
    output of a reducer with no output write it), a lone newline. No rows and no columns, as a
    zero-byte file (:func:`local_files`); pyarrow cannot read a schema from it ("Empty CSV file or
    block"). A corrupt or cut gzip stream is not blank: the reader names it."""
    if csv_compression(data) == "gzip":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            return False
    return not data.strip()


def csv_head(read: Callable[[int], bytes]) -> bytes:
    """A CSV file's first stored bytes for :func:`refuse_other_encoding`, from ``read(n)`` (a stream's
    ``read``): :data:`CSV_HEAD_BYTES`, or more, up to :data:`CSV_HEADER_MAX_BYTES`, until they hold the
    end of the header line (a header of 40 long column names is longer than 512 bytes: one in
    Windows-1252 past them was a ``UnicodeDecodeError`` traceback from ``Schema.names``)."""
    head = read(CSV_HEAD_BYTES)
    more = head
    while more and len(head) < CSV_HEADER_MAX_BYTES and b"\n" not in _csv_text(head):
        more = read(min(len(head), CSV_HEADER_MAX_BYTES - len(head)))
        head += more
    return head


# Magic numbers of the compressions a CSV may be stored in that ctloop does not read (only gzip):
# bzip2 ("BZh" + block size 1-9 + the block magic 0x314159265359), xz, zstd frames, zip archives.
_OTHER_COMPRESSIONS = ((re.compile(rb"BZh[1-9]1AY&SY"), "bzip2-compressed", "bunzip2"),
                       (re.compile(rb"\xfd7zXZ\x00"), "xz-compressed", "unxz"),
                       (re.compile(rb"\x28\xb5\x2f\xfd"), "zstd-compressed", "unzstd"),
                       (re.compile(rb"PK\x03\x04"), "a zip archive", "unzip"))


# The extension each Hadoop codec names its output with (hadoop-common org/apache/hadoop/io/compress/
# CodecConstants.java, Hadoop 3.3): Spark's CSV writer takes them as option("compression", ...) (bzip2,
# deflate, gzip, lz4, snappy; zstd: Spark 3.5 CompressionCodecs) and Hive's as its output codec, each part
# named part-00000-<uuid>-c000.csv.<extension>. ctloop reads CSV plain or gzip-compressed, with both engines
# (pandas.read_csv here, pyarrow's CSV reader for drift and scoring, which read other sets: pandas 2.3.3 no
# LZ4, Snappy or deflate, pyarrow 25 LZ4 frames, not Hadoop's blocks); the others, and xz, zip and LZO, are
# refused by name: {extension: (codec, Spark's name of it, or None)}.
CSV_CODECS = {".deflate": ("deflate", "deflate"), ".lz4": ("LZ4", "lz4"), ".snappy": ("Snappy", "snappy"),
              ".zst": ("zstd", "zstd"), ".bz2": ("bzip2", "bzip2"), ".xz": ("xz", None), ".zip": ("zip", None),
              ".lzo": ("LZO", None)}


def compressed_csv(shown: str, name: str, fmt: str | None = None) -> DataSourceError | None:
    """The refusal of a CSV file whose ``name`` ends in a compression ctloop does not read (:data:`CSV_CODECS`),
    said of ``shown`` (the file, or ``<directory>: its file <name>``): one named ``x.csv.<codec>``, or with
    ``fmt`` csv any ``x.<codec>`` (Hive's ``000000_0.deflate``; without it, beside Parquet parts, a ``.lzo``
    is a file to move out); None for any other name."""
    low = name.lower()
    ext = next((ext for ext in CSV_CODECS if low.endswith(ext)), None)
    if ext is None or not (low.endswith(f".csv{ext}") or (fmt or "").lower() == "csv"):
        return None
    codec, spark = CSV_CODECS[ext]
    how = f"Spark: .option(\"compression\", \"gzip\") instead of \"{spark}\"" if spark else "gzip -c"
    return DataSourceError(f"{shown} is compressed with {codec} (its name ends in {ext}), which ctloop does not read: "
                           f"it reads CSV plain or gzip-compressed (.csv, .csv.gz): write it with gzip ({how}), or "
                           "decompress it, or write Parquet")


def _zlib_stream(head: bytes) -> bool:
    """Whether ``head`` starts a zlib stream (RFC 1950: CM 8, a header check divisible by 31), as Hadoop's
    DefaultCodec writes its ``.deflate`` files, and all of it inflates. Text is no zlib stream: a CSV header
    ``x^2,target`` (0x785E is 0 mod 31, no preset dictionary) inflates a few bytes as a fixed-Huffman block
    before its next bytes fail, so valid UTF-8 (a character cut by the end of ``head`` aside) is never one."""
    import codecs

    if len(head) < 3 or head[0] != 0x78 or (head[0] << 8 | head[1]) % 31:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return False
    except UnicodeDecodeError:
        pass
    inflate, rest, out = zlib.decompressobj(), head, 0
    try:
        while rest and not inflate.eof:  # a stream cut by the end of head is fine; an error anywhere is not
            out += len(inflate.decompress(rest, 1 << 16))
            rest = inflate.unconsumed_tail
    except zlib.error:
        return False
    return out > 0


def _hadoop_block(head: bytes) -> bool:
    """Whether ``head`` starts as Hadoop's ``BlockCompressorStream`` (its Lz4Codec and SnappyCodec) writes a
    block: the uncompressed length, then the first chunk's compressed length, 4-byte big-endian ints
    (hadoop-common io/compress/BlockCompressorStream.java ``rawWriteInt``), then the chunk. A CSV's text
    starts with no NUL byte; UTF-16/32 text without a mark has one at every second (fourth) byte."""
    if len(head) < 9 or head[0] != 0 or head[8] == 0 or _utf16_text(head):
        return False
    size, packed = int.from_bytes(head[:4], "big"), int.from_bytes(head[4:8], "big")
    return 0 < packed <= 32 + size + size // 6  # Snappy's bound of a chunk's compressed size (LZ4's is lower)


def _utf16_text(head: bytes) -> bool:
    """Whether ``head`` reads as UTF-16 text without a mark (big- or little-endian): printable characters and
    line ends only, a separator or line end among them. ``abcdЖ,n`` in UTF-16BE starts ``00 61 00 62`` with a
    non-NUL ninth byte, as a Hadoop block's lengths do; a block's first character would be U+0000 (a length
    below 16 MiB) and its compressed bytes no text."""
    import codecs

    for wide in ("be", "le"):
        try:
            text = codecs.getincrementaldecoder(f"utf-16-{wide}")().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if any(c in text for c in ",;\t\n") and all(c.isprintable() or c in "\r\n\t" for c in text):
            return True
    return False


def refuse_other_encoding(uri: str, head: bytes) -> None:
    """DataSourceError naming what the file is when a CSV file's first stored bytes (``head``,
    gzipped or not, :data:`CSV_HEAD_BYTES` of them or :func:`csv_head`'s) are not UTF-8 text: the byte-order mark of
    another encoding (pandas then says "'utf-8' codec can't decode byte 0xff" and pyarrow's CSV
    reader, UTF-8 only, "Expected 3 columns, got 1"), another compression than gzip (bzip2, xz,
    zstd, zip; also inside a gzip stream), or bytes that are no UTF-8 (a Windows-1252 export: a
    header pyarrow cannot decode was a ``UnicodeDecodeError`` traceback from ``Schema.names``). A
    UTF-8 mark is read by both, and a character cut by the end of ``head`` is no error. Also refuses
    a first line ``sep=,`` (Excel's hint of the separator, which tools writing CSV for Excel add),
    naming it: read as the header, the rows had "one field more than its header"."""
    import codecs
    import zlib

    if csv_compression(head) == "gzip":
        try:
            head = zlib.decompressobj(wbits=31).decompress(head, CSV_HEADER_MAX_BYTES)  # a partial stream is fine
        except zlib.error:
            return  # a corrupt stream: the reader names it
        # four times the stored head, and the whole header line however far it goes (csv_head)
        head = head[:max(4 * CSV_HEAD_BYTES, head.find(b"\n") + 1 or len(head))]
    found = next((bom for bom in _OTHER_BOMS if head.startswith(bom[0])), None)
    if found is not None:
        mark, name, iconv = found
        raise DataSourceError(f"{uri} is {name} text (it starts with the byte-order mark {mark.hex(' ')}): "
                              "ctloop reads UTF-8 CSV: save it as UTF-8 (Excel: 'CSV UTF-8'; "
                              f"iconv -f {iconv} -t UTF-8) or as Parquet")
    packed = next((c for c in _OTHER_COMPRESSIONS if c[0].match(head)), None)
    if packed is None and _zlib_stream(head):
        packed = (None, "deflate-compressed (a zlib stream, as Hadoop's DefaultCodec writes .deflate files)",
                  "pigz -dz")
    if packed is None and _hadoop_block(head):
        packed = (None, "LZ4- or Snappy-compressed (in Hadoop's blocks, as its Lz4Codec and SnappyCodec write .lz4 "
                        "and .snappy files)", "hadoop fs -text, under its .lz4 or .snappy name")
    if packed is not None:
        _, what, tool = packed
        raise DataSourceError(f"{uri} is {what}: ctloop reads CSV as plain text or gzip-compressed (.csv, .csv.gz): "
                              f"decompress it ({tool}) or compress it with gzip, or write Parquet")
    if head.startswith(codecs.BOM_UTF8 * 2):  # each reader strips one: the first column named '\ufeff<name>'
        raise DataSourceError(f"{uri} starts with two UTF-8 byte-order marks (ef bb bf ef bb bf: a file with one saved "
                              "again with one): its first column would be named with an invisible U+FEFF; delete one "
                              "(sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)")
    if (nul := head.find(b"\x00")) >= 0:  # valid UTF-8, yet no CSV text: pandas read UTF-16 without a mark as gaps
        wide = "LE" if nul % 2 else "BE"
        raise DataSourceError(f"{uri} holds a NUL byte (at offset {nul}), which no CSV text holds: UTF-16 or UTF-32 text "
                              f"without a byte-order mark (iconv -f UTF-16{wide} -t UTF-8), or not text at all: save it as "
                              "UTF-8 CSV or as Parquet")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise DataSourceError(f"{uri} is not UTF-8 text (byte 0x{head[exc.start]:02x} at offset {exc.start}): ctloop "
                              "reads UTF-8 CSV: save it as UTF-8 (Excel: 'CSV UTF-8'; iconv -f WINDOWS-1252 -t UTF-8 "
                              "for a Windows export) or as Parquet") from None
    hint = _EXCEL_SEPARATOR_LINE.match(head.removeprefix(codecs.BOM_UTF8))
    if hint is not None:  # read as the header ('sep=', 'Unnamed: 1'): "one field more than its header"
        raise DataSourceError(f"{uri} starts with the line {hint[1].decode('utf-8', 'replace')!r}, a hint to Excel of "
                              "the separator, not the header: ctloop reads the first line as the header: delete "
                              "that line")


# Excel's first line naming the separator ("sep=,"), which tools writing CSV for Excel add
_EXCEL_SEPARATOR_LINE = re.compile(rb"(sep=.?)\r?\n")


TABLE_FORMAT = "ctloop.table_format"
"""Key of a frame's ``attrs`` (:func:`read_table`): the format it was read in, ``csv`` or ``parquet`` (given or
told by the names), for a message that applies to one format only (a CSV written without a header row)."""

CSV_TEXT_FROM = "ctloop.csv_text_from"
"""Key of a CSV frame's ``attrs`` (:func:`read_table`): ``{column: (row, value)}`` for each column
read as text because it holds numbers in its first rows and text from ``row`` (``value``) on."""

CSV_UNNAMED = "ctloop.csv_unnamed"
"""Key of a CSV frame's ``attrs`` (:func:`read_table`): ``{column: (position, file)}`` for each column whose header
cell is empty, which pandas names ``Unnamed: <position - 1>`` (a row index written by ``to_csv``, a
spreadsheet's trailing empty columns); ``contract.check_column_names`` refuses them for training, as it
refuses a Parquet column named ``''``."""

TABLE_FILES = "ctloop.table_files"
"""Key of the ``attrs`` of a directory of files read as one frame (:func:`read_table`, two files or more): each
file's name under the directory and its rows, in the frame's order, so that a refusal naming a value's row names
its file and its row there (``drift.engine.first_word``) rather than a position in the joined frame."""

CSV_PART_ROWS = "ctloop.csv_part_rows"
"""Key of the ``attrs`` of a directory of CSV files read as one frame (:func:`read_table`) with a column under an
empty header cell (:data:`CSV_UNNAMED`): each file's rows, in the frame's order, so that each file's own pandas
index (0..k-1 in every part) is told from data (``ctloop.contract.drop_unnamed_columns``)."""

_MIXED_TYPES = re.compile(r"Columns \(([^)]*)\) have mixed types")


# pandas' default C float parser ("high") misreads about a third of 17-significant-digit values by one
# ulp (200,000 x 20 normal floats written by to_csv: 1,297,359 of 4,000,000); the rows scored in
# batch (pyarrow's CSV reader), served (JSON) and drift-checked are read exactly, so a model trained
# on the misread values scored some rows on the other side of a split (10 of 2,400 predictions off,
# by up to 0.097). "round_trip" reads what was written, at about 2.8x the parse time of that table.
FLOATS = "round_trip"


class _NulGuard(io.BufferedIOBase):
    """The text of a CSV file ``source`` (gzip-decompressed with ``compression``), as pandas' parser reads
    it, with each block looked at for a NUL byte as it passes (``bytes.find``: memchr): pandas 2.3.3's C
    parser reads a field up to a NUL byte (its fields are C strings), so ``1.5,7\\x003,1`` read 7 and
    ``1.5,\\x00,1`` a gap, silently. :func:`refuse_other_encoding` sees the first bytes only. ``found``: the
    first one's offset in the text, -1 for none. The blocks are the source's own (no buffer, no copy):
    read_table's peak stays pandas' own (tests/unit/test_r50_data_read_memory.py)."""

    def __init__(self, source: BinaryIO, compression: str | None) -> None:
        super().__init__()
        self._source = gzip.GzipFile(fileobj=source) if compression == "gzip" else source
        self.offset, self.found = 0, -1

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        block = self._source.read(size)
        if self.found < 0 and (at := block.find(b"\0")) >= 0:
            self.found = self.offset + at
        self.offset += len(block)
        return block

    read1 = read


def _nul_line(fh: BinaryIO, compression: str | None, offset: int) -> tuple[int, int]:
    """The line of the CSV file ``fh`` holding the NUL byte at ``offset`` of its text (:class:`_NulGuard`),
    and the offset its line starts at (after a ``\\n``, ``\\r\\n`` or a lone ``\\r``, which pandas' parser
    ends a row with too): the text read again up to it (a refusal's path only)."""
    fh.seek(0)
    source = gzip.GzipFile(fileobj=fh) if compression == "gzip" else fh
    line, start, done, cr = 1, 0, 0, False
    while done < offset and (block := source.read(min(offset - done, 1 << 20))):
        line += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n") - (cr and block[:1] == b"\n")
        if (end := max(block.rfind(b"\n"), block.rfind(b"\r"))) >= 0:
            start = done + end + 1
        done, cr = done + len(block), block.endswith(b"\r")
    return line, start


class _Prefix(io.BufferedIOBase):
    """The first ``size`` bytes of ``source``, read as they pass (no copy of them)."""

    def __init__(self, source: BinaryIO, size: int) -> None:
        super().__init__()
        self._source, self._left = source, size

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        block = self._source.read(self._left if size is None or size < 0 else min(size, self._left))
        self._left -= len(block)
        return block

    read1 = read


_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")  # pandas 2.3.3 tokenizer.c's words


def _nul_before_open_quote(fh: BinaryIO, compression: str | None, start: int, offset: int) -> bool:
    """Whether the NUL byte at ``offset`` of the text of the CSV file ``fh`` comes before the quote the text
    never closes, its line starting at ``start`` inside a quoted value of the record that quote is in (the
    tokenizer names the record's row, for either: a refusal's path only). The quotes as pandas' tokenizer
    reads them (tokenizer.c, pandas 2.3.3): one opens a value only at its start, ``""`` inside is one, a
    lone one closes it. The NUL is first unless it is inside a quoted value that never closes."""
    fh.seek(0)
    source = gzip.GzipFile(fileobj=fh) if compression == "gzip" else fh
    left = start
    while left and (block := source.read(min(left, 1 << 20))):
        left -= len(block)
    line = source.read(offset - start)  # from inside the quoted value up to the NUL
    at, quoted, field_start = 0, True, False
    while at < len(line):
        if quoted:
            end = line.find(b'"', at)
            if end < 0:
                break
            if line[end + 1:end + 2] == b'"':
                at = end + 2
                continue
            quoted, field_start, at = False, False, end + 1
        else:
            char = line[at:at + 1]
            quoted = char == b'"' and field_start
            field_start = char in (b",", b"\n", b"\r")
            at += 1
    if not quoted:
        return True
    source.read(1)  # the NUL
    pending = b""  # a block's last byte when it is a quote: the next block's first tells an escaped one
    while block := source.read(1 << 20):
        text, at, pending = pending + block, 0, b""
        while (end := text.find(b'"', at)) >= 0:
            if end + 1 == len(text):
                pending = b'"'
                break
            if text[end + 1:end + 2] != b'"':
                return True  # the NUL's quoted value closes: the quote never closed opens past it
            at = end + 2
    return bool(pending)  # a lone quote, the text's last byte, closes it


def _parses(fh: BinaryIO, compression: str | None, size: int, failed: BaseException, nul: int) -> bool:
    """Whether the first ``size`` bytes of the text of the CSV file ``fh`` parse (a refusal's path only):
    the tokenizer's accept or reject, read in chunks as text (no float_precision, no whole frame; no
    usecols, which hides "Expected N fields"). Text ending inside a quoted value (the NUL's line starts
    inside it) parses, unless the whole file's error ``failed`` is an open quote of that same record and the
    NUL at ``nul`` is not before it (:func:`_nul_before_open_quote`)."""
    import pandas as pd

    fh.seek(0)
    source = gzip.GzipFile(fileobj=fh) if compression == "gzip" else fh
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in pd.read_csv(_Prefix(source, size), chunksize=1 << 16):
                pass
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        cut = _OPEN_QUOTE.search(str(exc))
        if cut is None:
            return False
        whole = _OPEN_QUOTE.search(str(failed))
        return whole is None or whole[1] != cut[1] or _nul_before_open_quote(fh, compression, size, nul)
    return True


def _nul_refusal(uri: str, offset: int, line: int, compression: str | None) -> DataSourceError:
    """The refusal of the CSV file ``uri`` holding a NUL byte at ``offset`` of its text, on ``line``."""
    text = " of its decompressed text" if compression == "gzip" else ""
    return DataSourceError(f"{uri} holds a NUL byte at offset {offset}{text} (line {line}), which no CSV text holds: "
                           "the value it is in would be read cut short there (a gap, or 7 for 7<NUL>3): remove "
                           "it (tr -d '\\000') or export the table again, as UTF-8 CSV or as Parquet")


def _guarded_read_csv(uri: str, fh: BinaryIO, compression: str | None, *, stored: str | None = None,
                      **options: Any) -> pd.DataFrame:
    """``pandas.read_csv`` of the file ``fh`` through a :class:`_NulGuard`: a NUL byte anywhere in its text
    is refused (:func:`_nul_refusal`), also when the parse failed after it. ``stored``: the compression the
    file is stored with when ``fh`` holds its text already decompressed (the refusal's words)."""
    said = stored or compression
    import pandas as pd

    guard = _NulGuard(fh, compression)
    try:
        frame = pd.read_csv(guard, **options)
    except (OSError, ValueError, EOFError, zlib.error) as exc:  # _read_file's words for these, unless a NUL came first
        if guard.found >= 0:
            line, start = _nul_line(fh, compression, guard.found)
            # pandas reads ahead of the row it fails on, and the line its error names counts its rows (a
            # quoted line end not, a lone \r yes; "EOF inside string" names none): the text before the
            # NUL's line parsed alone tells whether the error came before it
            if start == 0 or _parses(fh, compression, start, exc, guard.found):
                raise _nul_refusal(uri, guard.found, line, said) from exc
        raise
    if guard.found >= 0:
        raise _nul_refusal(uri, guard.found, _nul_line(fh, compression, guard.found)[0], said)
    return frame


def refuse_nul_first(uri: str, head: bytes) -> None:
    """Refuse the CSV file ``uri`` whose first stored bytes ``head`` (gzipped or not; Arrow's first block
    and more: :data:`CSV_HEADER_MAX_BYTES` twice) hold a NUL byte before any parse error, as read_table refuses
    it (:func:`_guarded_read_csv`): the stream engine's reader failed on those bytes with a parse error of its
    own, which the first problem in the file is not (a refusal's path only). A parse error first: nothing. A
    gzip file's text is looked at, the first :data:`CSV_HEADER_MAX_BYTES` of it (Arrow failed in that block):
    before, its compressed bytes (a NUL in nearly every gzip stream) had pandas parse all the head held."""
    text = _csv_text(head)
    if b"\0" not in text:
        return
    with contextlib.suppress(OSError, ValueError, EOFError, zlib.error):  # the parse error came first
        _guarded_read_csv(uri, io.BytesIO(text), None, stored=csv_compression(head), dtype=str)


def _read_csv(uri: str, fh: BinaryIO, compression: str | None, text_columns: tuple[str, ...]) -> pd.DataFrame:
    """``pandas.read_csv`` of the file ``fh``, each column of one type. The C reader (``low_memory=True``)
    infers the type of each block of rows apart (``buffer_lines``: the largest power of two below
    ``2**20 // columns`` rows, pandas/_libs/parsers.pyx) and joins blocks of different kinds
    into one object column of Python ints and strings with a ``DtypeWarning`` ("Columns (1) have
    mixed types", pandas/io/parsers/c_parser_wrapper.py ``_concatenate_chunks``, pandas 2.3.3).
    Such columns are read again as text, so every value is a string and the data contract, the
    model's encoders and the drift engine see a text column. A column of numbers whose text
    starts past its first rows is recorded under ``frame.attrs[CSV_TEXT_FROM]`` (the first such value
    and its row), which :func:`_warn_text_from` warns of. Without the warning (nearly
    always) the file is read once, as before."""
    import pandas as pd

    dtype = dict.fromkeys(text_columns, str)
    if (header := _header_only(fh, compression)) is not None and (empty := header_frame(header)) is not None:
        return empty
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.DtypeWarning)
        frame = _guarded_read_csv(uri, fh, compression, dtype=dtype or None, float_precision=FLOATS)
    mixed: list[str] = []
    for note in caught:
        found = _MIXED_TYPES.search(str(note.message)) if issubclass(note.category, pd.errors.DtypeWarning) else None
        if found is None:  # not ours to swallow: raised again as it came
            warnings.warn_explicit(note.message, note.category, note.filename, note.lineno)
            continue
        for item in found[1].split(","):  # positions (pandas 2), or "position: name"
            position = re.match(r"\s*(\d+)", item)
            if position and int(position[1]) < len(frame.columns):
                mixed.append(frame.columns[int(position[1])])
    if not mixed:
        return frame
    del frame  # not beside the second read
    fh.seek(0)
    frame = _guarded_read_csv(uri, fh, compression, dtype={**dtype, **dict.fromkeys(mixed, str)},
                              float_precision=FLOATS)
    late: dict[str, tuple[int, str]] = {}
    for name in dict.fromkeys(mixed):
        column = frame[name]
        present = column.notna().to_numpy()
        text = present & pd.to_numeric(column, errors="coerce").isna().to_numpy()
        if text.any() and int(text.argmax()) > int(present.argmax()):  # numbers first, then text
            row = int(text.argmax())
            late[name] = (row, column.iloc[row])
    frame.attrs[CSV_TEXT_FROM] = late  # warned of by _warn_text_from, once the header line again is ruled out
    return frame


def _warn_text_from(uri: str, frame: pd.DataFrame) -> None:
    """Warn of each column :func:`_read_csv` read as text from a row on (``attrs[CSV_TEXT_FROM]``). Called after
    :func:`_refuse_header_line_again`: a header line among the rows past pandas' first block made each number
    column text from that line on, and its refusal is the one line said, not a warning per column before it
    naming the column's own name as its text (review 60 M1)."""
    from ctloop.errors import row_said

    for name, (row, value) in (frame.attrs.get(CSV_TEXT_FROM) or {}).items():  # row 0-based; said from 1 (review 61 M1)
        warnings.warn(f"{uri}: column {name!r} holds numbers in its first rows but {value!r} on {row_said(row)}: "
                      "read as text", stacklevel=1)


HEADER_SCAN_BYTES = 1 << 16
"""Bytes read at a time past a CSV header to tell whether any row follows it (:func:`_header_only`), and
before it to tell a file of lone ``\r`` line ends."""
HEADER_LINE_MAX_BYTES = 1 << 24
"""The longest header line :func:`_header_only` reads (10**6 names are some 7 MB); a longer one, or a file
without a line end, is left to pandas: the probe held the whole of a 150 MB newline-free file (310 MB RSS)."""


def _header_only(fh: BinaryIO, compression: str | None) -> bytes | None:
    """The header line of the CSV file ``fh`` (its text: decompressed) when nothing but blank lines follows it,
    else None (rows follow; or a line end pandas reads that this does not: a lone ``\r``, a quoted name holding
    a newline; or a line longer than :data:`HEADER_LINE_MAX_BYTES`); ``fh`` left at its start. Read up to the
    first row's bytes, or to the end of blank ones."""
    stream = gzip.GzipFile(fileobj=fh) if compression == "gzip" else fh
    try:
        head = stream.read(HEADER_SCAN_BYTES)
        if b"\r" in head and b"\n" not in head:  # classic Mac line ends: readline would take the whole file
            return None
        fh.seek(0)
        stream = gzip.GzipFile(fileobj=fh) if compression == "gzip" else fh
        header = stream.readline(HEADER_LINE_MAX_BYTES)
        if len(header) >= HEADER_LINE_MAX_BYTES and not header.endswith(b"\n"):
            return None
        # blank lines before it (pandas keeps a BOM after them in the first name), a lone \r: pandas reads it
        if not header.strip() or b"\r" in header.rstrip(b"\r\n") or header.count(b'"') % 2:
            return None
        while rest := stream.read(HEADER_SCAN_BYTES):
            if rest.strip():
                return None
        return header
    except (OSError, EOFError, zlib.error):  # a corrupt or cut gzip stream: the reader names it
        return None
    finally:
        fh.seek(0)


def header_frame(header: bytes) -> pd.DataFrame | None:
    """The table of no rows under the CSV ``header`` line as ``pandas.read_csv`` reads a header-only file (text
    columns; names as pandas makes them: a BOM dropped, an empty one ``Unnamed: <position>``, a repeated one
    ``<name>.1``), in time linear in its columns; None for a header it should read itself (not UTF-8, a NUL).
    pandas 2.3.3 reads a header-only file in time quadratic in its columns (``c_parser_wrapper.py`` ``read``:
    ``k in columns`` of a list, for each column): 20,000 took minutes, 10**6 hours."""
    import csv

    import numpy as np
    import pandas as pd
    from pandas.io.common import dedup_names

    try:
        text = header.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\0" in text:
        return None
    try:
        names = next(csv.reader([text.removeprefix("\ufeff").rstrip("\r\n")]), [])
    except csv.Error:  # a name longer than csv.field_size_limit() (131,072): pandas has no such limit
        return None
    names = dedup_names([name or f"Unnamed: {i}" for i, name in enumerate(names)], False)
    return pd.DataFrame(np.empty((0, len(names)), dtype=object), columns=pd.Index(names, dtype=object))


def csv_header(fh: BinaryIO, compression: str | None) -> list[str]:
    """The names of the CSV file ``fh``'s header as written (an empty one ``''``, a repeated one as it is): its
    first record as pandas reads it, past blank lines, a quoted name holding a newline, a BOM dropped; ``fh``
    read from where it is. A name longer than ``csv.field_size_limit()`` (131,072 characters, which the csv
    module raises ``_csv.Error`` past: a traceback until round 59) is read by pandas' reader, which has no such
    limit (the module's limit is the process's: never raised here for another thread's reader)."""
    import csv
    import gzip

    import pandas as pd

    start = fh.tell()
    stream = gzip.GzipFile(fileobj=fh) if compression == "gzip" else fh
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    try:
        return next((row for row in csv.reader(text) if row), [])
    except csv.Error:
        pass
    finally:  # the caller's file stays the caller's: a wrapper collected unclosed closed it, with a
        text.detach()  # ResourceWarning "unclosed file" (round 52)
    fh.seek(start)
    stream = gzip.GzipFile(fileobj=fh) if compression == "gzip" else fh
    first = pd.read_csv(stream, header=None, nrows=1, dtype=str, na_filter=False, encoding="utf-8",
                        encoding_errors="replace")
    return [str(name) for name in first.iloc[0]] if len(first) else []


def _refuse_repeated_header(uri: str, fh: BinaryIO, compression: str | None, frame: pd.DataFrame) -> None:
    """A CSV header naming a column twice: pandas reads the second as ``<name>.1`` (a label file's
    second ``label`` left out, a training table's second ``a`` a feature ``a.1``), so it is refused
    naming the column; an empty name, which pandas reads as ``Unnamed: <i>``, is recorded under
    ``frame.attrs[CSV_UNNAMED]``. The header is read again only when a column looks renamed either way."""
    if not any(re.fullmatch(r".+\.\d+|Unnamed: \d+", str(c)) for c in frame.columns):
        return
    header = csv_header(fh, compression)
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if name in seen and name:  # empty names are pandas' 'Unnamed: <i>', each its own
            raise repeated_column(uri, name, seen[name], position)
        seen[name] = position
    columns = [str(c) for c in frame.columns]
    # 'Unnamed: <i>.1' when the header names a column 'Unnamed: <i>' too (pandas' dedup_names: review 59 L2)
    unnamed = {columns[position - 1]: (position, uri) for position, name in enumerate(header, start=1)
               if not name.strip() and position <= len(columns)
               and re.fullmatch(rf"Unnamed: {position - 1}(?:\.\d+)?", columns[position - 1])}
    if unnamed:  # recorded, not refused: drift compares such a column, scoring leaves it out; training refuses it
        frame.attrs[CSV_UNNAMED] = unnamed


def _name_is_number(name: str) -> bool:
    """Whether a column's name reads as a number ('2024', '1.5'): such a name, read again as a value, leaves its
    column numbers."""
    try:
        float(name)
    except ValueError:
        return False
    return True


def _header_cell(column: pd.Series, name: str, unnamed: bool) -> np.ndarray:
    """Whether each value of ``column`` (as pandas read it) is the header cell ``name`` read again as a value: an
    empty name or one pandas reads as missing ('NA', 'null', 'nan': ``STR_NA_VALUES``) a missing value; a name
    reading as a number ('2024') that number (a float column reads it 2024.0); else the name itself, a leading
    BOM dropped (a 'CSV UTF-8' export concatenated: each part starts with one, which pandas keeps in the value)."""
    import numpy as np
    import pandas as pd
    from pandas._libs.parsers import STR_NA_VALUES

    if unnamed or name in STR_NA_VALUES:
        return column.isna().to_numpy()
    if column.dtype.kind in "biuf":
        return (column == float(name)).to_numpy() if _name_is_number(name) else np.zeros(len(column), dtype=bool)
    same = column.isin([name, "\ufeff" + name]).to_numpy()  # one hash look-up a value (review 60: not astype(str))
    if _name_is_number(name):
        text = column.astype(str).str.removeprefix("\ufeff")
        same |= (pd.to_numeric(text, errors="coerce") == float(name)).to_numpy()
    return same


def _made_text(frame: pd.DataFrame, keep: np.ndarray, names: list[str], unnamed: dict) -> list[str]:
    """The columns of ``frame`` read as text that its rows ``keep`` alone hold as numbers or ISO dates: what the
    header line read as a row made text (none: a table of text whose row names its columns, left as it is)."""
    made = []
    for i, name in enumerate(names):
        column = frame.iloc[:, i]
        if not may_be_made_text(name, unnamed) or column.dtype.kind != "O":
            continue
        head = column.iloc[:1000][keep[:1000]].dropna().iloc[:100]
        if len(head) and not _numbers_or_dates(head):
            continue  # words among its first values: not made text, the rest unread (review 60: 1.1 s per 1e6 rows)
        values = column[keep].dropna()
        if len(values) and _numbers_or_dates(values):
            made.append(name)
    return made


def may_be_made_text(name: str, unnamed: Any = ()) -> bool:
    """Whether a header line read again as a row can have made the column ``name`` text: not one empty in the
    header (its value there is missing), nor one named as a number ('2024': the header's value is a number in a
    column of numbers; review 60: the streamed reader, reading every column as text, refused a file read_table
    reads). One rule for :func:`_made_text` and the streamed reader (``drift.streaming._file_header_rows``)."""
    return name not in unnamed and not _name_is_number(name)


def reads_as(values: pd.Series, numbers: bool = True, dates: bool = True) -> tuple[bool, bool]:
    """``(numbers, dates)``: whether every one of ``values`` (text) reads as a number, and whether every one reads
    as an ISO date (in UTC: mixed offsets are dates too, without pandas' warning about them); each asked only when
    ``numbers``/``dates`` (False else). The two are judged apart: '20240105' is both (review 60: a column of such
    dates, then '2024-01-05', is dates, as pandas reads the whole column)."""
    import pandas as pd

    return (numbers and bool(pd.to_numeric(values, errors="coerce").notna().all()),
            dates and bool(pd.to_datetime(values, errors="coerce", format="ISO8601", utc=True).notna().all()))


def _numbers_or_dates(values: pd.Series) -> bool:
    """Whether every one of ``values`` (text) reads as a number, or every one as an ISO date."""
    return reads_as(values, dates=False)[0] or reads_as(values, numbers=False)[1]


def _refuse_header_line_again(uri: str, fh: BinaryIO, compression: str | None, frame: pd.DataFrame) -> None:
    """A CSV of exports concatenated with their headers (``cat week1.csv week2.csv``): the header line again among
    the rows, which pandas reads as a row whose every field is its column's name. That row made every column text
    and was refused as a time column holding 'ts' ("expected datetime, got values like ['ts']", the header counted
    as a row: stop 60's medpar_los_twice), so it is refused naming its line(s) in the file. Only a row whose every
    field is its column's name (:func:`_header_cell`: an empty name, or one pandas reads as missing, a missing
    value) is such a line, and only when it made a column text that the other rows hold as numbers or dates (a
    table of text whose row happens to name its columns, ``word`` / ``apple`` / ``word``, is read as before); a
    value that happens to be one column's name is read as before. The file is scanned for the lines only when
    such a row was read."""
    found = header_rows(frame, frame.attrs.get(CSV_UNNAMED, {}))
    if not len(found):
        return
    fh.seek(0)
    header, lines = header_lines_again(gzip.GzipFile(fileobj=fh) if compression == "gzip" else fh)
    raise header_line_again(uri, header, lines, [int(r) + 1 for r in found])


def header_named(names: list[str], unnamed: Any = (), numbers: bool = False) -> list[str]:
    """The names among ``names`` that a header line read again as a row leaves as themselves, as text: not empty
    in the header (``unnamed``: pandas' 'Unnamed: <i>'), not one pandas reads as missing ('NA': ``STR_NA_VALUES``),
    and (unless ``numbers``) not one reading as a number ('2024', :func:`_name_is_number`). One rule for
    :func:`header_rows` and the streamed reader's probe (``drift.streaming._refuse_header_line_again``)."""
    from pandas._libs.parsers import STR_NA_VALUES

    return [n for n in names if n not in unnamed and n not in STR_NA_VALUES and (numbers or not _name_is_number(n))]


def header_rows(frame: pd.DataFrame, unnamed: Any = ()) -> np.ndarray:
    """The positions of ``frame``'s rows whose every field is its column's name (:func:`_header_cell`; the
    names in ``unnamed`` were empty in the header), when those rows made a column text that the others hold as
    numbers or dates (:func:`_made_text`); none else. Read cheaply: only when every named column is text, and
    then the first one's values first (:func:`_refuse_header_line_again`, and the streamed reader's batches)."""
    import numpy as np

    none = np.zeros(0, dtype=np.intp)
    names = [str(c) for c in frame.columns]
    kept = set(header_named(names, unnamed, numbers=True))
    named = [i for i, name in enumerate(names) if name in kept]
    if not len(frame) or not named or any(
            frame.iloc[:, i].dtype.kind in "biufcmM" and not _name_is_number(names[i]) for i in named):
        return none  # a header line read as a row makes every named column text (one named '2024' may stay a number)
    hit = _header_cell(frame.iloc[:, named[0]], names[named[0]], False)  # the first named column: fewest to check
    if not hit.any():
        return none
    rows = frame.iloc[np.flatnonzero(hit)]
    same = np.ones(len(rows), dtype=bool)
    for i, name in enumerate(names):
        same &= _header_cell(rows.iloc[:, i], name, name in unnamed)
    found = np.flatnonzero(hit)[same]
    keep = np.ones(len(frame), dtype=bool)
    keep[found] = False
    return found if len(found) and _made_text(frame, keep, names, unnamed) else none


def header_lines_again(stream: Any) -> tuple[bytes | None, list[int]]:
    """The header line of the CSV text ``stream`` (read with ``read(n)``: a file, a gzip stream, a pyarrow
    input stream; a leading BOM dropped) and the numbers (1-based) of the lines that repeat it, each read
    without its line end and BOM (a 'CSV UTF-8' export concatenated starts each part with one)."""
    header, lines, number, rest = None, [], 0, b""

    def one(raw: bytes) -> None:
        nonlocal header
        line = raw.rstrip(b"\r").removeprefix(b"\xef\xbb\xbf")
        if header is None:
            if line.strip():
                header = line
        elif line == header:
            lines.append(number)

    while chunk := stream.read(1 << 20):
        *whole, rest = (rest + chunk).split(b"\n")
        for raw in whole:
            number += 1
            one(raw)
    if rest:
        number += 1
        one(rest)
    return header, lines


def header_line_again(uri: str, header: bytes | None, lines: list[int], rows: Any = ()) -> DataSourceError:
    """The refusal of a CSV file whose ``header`` line stands again at its ``lines`` (:func:`header_lines_again`),
    or, with none (quoted otherwise than the header), at its data ``rows`` (1-based): one wording for the table
    reader (:func:`_refuse_header_line_again`) and the streamed reader drift and batch scoring share."""
    shown = (header or b"").decode("utf-8", "replace")
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    where = _numbered("line", lines) if lines else _numbered("its data row", list(rows))
    count = len(lines) or len(rows)
    return DataSourceError(f"{uri}: {where} its header line {shown!r} (CSV exports concatenated with their "
                           "headers?): read as a row of text, it would make every column text; remove the repeated "
                           "header line" + ("s" if count > 1 else ""))


def _numbered(what: str, numbers: list[int]) -> str:
    """``line 5 repeats``, ``lines 5 and 9 repeat``, ``lines 1, 2, 3, 4, 5 and 7 more repeat``."""
    if len(numbers) == 1:
        return f"{what} {numbers[0]} repeats"
    if len(numbers) > 5:
        return f"{what}s {', '.join(map(str, numbers[:5]))} and {len(numbers) - 5} more repeat"
    return f"{what}s {', '.join(map(str, numbers[:-1]))} and {numbers[-1]} repeat"


# Extensions of other file formats: writing Parquet under such a name would mislead its readers.
OTHER_FORMATS = frozenset({
    ".xlsx", ".xls", ".ods", ".json", ".jsonl", ".ndjson", ".txt", ".tsv", ".feather", ".arrow", ".ipc",
    ".orc", ".avro", ".h5", ".hdf5", ".pkl", ".pickle", ".xml", ".html", ".zip", ".gz", ".bz2", ".xz",
    ".zst", ".tar", ".db", ".sqlite", ".yaml", ".yml",
})


def write_table(frame: pd.DataFrame, uri: str, fmt: str | None = None) -> None:
    """Write ``frame`` as Parquet (also for a name without a table extension, e.g. ``credit.v2``)
    or CSV. A name ending in another file format's extension (``x.xlsx``, ``x.json``) is refused,
    naming the path and the supported formats; so is a name ending in '/' (a folder: the file was
    written at the name without it, as Parquet whatever its extension)."""
    if uri.endswith("/"):
        raise ConfigError(f"cannot write a table to {uri}: it names a folder; give a file name such as "
                          f"{uri.rstrip('/')}/data.parquet, or drop the trailing '/'")
    suffix = Path(parse(uri).key).suffix
    kind = "parquet"
    if fmt or suffix:
        try:
            kind = table_format(uri, fmt)
        except ConfigError as exc:
            if fmt:
                raise
            if suffix.lower() not in OTHER_FORMATS:
                kind = "parquet"  # a version or date suffix, not a format
            else:
                raise ConfigError(f"cannot write {uri}: {suffix!r} is not a table format ctloop writes; "
                                  "use .parquet (or .pq), .csv or .csv.gz") from exc
    buf = io.BytesIO()
    if kind == "parquet":
        frame.to_parquet(buf, index=False)
        content_type = "application/vnd.apache.parquet"
    else:
        frame.to_csv(buf, index=False, compression="gzip" if uri.lower().endswith(".gz") else None)
        content_type = "text/csv"
    write_bytes(uri, buf.getvalue(), content_type=content_type)


__all__ = [
    "refuse_table_file",
    "special_file",
    "numbers_as_text",
    "NumbersAsText",
    "number_categories",
    "trained_categories",
    "fitted_encoder",
    "TABLE_FORMATS",
    "plain_missing",
    "CONNECT_TIMEOUT_S",
    "READ_TIMEOUT_S",
    "ATTEMPTS",
    "Location",
    "scheme",
    "is_remote",
    "parse",
    "read_bytes",
    "write_bytes",
    "create_bytes",
    "exists",
    "delete",
    "list_files",
    "list_objects",
    "is_scratch",
    "hive_keys",
    "check_hive_columns",
    "has_suffix",
    "SCRATCH_PREFIXES",
    "local_files",
    "ObjectInfo",
    "filesystem",
    "arrow_error",
    "refuse_unlistable",
    "local_copy",
    "output_dir",
    "check_output_dir",
    "kserve_storage_uri",
    "table_format",
    "read_table",
    "CSV_TEXT_FROM",
    "header_rows",
    "header_lines_again",
    "header_line_again",
    "GZIP_MAGIC",
    "csv_compression",
    "write_table",
    "names_standard_output",
    "hold_fifo",
    "is_gcs",
    "split_gcs",
    "gcs_client",
]
