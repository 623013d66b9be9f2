"""Warm task server: local pipeline runs without paying Python imports in every task.

``kfp.local`` runs each task as a fresh ``python -m kfp.dsl.executor_main`` process, exactly as
a pod would. Most of a local task's time is then spent importing: pandas and pyarrow (~0.35 s),
scikit-learn (~0.7–1 s), MLflow and its SQL store (~1.5 s), evidently (4–7 s) — paid again by
every task, while the work itself often takes tenths of a second.

The server imports those libraries once, in the background, and then forks one child per task
(``os.fork``: the child shares the imported modules copy-on-write). Each task still runs in a
process of its own, started from a pristine parent that never ran task code, with the task's
own stdin/stdout/stderr, working directory, environment and argv, and its exit status goes back
to kfp.local unchanged; only the imports are shared. How a task reaches the server:
:mod:`ctloop._taskshim` (the client half, loaded through a ``sitecustomize.py`` put on
``PYTHONPATH`` for the duration of the run).

Fidelity to a fresh process, handled in the child: default signal handlers; standard streams
re-opened on the task's descriptors with the usual buffering (stdout line-buffered only on a
terminal, ``PYTHONUNBUFFERED`` honoured); ``random`` (by Python itself) and NumPy's global
generator reseeded from OS entropy; ``sys.path[0]`` = the task's working directory; thread
shutdown and ``atexit`` handlers run at exit. The parent never opens a database, a socket to a
tracking server or a thread pool, so nothing unsafe crosses the fork.

The server ends with the process that started it, however that one ends: it watches its parent
(a Linux pidfd, ``PR_SET_PDEATHSIG`` as a second line, a once-a-second ``getppid`` check
elsewhere), and on its way out it stops its tasks (SIGTERM, SIGKILL after
:data:`CHILD_GRACE_S`) and removes its socket directory.

Preloading is progressive: the server answers tasks as soon as it listens, importing the next
module of :data:`PRELOAD` between requests, so an early task never waits for the whole list;
whatever is not loaded yet the child imports itself. Linux and macOS only (AF_UNIX, fork);
elsewhere, or with ``warm=False``, tasks run cold.

    python -m ctloop.taskserver --socket /tmp/ctloop-ts.sock [--preload mod,mod] [--parent PID]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import io
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ctloop._taskshim import ENV_RUN_PID, ENV_SOCKET, HEADER
from ctloop.environ import setenv
from ctloop.errors import ConfigError, CtloopError

# What ctloop's tasks import, cheapest and most widely needed first.
PRELOAD: tuple[str, ...] = (
    "kfp.dsl.executor_main",
    "pandas",
    "pyarrow.parquet",
    "ctloop.artifacts",
    "ctloop.storage",
    "ctloop.components.prepare.core",
    # nearly every task after the first opens the registry
    "mlflow",
    "mlflow.tracking.client",
    "mlflow.store.tracking.sqlalchemy_store",
    "mlflow.store.model_registry.sqlalchemy_store",
    "ctloop.registry",
    "ctloop.tracking",
    "ctloop.drift.engine",
    "sklearn.pipeline",
    "sklearn.compose",
    "sklearn.impute",
    "sklearn.preprocessing",
    "sklearn.ensemble",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.model_selection",
    "joblib",
    "skops.io",
    "mlflow.sklearn",
    "mlflow.models",
    "mlflow.utils.requirements_utils",  # and its module -> distribution map: see WARM
    "ctloop.components.train.core",
    "ctloop.components.evaluate.core",
    "ctloop.components.register.core",
    "scipy.stats",
    "scipy.spatial.distance",
    "ctloop.components.monitor.core",
    "ctloop.inference_log.reader",
    "ctloop.labels.join",
    "ctloop.labels.realized",
    "ctloop.serving.rollout",
    "ctloop.serving.analysis",
    "ctloop.serving.kube",
    "matplotlib",
    # the HTML drift report: the largest import, needed only once a champion exists
    "evidently",
    "evidently.presets",
    "ctloop.drift.report",
    # the Kubernetes client (~900 modules): every rollout task (deploy, analyse, promote, rollback)
    "kubernetes.client",
    "kubernetes.config",
)
# Work a task would otherwise redo after the import, done once in the server: {module: function}.
# mlflow.utils.requirements_utils: the map of installed modules to distributions
# (importlib_metadata.packages_distributions, ~0.8 s CPU) that MLflow builds on a process's first
# log_model or load_model to check the model's requirements; it is the same in every task of a run.
WARM: dict[str, str] = {"mlflow.utils.requirements_utils": "_init_modules_to_packages_map"}
HOOK_SOURCE = (
    "# Written by ctloop for a local pipeline run: hands kfp.local tasks to the warm task server.\n"
    "from ctloop._taskshim import handoff\n"
    "handoff()\n"
)
READY_TIMEOUT_S = 30.0
# Seconds the server's tasks get to end after SIGTERM when the server stops, before SIGKILL.
CHILD_GRACE_S = 5.0
ENV_HOOK = "CTLOOP_TASK_HOOK"


def same_interpreter(request: dict) -> bool:
    """Whether a task's start request (``_taskshim``) comes from this server's interpreter: the same
    environment (``sys.prefix``) and the same Python (``sys.version``: two interpreters can share a
    prefix, ``/usr/bin/python3.11`` and ``/usr/bin/python3.12`` both have ``/usr``). A request
    without them is ours (a task's own start, as the shim sent before it said)."""
    prefix, version = request.get("prefix"), request.get("version")
    if prefix is not None and os.path.realpath(prefix) != os.path.realpath(sys.prefix):
        return False
    return version is None or version == sys.version


@dataclass(frozen=True)
class TaskServer:
    """A running warm task server: its socket, process id and log file."""

    path: str
    pid: int
    log: Path


def warm_start_supported() -> bool:
    return hasattr(os, "fork") and hasattr(socket, "AF_UNIX") and hasattr(socket, "send_fds")


# ----------------------------------------------------------------------------- the child
def _reopen_std_streams(env: dict[str, str]) -> None:
    """Standard streams on the task's descriptors, buffered as a fresh interpreter would:
    stderr line-buffered, stdout line-buffered only on a terminal, ``PYTHONUNBUFFERED`` honoured."""
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    encoding = sys.stdout.encoding if sys.stdout else "utf-8"
    streams: list[io.TextIOWrapper | None] = []
    for fd in (0, 1, 2):
        try:
            if fd == 0:
                binary = open(0, "rb", closefd=False)  # noqa: SIM115 - lives as long as the task
            else:
                binary = open(fd, "wb", buffering=0 if unbuffered else -1, closefd=False)  # noqa: SIM115
        except OSError:
            streams.append(None)
            continue
        streams.append(io.TextIOWrapper(
            binary,
            encoding=encoding,
            errors="backslashreplace" if fd == 2 else "strict",
            line_buffering=fd == 2 or os.isatty(fd),
            write_through=unbuffered and fd != 0,
        ))
    sys.stdin, sys.stdout, sys.stderr = streams
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = streams


def _run_child(request: dict, fds: list[int], closing: list) -> None:
    """In the forked child: become the task, run it, exit with its status. Never returns."""
    import runpy
    import threading

    code = 1
    try:
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.set_wakeup_fd(-1)
        for thing in closing:
            with contextlib.suppress(OSError):
                os.close(thing) if isinstance(thing, int) else thing.close()
        for fd, target in zip(fds, request["fds"], strict=True):
            os.dup2(fd, target)
            if fd != target:
                os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import tempfile as _tempfile

        _tempfile.tempdir = None  # a fresh process reads TMPDIR from the task's environment
        _reopen_std_streams(request["env"])
        np_random = sys.modules.get("numpy.random")
        if np_random is not None:  # a fresh process seeds NumPy's global generator from entropy
            np_random.seed()
        sys.path[0] = os.getcwd()
        sys.argv = [request["module"], *request["args"]]
        try:
            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:  # noqa: BLE001 - the task's own failure: report it as the interpreter would
            import traceback

            traceback.print_exc()
            code = 1
        with contextlib.suppress(BaseException):
            threading._shutdown()  # join non-daemon threads, as interpreter exit does
        import atexit

        with contextlib.suppress(BaseException):
            atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                if stream:
                    stream.flush()
    finally:
        os._exit(code & 0xFF if code >= 0 else 1)


# ----------------------------------------------------------------------------- the server
def _recv_at_least(conn: socket.socket, buf: bytearray, size: int) -> None:
    while len(buf) < size:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError(f"request ended after {len(buf)} of {size} bytes")
        buf += chunk


class _Stopped(BaseException):
    """SIGTERM or SIGINT during a preload: the import is abandoned (the server is on its way out)."""


class _Server:
    def __init__(self, path: str, preload: list[str], log, parent: int = 0) -> None:
        self.path = path
        self.parent = parent
        self.queue = list(preload)
        self.log = log
        self.children: dict[int, socket.socket] = {}
        self.stop = False
        # True while a preload imports: a stop then ends the import at once (evidently's takes 4-7 s)
        # instead of finishing a module no task of this server will use
        self.preloading = False

    def say(self, text: str) -> None:
        self.log.write(f"{time.strftime('%H:%M:%S')} {text}\n")
        self.log.flush()

    def preload_next(self) -> None:
        name = self.queue.pop(0)
        t = time.perf_counter()
        self.preloading = True
        if self.stop:  # a stop between the loop's check and the line above: abandon it now too
            self.preloading = False
            raise _Stopped
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - a missing optional module only means a cold import later
            self.say(f"preload {name}: failed ({type(exc).__name__}: {exc}); tasks import it themselves")
            return
        finally:
            self.preloading = False
        if name in WARM:
            self.preloading = True
            try:
                getattr(module, WARM[name])()
            except Exception as exc:  # noqa: BLE001 - a private helper of another release: tasks build it
                self.say(f"preload {name}: {WARM[name]}() failed ({type(exc).__name__}: {exc}); "
                         "tasks build what it builds themselves")
            finally:
                self.preloading = False
        gc.collect()
        gc.freeze()  # keep imported objects out of later collections: children share the pages
        self.say(f"preload {name}: {time.perf_counter() - t:.2f} s")

    def serve(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        listener.bind(self.path)
        listener.listen(64)
        listener.setblocking(False)
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        os.set_blocking(wake_r, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)

        def _stop(*_):
            self.stop = True
            if self.preloading:
                self.preloading = False
                raise _Stopped

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        sel = selectors.DefaultSelector()
        sel.register(listener, selectors.EVENT_READ, "accept")
        sel.register(wake_r, selectors.EVENT_READ, "wake")
        closing = [listener, sel]
        parent_fd = _watch_parent(self.parent)
        if parent_fd is not None:
            sel.register(parent_fd, selectors.EVENT_READ, "parent")
            closing.append(parent_fd)
        self.say(f"listening on {self.path}; {len(self.queue)} modules to preload")
        print("ready", flush=True)
        try:
            while not self.stop:
                timeout = 0 if self.queue else (1.0 if self.parent and parent_fd is None else None)
                if self.parent and os.getppid() != self.parent:
                    self.say(f"parent {self.parent} is gone: stopping")
                    break
                for key, _ in sel.select(timeout):
                    if key.data == "parent":
                        self.say(f"parent {self.parent} ended: stopping")
                        self.stop = True
                    elif key.data == "accept":
                        conn, _ = listener.accept()
                        conn.setblocking(True)
                        conn.settimeout(10)
                        self.receive(conn, sel, closing + [wake_r, wake_w])
                    elif key.data == "wake":
                        with contextlib.suppress(BlockingIOError):
                            os.read(wake_r, 4096)
                    elif key.data == "conn":  # the task's shim went away: stop its child
                        self.client_gone(key.fileobj, sel)
                self.reap(sel)
                if self.queue and not self.stop:
                    try:
                        self.preload_next()
                    except _Stopped:
                        self.say(f"stopping: preload abandoned, {len(self.queue)} module(s) left")
                        break
        finally:
            self.stop_children()
            listener.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)

    def stop_children(self) -> None:
        """SIGTERM every running task, SIGKILL what is left after :data:`CHILD_GRACE_S`."""
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + CHILD_GRACE_S
        while self.children:
            for pid in list(self.children):
                with contextlib.suppress(ChildProcessError):
                    done, status = os.waitpid(pid, os.WNOHANG)
                    if done == 0:
                        continue
                    self.say(f"task pid {pid}: exit {os.waitstatus_to_exitcode(status)} (stopped)")
                self.children.pop(pid).close()
            if self.children and time.monotonic() > deadline:
                for pid in list(self.children):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                deadline = float("inf")
            if self.children:
                time.sleep(0.05)

    def receive(self, conn: socket.socket, sel, closing: list) -> None:
        fds: list[int] = []
        try:
            data, fds, _, _ = socket.recv_fds(conn, 65536, 3)
            buf = bytearray(data)
            _recv_at_least(conn, buf, HEADER.size)
            (length,) = HEADER.unpack(buf[: HEADER.size])
            _recv_at_least(conn, buf, HEADER.size + length)
            request = json.loads(bytes(buf[HEADER.size : HEADER.size + length]))
            if len(fds) != len(request["fds"]):
                raise ConnectionError(f"expected {len(request['fds'])} descriptors, got {len(fds)}")
        except (OSError, ValueError, KeyError) as exc:
            self.say(f"bad request: {exc}")
            for fd in fds:
                os.close(fd)
            conn.close()
            return
        prefix = request.get("prefix")
        if not same_interpreter(request):
            # another environment (a python= of serving validation): its own packages, not ours; the
            # shim runs it cold, as Python would (an answer without a pid)
            version = (request.get("version") or "").split()[0] if request.get("version") else "?"
            self.say(f"{request['module']} of the interpreter in {prefix} (Python {version}; ours: {sys.prefix}, "
                     f"Python {sys.version.split()[0]}): not ours, run cold")
            for fd in fds:
                os.close(fd)
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"cold": prefix}).encode() + b"\n")
            conn.close()
            return
        others = list(self.children.values())
        for stream in (sys.stdout, sys.stderr):  # nothing of the server's may reach a task
            stream.flush()
        pid = os.fork()
        if pid == 0:
            _run_child(request, fds, closing + others + [conn])
        for fd in fds:
            os.close(fd)
        try:
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        except OSError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        conn.settimeout(None)
        self.children[pid] = conn
        sel.register(conn, selectors.EVENT_READ, "conn")
        self.say(f"task pid {pid}: {request['module']} in {request['cwd']}")

    def client_gone(self, conn: socket.socket, sel) -> None:
        for pid, c in self.children.items():
            if c is conn:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
                break
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(conn)

    def reap(self, sel) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            self.say(f"task pid {pid}: exit {code}")
            with contextlib.suppress(KeyError, ValueError):
                sel.unregister(conn)
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
            conn.close()


def _watch_parent(parent: int) -> int | None:
    """A pidfd that becomes readable when ``parent`` ends (Linux), else ``None`` (the serve loop
    then checks ``getppid`` once a second). Also asks the kernel for SIGTERM on parent death."""
    if not parent:
        return None
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1  # <linux/prctl.h>
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:  # it ended before we could watch it
        os.kill(os.getpid(), signal.SIGTERM)
    try:
        return os.pidfd_open(parent)
    except ProcessLookupError:
        os.kill(os.getpid(), signal.SIGTERM)
    except (AttributeError, OSError):
        pass
    return None


@contextlib.contextmanager
def task_hook(directory: str | Path) -> Iterator[None]:
    """Put ctloop's ``sitecustomize.py`` (:mod:`ctloop._taskshim`) on ``PYTHONPATH`` with
    ``CTLOOP_RUN_PID`` = this process for the block: every KFP task started inside it watches
    this process (and is handed to a warm server when one runs). Nested use changes nothing."""
    if os.environ.get(ENV_HOOK):
        yield
        return
    hook = Path(directory)
    if os.pathsep in str(hook):  # PYTHONPATH is split there: no task would load the hook (a workdir a:b)
        hook = Path(tempfile.mkdtemp(prefix="ctloop-hook-", dir="/tmp" if os.pathsep == ":" else None))
    try:
        hook.mkdir(parents=True, exist_ok=True)
        (hook / "sitecustomize.py").write_text(HOOK_SOURCE)
    except OSError:  # a full disk: no half-written hook left behind (the caller says what failed)
        with contextlib.suppress(OSError):
            (hook / "sitecustomize.py").unlink()
        with contextlib.suppress(OSError):
            hook.rmdir()
        raise
    saved = {k: os.environ.get(k) for k in (ENV_HOOK, ENV_RUN_PID, "PYTHONPATH")}
    os.environ[ENV_HOOK] = str(hook)
    os.environ[ENV_RUN_PID] = str(os.getpid())
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH", "")) if p)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        with contextlib.suppress(OSError):
            (hook / "sitecustomize.py").unlink()
            hook.rmdir()


# ----------------------------------------------------------------------------- the runner side
@contextlib.contextmanager
def task_server(
    log_dir: str | Path, preload: tuple[str, ...] | list[str] | None = None
) -> Iterator[TaskServer | None]:
    """Start a warm task server for the block: ``kfp.local`` tasks started inside it are handed
    to it (module doc). Its log is ``<log_dir>/taskserver.log``; ``preload`` defaults to
    :data:`PRELOAD`. Nested use reuses the running server and yields ``None``. The server ends
    with the block, or with this process if that ends first (module doc)."""
    if os.environ.get(ENV_SOCKET):
        yield None
        return
    with started_task_server(log_dir, preload) as server, serving(server):
        yield server


@contextlib.contextmanager
def serving(server: TaskServer) -> Iterator[None]:
    """Hand ``kfp.local`` tasks started inside the block to the running ``server`` (its socket in
    ``CTLOOP_TASK_SERVER``, the task hook on ``PYTHONPATH``); the environment is restored after."""
    with setenv(ENV_SOCKET, server.path), task_hook(Path(server.path).parent / "hook"):
        yield


@contextlib.contextmanager
def started_task_server(
    log_dir: str | Path, preload: tuple[str, ...] | list[str] | None = None
) -> Iterator[TaskServer]:
    """:func:`task_server`'s process alone: started for the block and stopped after it, but no task
    is handed to it outside a :func:`serving` block (one server for several separate blocks)."""
    if not warm_start_supported():
        raise CtloopError("the warm task server needs os.fork and AF_UNIX sockets (Linux or macOS)")
    preload = PRELOAD if preload is None else preload
    log_dir = Path(log_dir)
    tmp: Path | None = None
    log = None
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        # AF_UNIX paths are limited to 107 bytes: a long TMPDIR falls back to /tmp
        base = tempfile.gettempdir()
        tmp = Path(tempfile.mkdtemp(prefix="ctloop-ts-", dir=base if len(base) < 80 else "/tmp"))
        path = str(tmp / "s")
        log = open(log_dir / "taskserver.log", "a")  # noqa: SIM115 - closed when the server ends
        env = dict(os.environ)
        env.pop(ENV_SOCKET, None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "ctloop.taskserver", "--socket", path, "--preload", ",".join(preload),
             "--parent", str(os.getpid()), "--owned-dir", str(tmp)],
            stdout=subprocess.PIPE, stderr=log, env=env, text=True, start_new_session=True,
        )
    except OSError as exc:  # a full disk (ENOSPC, EDQUOT), no permission, no process left to fork
        if log is not None:
            log.close()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        where = f"{exc.filename}: " if exc.filename else ""
        raise ConfigError(f"cannot start the warm task server: {where}{exc.strerror or exc}; free space there, "
                          "choose another --workdir (or TMPDIR), or pass --cold") from None
    try:
        line = _read_ready(proc)
        if line != "ready":
            raise CtloopError(f"the warm task server did not start; see {log_dir / 'taskserver.log'}")
        yield TaskServer(path=path, pid=proc.pid, log=log_dir / "taskserver.log")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=CHILD_GRACE_S + 10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def _read_ready(proc: subprocess.Popen) -> str:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(READY_TIMEOUT_S):
        return ""
    return (proc.stdout.readline() or "").strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ctloop.taskserver", description=__doc__.split("\n")[0])
    parser.add_argument("--socket", required=True, help="AF_UNIX socket path to listen on")
    parser.add_argument("--preload", default=",".join(PRELOAD), help="comma-separated modules to import")
    parser.add_argument("--parent", type=int, default=0, help="stop when this process ends")
    parser.add_argument("--owned-dir", default="", help="directory to remove on exit (the socket's)")
    args = parser.parse_args(argv)
    # the task command sets this before importing kfp; import kfp the same way
    os.environ.setdefault("_KFP_RUNTIME", "true")
    preload = [m for m in args.preload.split(",") if m]
    try:
        _Server(args.socket, preload, sys.stderr, parent=args.parent).serve()
    finally:
        if args.owned_dir:
            shutil.rmtree(args.owned_dir, ignore_errors=True)
    return 0


__all__ = ["PRELOAD", "TaskServer", "same_interpreter", "serving", "started_task_server", "task_hook", "task_server",
           "warm_start_supported"]

if __name__ == "__main__":
    sys.exit(main())
