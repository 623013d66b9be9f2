"""Reading and writing tables and files on a local path or ``gs://bucket/path``.

The only object store client is the real ``google-cloud-storage`` one. It honours
``STORAGE_EMULATOR_HOST`` (used by the tests with ``gcp-storage-emulator``) and otherwise the
usual Application Default Credentials (a Kubernetes Secret mounted by the pipeline, or workload
identity). Nothing here runs at import time.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ctloop.errors import ConfigError, DataSourceError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

TABLE_FORMATS = ("parquet", "csv")


def is_gcs(uri: str) -> bool:
    return uri.startswith("gs://")


def split_gcs(uri: str) -> tuple[str, str]:
    """``gs://bucket/a/b.csv`` -> ``("bucket", "a/b.csv")``."""
    if not is_gcs(uri):
        raise ConfigError(f"not a gs:// URI: {uri!r}")
    rest = uri[len("gs://") :]
    bucket, _, name = rest.partition("/")
    if not bucket or not name:
        raise ConfigError(f"gs:// URI needs a bucket and an object name, got {uri!r}")
    return bucket, name


def gcs_client():
    """A ``google.cloud.storage.Client``; anonymous against an emulator."""
    from google.cloud import storage  # imported where used: ~0.3 s

    if os.environ.get("STORAGE_EMULATOR_HOST"):
        return storage.Client(project=os.environ.get("GOOGLE_CLOUD_PROJECT", "ctloop-local"))
    return storage.Client()


def table_format(uri: str, fmt: str | None = None) -> str:
    """The table format of ``uri``: explicit ``fmt`` wins, else the file extension."""
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
        f"cannot tell the format of {uri!r} from its name: use a .csv or .parquet extension "
        "or pass the format explicitly"
    )


def read_bytes(uri: str) -> bytes:
    """The whole content of a local file or a gs:// object."""
    if is_gcs(uri):
        from google.api_core import exceptions as gexc

        bucket, name = split_gcs(uri)
        try:
            return gcs_client().bucket(bucket).blob(name).download_as_bytes()
        except gexc.NotFound as exc:
            raise DataSourceError(f"{uri} does not exist (bucket {bucket!r}, object {name!r})") from exc
        except gexc.GoogleAPICallError as exc:
            raise DataSourceError(f"cannot read {uri}: {exc}") from exc
    path = Path(uri)
    if not path.exists():
        raise DataSourceError(f"{uri} does not exist")
    if path.is_dir():
        raise DataSourceError(f"{uri} is a directory, expected a file")
    return path.read_bytes()


def write_bytes(uri: str, data: bytes, content_type: str = "application/octet-stream") -> None:
    if is_gcs(uri):
        bucket, name = split_gcs(uri)
        gcs_client().bucket(bucket).blob(name).upload_from_string(data, content_type=content_type)
        return
    path = Path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def read_table(uri: str, fmt: str | None = None, *, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a CSV or Parquet table from a local path or gs://.

    ``text_columns`` are read as strings from CSV (keys such as ``00123`` stay as written).
    Raises :class:`DataSourceError` for a missing, empty or corrupt file, naming the file.
    """
    import pandas as pd

    if not uri:
        raise ConfigError("no data URI given: pass a local path or gs://bucket/object")
    kind = table_format(uri, fmt)
    raw = read_bytes(uri)
    if not raw.strip():
        raise DataSourceError(f"{uri} is empty (0 bytes of data)")
    try:
        if kind == "parquet":
            frame = pd.read_parquet(io.BytesIO(raw))
        else:
            compression = "gzip" if uri.lower().endswith(".gz") else None
            frame = pd.read_csv(io.BytesIO(raw), compression=compression,
                                dtype=dict.fromkeys(text_columns, str) or None)
    except pd.errors.EmptyDataError as exc:
        raise DataSourceError(f"{uri} has no columns or rows") from exc
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        # pyarrow raises ArrowInvalid (a ValueError) for a corrupt Parquet file.
        raise DataSourceError(f"{uri} is not a readable {kind} file: {exc}") from exc
    return frame


def write_table(frame: pd.DataFrame, uri: str, fmt: str | None = None) -> None:
    """Write ``frame`` as Parquet (default for extension-less paths) or CSV."""
    try:
        kind = table_format(uri, fmt)
    except ConfigError:
        kind = "parquet"
    buf = io.BytesIO()
    if kind == "parquet":
        frame.to_parquet(buf, index=False)
    else:
        frame.to_csv(buf, index=False)
    write_bytes(uri, buf.getvalue())


__all__ = [
    "is_gcs",
    "split_gcs",
    "gcs_client",
    "table_format",
    "read_bytes",
    "write_bytes",
    "read_table",
    "write_table",
]
