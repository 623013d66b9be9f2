"""The client half of the warm task server (:mod:`ctloop.taskserver`). Standard library only.

``kfp.local``'s subprocess runner starts every task as ``python -m kfp.dsl.executor_main ...``.
During a local run ctloop puts a directory holding a two-line ``sitecustomize.py`` on
``PYTHONPATH``; Python imports it at start-up, before the task's module runs, and it calls
:func:`handoff`. When ``CTLOOP_TASK_SERVER`` names a listening server and the process is a KFP
task, the task is handed over: the server forks a child from its pre-imported interpreter, gives
it this process's stdin/stdout/stderr (passed as file descriptors), working directory, argv and
environment, and reports its exit status, which this process exits with. Signals sent to this
process (SIGTERM, SIGINT, SIGHUP) are forwarded to the child.

Every task of a local run, warm or cold, also watches the ctloop process that started the run
(``CTLOOP_RUN_PID``, :func:`watch_run`): when it ends, however it ends (SIGKILL included), the
task sends itself SIGTERM, so no task outlives ``ctloop run --local``.

Only a start exactly like KFP's task command (``_KFP_RUNTIME=true``, which changes what kfp
imports) is handed over. Anything else — no server, a server that does not answer, another
program — returns at once and Python goes on as usual (the "cold" path: the task imports
everything itself). Once the server
has confirmed the child's pid, there is no fallback: a task never runs twice.

This module must stay cheap to import: it runs in every task process of a local run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys

ENV_SOCKET = "CTLOOP_TASK_SERVER"
ENV_RUN_PID = "CTLOOP_RUN_PID"
# Modules whose ``python -m`` start is handed to the server: KFP's task command, and the process in
# which a task's serving validation loads the exported model (:mod:`ctloop._validate_child`, started
# by the validate_serving task, which inherits the task's environment).
HANDED_OFF = frozenset({"kfp.dsl.executor_main", "ctloop._validate_child"})
HEADER = struct.Struct("!I")
FORWARDED_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, n))  # no SIGHUP on Windows


def task_argv(argv: list[str]) -> tuple[str, list[str]] | None:
    """``(module, args)`` when ``argv`` (``sys.orig_argv``) is ``python [opts] -m MODULE ...``
    for a handed-off module, else ``None``."""
    if "-m" not in argv:
        return None
    k = argv.index("-m")
    if k + 1 >= len(argv) or argv[k + 1] not in HANDED_OFF:
        return None
    if any(opt in ("-c", "-i", "-") for opt in argv[1:k]):
        return None
    return argv[k + 1], argv[k + 2 :]


def _open_fds() -> list[int]:
    fds = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            continue
        fds.append(fd)
    return fds


def _read_line(sock: socket.socket, buf: bytearray) -> dict | None:
    while b"\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            return None
        buf += chunk
    line, _, rest = bytes(buf).partition(b"\n")
    buf[:] = rest
    return json.loads(line)


def watch_run(pid: int) -> None:
    """SIGTERM this process once process ``pid`` has ended (a daemon thread waiting on a Linux
    pidfd; elsewhere polling once a second). Ended already: SIGTERM now. Not on Windows, where
    the poll's ``os.kill(pid, 0)`` would end process ``pid`` (TerminateProcess)."""
    import threading

    if sys.platform == "win32":
        return

    def wait() -> None:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            fd = -1
        except (AttributeError, OSError):  # no pidfd (macOS, old kernels): poll
            fd = None
        if fd is None:
            import time

            while True:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
                time.sleep(1.0)
        elif fd >= 0:
            import select

            select.select([fd], [], [])
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait, name="ctloop-watch-run", daemon=True).start()


def handoff() -> None:
    """Hand this process's KFP task to the warm task server, or return to run it here."""
    target = task_argv(list(getattr(sys, "orig_argv", [])))
    if target is None:
        return
    run_pid = os.environ.get(ENV_RUN_PID, "")
    if run_pid.isdigit():
        watch_run(int(run_pid))
    path = os.environ.get(ENV_SOCKET)
    if not path or os.environ.get("_KFP_RUNTIME") != "true":
        return  # the server imported kfp in runtime mode, as KFP's task command does
    module, args = target
    fds = _open_fds()
    request = json.dumps({
        "module": module, "args": args, "cwd": os.getcwd(), "env": dict(os.environ), "fds": fds,
        "prefix": sys.prefix,  # another interpreter's environment (serving validation's) runs cold
        "version": sys.version,  # and another Python of the same prefix (/usr's 3.11 and 3.12)
    }).encode()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    buf = bytearray()
    try:
        sock.connect(path)
        message = HEADER.pack(len(request)) + request
        sent = socket.send_fds(sock, [message], fds)
        sock.sendall(message[sent:])
        started = _read_line(sock, buf)
    except OSError:
        sock.close()
        return  # no server (or it went away before starting the task): run it cold
    if not started or "pid" not in started:
        sock.close()
        return
    pid = int(started["pid"])

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in FORWARDED_SIGNALS:
        signal.signal(sig, forward)
    done = _read_line(sock, buf)  # a forwarded signal interrupts recv only briefly (PEP 475)
    if not done or "exit" not in done:
        os.write(2, b"ctloop: the warm task server went away while running this task\n")
        os._exit(70)
    code = int(done["exit"])
    if code < 0:  # killed by a signal: die the same way, as the task would have
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)


__all__ = ["ENV_RUN_PID", "ENV_SOCKET", "HANDED_OFF", "handoff", "task_argv", "watch_run"]
