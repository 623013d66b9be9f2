"""Argument types shared by the ``ctloop`` sub-commands: a bad value is refused by argparse
itself, before anything runs, as one line naming the flag and the value
(``ctloop drift: error: argument --batch-rows: must be a whole number >= 1, got '-1'``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number ``>= minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {text!r}")
        return value

    return parse


__all__ = ["int_at_least"]
