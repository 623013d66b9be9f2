"""The checks of the sink's settings, shared by ``ctloop logger serve`` (flags) and the
``app_from_env`` uvicorn factory (``CTLOOP_LOG_*`` variables): each bound is written once, in
:data:`ctloop.inference_log.defaults.SINK_SETTINGS`, and a bad value is one
:class:`~ctloop.errors.ConfigError` line naming the flag or variable and the value."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from ctloop.errors import ConfigError
from ctloop.inference_log.defaults import SINK_SETTINGS

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
DAY = 86400
# the largest value each setting takes (docs/inference-log.md "Durability: write-ahead"): past them a
# setting only ever meant a number no pod's memory holds, or "never"; a 401-digit whole number was
# an OverflowError traceback
HIGH: dict[str, int] = {
    "flush_rows": 100_000_000,
    # seconds: past a day they only mean "never", as inf did (a request whose response never comes
    # waited, copied into every new WAL segment; no flush on time)
    "flush_seconds": DAY,
    "join_ttl_seconds": DAY,
    "max_columns": 100_000,
    "max_body_bytes": 1 << 32,  # 4 GiB: a 64 MiB body already takes ~1.1 GiB of memory to join
    "drain_timeout_seconds": DAY,
    "token_recheck_seconds": DAY,
}


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def variable(name: str) -> str:
    return "CTLOOP_LOG_" + name.upper()


def check_number(name: str, value: object, label: str) -> int | float:
    """``value`` (a parsed flag or a variable's text) as the setting ``name`` takes it; ``label``
    names it in the error (``--flush-rows 0``, ``CTLOOP_LOG_FLUSH_ROWS='lots'``)."""
    from ctloop.timeutil import ascii_digits, other_digits

    setting = SINK_SETTINGS[name]
    what = "a whole number" if setting.kind is int else "a finite number of seconds"
    if isinstance(value, str) and other_digits(value):  # int('٥٠٠') is 500: 0-9 only, as the flags take them
        written = ascii_digits(value.strip())
        check_number(name, written, label)  # written 0-9 and still wrong ('٠' is 0): that rule's refusal
        raise ConfigError(f"{_short(label)} must be {what} in digits 0-9 (write {written})")
    try:
        number = setting.kind(value)
    except (TypeError, ValueError):
        number = None
    if number is not None and setting.kind is int and isinstance(value, float):
        number = None  # 2.5 is no whole number
    ok = number is not None and (number >= setting.low if setting.low_allowed else number > setting.low)  # NaN: no
    if ok and setting.kind is float:  # inf seconds: a request without response would wait forever
        ok = math.isfinite(number)  # (an int is finite; isfinite of a huge one is an OverflowError)
    high = HIGH.get(name)
    over = ok and high is not None and number > high  # an int and a float compare exactly, however large
    if not ok or over:
        bound = f">= {setting.low}" if setting.low_allowed else f"> {setting.low}"
        bound = f"<= {high}" if over else bound
        raise ConfigError(f"{_short(label)} must be {what} {bound} (default {setting.default})")
    return number


def _short(label: str) -> str:
    """``label`` with a value of hundreds of digits cut to a readable length."""
    return label if len(label) <= 120 else f"{label[:100]}...({len(label) - 100} more characters)"


def broken_link(path: Path) -> str | None:
    """Why ``path`` cannot be followed, if it is a symlink that leads nowhere: ``'x' is a symlink to 'y',
    which does not exist`` or ``'x' is a symlink loop``; ``None`` for anything else (a symlink to a file
    or a directory is not called missing)."""
    import errno

    if not path.is_symlink():
        return None
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return f"{str(path)!r} is a symlink loop"
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return f"{str(path)!r} is a symlink to {os.readlink(path)!r}, which does not exist"
        return f"{str(path)!r} is a symlink to {os.readlink(path)!r}, which cannot be followed ({exc.strerror})"
    return None


def check_local_dir(label: str, value: str) -> None:
    """A directory on this machine that this process can create or write: not a URI, and its
    nearest existing ancestor is a writable directory (not a file)."""
    if _URI.match(value) or not value.strip():
        raise ConfigError(f"{label} {value!r} is not a local directory: give a path on the pod's own disk "
                          "(an emptyDir or a PersistentVolumeClaim)")
    path = Path(value)
    for parent in (path, *path.parents):
        if why := broken_link(parent):  # mkdir(parents=True) would meet it (FileExistsError)
            raise ConfigError(f"{label} {value!r}: {why}")
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(f"{label} {value!r}: {str(parent)!r} is a file, not a directory")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise ConfigError(f"{label} {value!r}: {str(parent)!r} is not writable by this user")
            return


__all__ = ["HIGH", "broken_link", "check_local_dir", "check_number", "flag", "variable"]
