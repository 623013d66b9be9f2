"""SIGTERM as an exception, for the few blocks whose cleanup must run when a supervisor stops the
process (KFP stopping a run, a pod evicted, ``kill``, a CI timeout).

Python's default action for SIGTERM ends the process at once, running no ``finally``/``except``.
Inside :func:`sigterm_raises` the first SIGTERM raises an exception instead (exit status 143 once
it reaches the top, as the default action gives), so the block's cleanup runs.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["sigterm_raises"]


@contextmanager
def sigterm_raises(
    error: Callable[[int], BaseException] = SystemExit,
    *,
    then: Any = signal.SIG_DFL,
    ignore_for: float | None = None,
) -> Iterator[None]:
    """Within the block the first SIGTERM raises ``error(128 + 15)``; ``then`` is what a second
    one gets while that exception unwinds (the cleanup runs): ``signal.SIG_DFL``, the process ends
    at once (a cleanup that may hang: a process pool shut down), or ``signal.SIG_IGN``, ignored (a
    cleanup with a deadline of its own, which a second SIGTERM would cut short part-way). SIGTERM's
    default action is back when the block ends. Only in the main thread (the only one Python
    delivers signals to) and only over the default action: a handler of the caller's own (a task
    server's) is left in place. With ``then=signal.SIG_IGN``, ``ignore_for`` seconds bound the
    ignoring: a SIGTERM that late after the first ends the process as the default action (the
    cleanup's deadline, should a request of it outlive that)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def stop(signum: int, _frame: Any) -> None:
        if then is signal.SIG_IGN and ignore_for is not None:
            until = time.monotonic() + ignore_for

            def again(_signum: int, _frame: Any) -> None:
                if time.monotonic() >= until:
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    os.kill(os.getpid(), signal.SIGTERM)

            signal.signal(signal.SIGTERM, again)
        else:
            signal.signal(signal.SIGTERM, then)
        raise error(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
