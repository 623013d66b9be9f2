"""An environment variable set for the length of a block: the processes started inside see it, and
the previous value (or its absence) is back afterwards, also after an exception."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["setenv"]


@contextmanager
def setenv(name: str, value: str) -> Iterator[None]:
    """``os.environ[name] = value`` inside the block; restored (or removed) after it."""
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved
