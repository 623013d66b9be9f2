"""Which models an inference log holds, for ``ctloop labels report`` telling a quiet period from a
typo, with the same answer for a local and a remote log and without reading any model's rows.

A model is logged when the log has its type registry ``_schema/model=<name>.json`` (the sink and
batch scoring write it with a model's first rows) or a ``model=<name>`` directory (rows written by
other tools, or before the registry existed). The directories come from one listing of the root's
top level, not recursive (on an object store a delimiter listing: one entry per model, however many
partitions each has); before, a remote log was asked for every object under ``model=<name>/`` of a
model its ``_schema`` lacked, and a typo named no model there, where a local log named them."""

from __future__ import annotations

from ctloop.inference_log.schema import SCHEMA_DIR

MODEL_DIR = "model="


def logged_models(log_root: str) -> list[str]:
    """The models ``log_root`` holds (see the module docstring), sorted."""
    import pyarrow.fs

    from ctloop.storage import arrow_error, filesystem, list_files, parse

    names = {uri.rsplit("/", 1)[-1].removeprefix(MODEL_DIR).removesuffix(".json")
             for uri in list_files(f"{log_root.rstrip('/')}/{SCHEMA_DIR}", ".json")
             if uri.rsplit("/", 1)[-1].startswith(MODEL_DIR)}
    if parse(log_root).scheme == "gs":
        names |= _gcs_model_dirs(log_root)
    else:
        fs, path = filesystem(log_root)
        try:
            top = fs.get_file_info(pyarrow.fs.FileSelector(path, recursive=False, allow_not_found=True))
        except OSError as exc:
            raise arrow_error(log_root, exc) from exc
        names |= {info.base_name.removeprefix(MODEL_DIR) for info in top
                  if info.type == pyarrow.fs.FileType.Directory and info.base_name.startswith(MODEL_DIR)}
    return sorted(name for name in names if name)


def _gcs_model_dirs(log_root: str) -> set[str]:
    """The ``model=<name>`` prefixes at the top of a gs:// log: one delimiter listing with the
    storage client ctloop uses (Arrow's non-recursive GCS listing returned nothing from the
    emulator the tests run, where the client's ``prefixes`` are right). An error of the store is
    the one line :func:`ctloop.storage.arrow_error` gives (the URI and what to fix)."""
    from ctloop import storage
    from ctloop.errors import CtloopError

    loc = storage.parse(log_root)
    prefix = f"{loc.key.strip('/')}/" if loc.key.strip("/") else ""
    try:
        from google.cloud.storage.retry import DEFAULT_RETRY

        # the timeouts and retry deadline of every other GCS call of ctloop.storage
        retry = DEFAULT_RETRY.with_delay(initial=0.5, maximum=4.0, multiplier=2.0).with_timeout(
            storage.GCS_RETRY_DEADLINE_S)
        pages = storage.gcs_client().list_blobs(loc.bucket, prefix=prefix + MODEL_DIR, delimiter="/", retry=retry,
                                                timeout=(storage.CONNECT_TIMEOUT_S, storage.READ_TIMEOUT_S))
        for _ in pages:  # the objects directly under the root (none, usually): read to fill .prefixes
            pass
        found = set(pages.prefixes)
    except CtloopError:
        raise
    except Exception as exc:  # noqa: BLE001 - any client or transport error: the store's one line
        raise storage.arrow_error(log_root, OSError(str(exc))) from exc
    return {p[len(prefix):].rstrip("/").removeprefix(MODEL_DIR) for p in found}


__all__ = ["logged_models"]
