"""Run a ctloop pipeline on this machine with the KFP local runner.

``run_pipeline_locally`` uses ``kfp.local.SubprocessRunner(use_venv=False)``: every task is a real
subprocess running the component exactly as it would in its container, with the current Python
environment standing in for the image. KFP prints each task's full executor input/output; that
goes to ``<workdir>/logs/<run>.log`` and the console shows task status and ctloop's own progress
lines. The run's decisions are read back from the tasks' ``executor_output.json`` files.

With ``warm=True`` (the default) the tasks start from a warm task server
(:mod:`ctloop.taskserver`): each is still its own process with its own stdio, environment and
exit status, forked from an interpreter that has already imported pandas, scikit-learn, MLflow
and evidently, instead of importing them again in every task.

Nothing outlives the run. Every task watches the ctloop process (:func:`ctloop._taskshim.watch_run`)
and ends when it ends, SIGKILL included; the warm server watches it too. SIGTERM and SIGINT
(Ctrl-C) stop every process the run started, then raise KeyboardInterrupt (``ctloop`` exits
130). Temporary files of the run (KFP's ``ephemeral_component.py`` copies, MLflow's
``db_init_lock-*``) go to a ``TMPDIR`` under ``<workdir>/.tmp`` that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ctloop.environ import setenv
from ctloop.errors import ConfigError, CtloopError

_STATUS = re.compile(r"(Task|Pipeline) .* finished with status|Executing task|Running task")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# kfp.local's own line for a failed task or pipeline (kfp 2.17 local/task_dispatcher.py and
# pipeline_orchestrator.py, logged by logging_utils' "%H:%M:%S.%f - LEVEL - message" formatter); not
# the word FAILURE anywhere in the log (a data path, a column, a task's own output)
_FAILED = re.compile(r"^\d\d:\d\d:\d\d\.\d+ - ERROR - (Task|Pipeline) '.*' finished with status FAILURE\b",
                     re.MULTILINE)


class _Tee(io.TextIOBase):
    """Everything to the log file; status and ``ctloop:`` progress lines to the console."""

    def __init__(self, log: TextIO, console: TextIO, verbose: bool):
        self.log, self.console, self.verbose = log, console, verbose
        self._buf = ""

    def write(self, text: str) -> int:
        if self.log.closed:  # the run is over: a logging handler kfp.local set up on it writes late (stale)
            return len(text)
        self.log.write(text)
        self._buf += text
        while "\n" in self._buf:
            line, self._buf = self._buf.split("\n", 1)
            plain = _ANSI.sub("", line).strip()
            if self.verbose or _STATUS.search(plain) or plain.startswith("ctloop:"):
                self.console.write(("  " if plain.startswith("ctloop:") else "") + plain + "\n")
        return len(text)

    def flush(self) -> None:
        if not self.log.closed:
            self.log.flush()
        self.console.flush()


@dataclass
class LocalRun:
    """What one local pipeline run did."""

    pipeline: str
    run_dir: Path
    log_file: Path
    seconds: float
    succeeded: bool
    error: str = ""
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def task(self, component: str) -> dict[str, Any]:
        """Outputs of the task running ``component`` (KFP suffixes repeated names: promote-model-2)."""
        if component in self.tasks:
            return self.tasks[component]
        found = [v for k, v in sorted(self.tasks.items()) if re.fullmatch(rf"{re.escape(component)}-\d+", k)]
        return found[0] if found else {}

    def output(self, task: str, name: str, default: Any = None) -> Any:
        return self.task(task).get(name, default)

    def artifact_dir(self, task: str) -> Path:
        return self.run_dir / task


def read_task_outputs(run_dir: Path) -> dict[str, dict[str, Any]]:
    """``{task name: {output name: value}}`` from every task's ``executor_output.json``. A file that
    is no JSON object (cut short: the disk filled while the task wrote it, and the task failed) is
    a task with no outputs: the run's log says why it failed."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(run_dir.glob("*/executor_output.json")):
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):  # ValueError: JSONDecodeError, UnicodeDecodeError
            data = None
        if not isinstance(data, dict):
            out[path.parent.name] = {}
            continue
        values: dict[str, Any] = dict(data.get("parameterValues") or {})
        for name, arts in (data.get("artifacts") or {}).items():
            for art in (arts.get("artifacts", []) if isinstance(arts, dict) else []):
                values[name] = {"uri": art.get("uri"), "metadata": art.get("metadata", {})}
        out[path.parent.name] = values
    return out


def run_pipeline_locally(
    pipeline_func: Any,
    arguments: dict[str, Any],
    *,
    workdir: str | Path,
    verbose: bool = False,
    console: TextIO | None = None,
    warm: bool = True,
) -> LocalRun:
    """Run ``pipeline_func(**arguments)`` under ``kfp.local``; outputs go under ``workdir``.

    ``warm``: start tasks from a warm task server (module doc); falls back to plain subprocesses
    where ``os.fork`` is unavailable. Several runs can share one server:
    ``with ctloop.taskserver.task_server(logs): run_pipeline_locally(...); run_pipeline_locally(...)``.
    """
    from kfp import local

    from ctloop.config import nulls_as_off
    from ctloop.taskserver import task_hook, task_server, warm_start_supported
    from ctloop.tracking import preflight

    # an unreachable tracking server fails here, in seconds, instead of in every task
    preflight(str(arguments.get("tracking_uri") or ""))

    arguments = {name: nulls_as_off(value) for name, value in arguments.items()}  # KFP: no null in a dict

    work = Path(workdir).resolve()
    root = work / "local_outputs"
    logs = work / "logs"
    try:
        for path in (root, logs, work / ".kfp-workspace", work / ".tmp"):
            path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in the way, no permission, read-only disk
        raise ConfigError(f"workdir {str(workdir)!r}: cannot create {exc.filename}: {exc.strerror}; "
                          "choose another --workdir") from exc
    name = getattr(pipeline_func, "name", "pipeline")
    log_file = _log_file(logs, name)
    console = console or sys.stdout
    started = time.monotonic()
    error = ""
    server = (task_server(logs) if warm and warm_start_supported() else contextlib.nullcontext())
    remove_stale_scratch(work / ".tmp")  # of runs killed by SIGKILL in this workdir
    named: list[str] = []
    scratch: Path | None = None
    # the scratch, its tmp and the task hook in it: a full disk at any step (ENOSPC, EDQUOT) is one line,
    # and leaves no scratch behind nor its lock held
    setup = contextlib.ExitStack()
    try:
        scratch = make_scratch(work / ".tmp", name)
        setup.enter_context(_stopped_on_signal())
        setup.enter_context(_tmpdir(scratch / "tmp"))
        setup.enter_context(task_hook(scratch / "hook"))
    except BaseException as exc:
        setup.close()
        if scratch is not None:
            release_scratch(scratch)
            remove_scratch(scratch)
            with contextlib.suppress(OSError):  # <workdir>/.tmp itself, when no other run uses it
                scratch.parent.rmdir()
        if isinstance(exc, OSError):
            raise ConfigError(f"workdir {str(workdir)!r}: cannot create its scratch in {work / '.tmp'}: "
                              f"{exc.strerror or exc}; choose another --workdir") from None
        raise
    with setup, server, quoted_interpreter(), _run_names(named), open(log_file, "a") as log:
        tee = _Tee(log, console, verbose)
        with contextlib.redirect_stdout(tee), contextlib.redirect_stderr(tee):
            local.init(
                runner=local.SubprocessRunner(use_venv=False),
                pipeline_root=str(root),
                workspace_root=str(work / ".kfp-workspace"),
                raise_on_error=False,
            )
            try:
                pipeline_func(**arguments)
            except RuntimeError as exc:  # kfp raises RuntimeError for a failed local pipeline
                error = str(exc)
        tee.flush()
    # this run's directory by the name kfp.local gave it, not the newest one: another run in the same
    # workdir makes its own meanwhile (and a run whose tasks wrote nothing has none)
    mine = [root / n for n in named if (root / n).is_dir()]
    if not mine:
        raise CtloopError(f"the local run of {name} produced no output directory; see {log_file}")
    run_dir = mine[-1]
    tasks = read_task_outputs(run_dir)
    status_failed = bool(_FAILED.search(_ANSI.sub("", log_file.read_text())))
    return LocalRun(
        pipeline=name,
        run_dir=run_dir,
        log_file=log_file,
        seconds=time.monotonic() - started,
        succeeded=not error and not status_failed,
        error=error or (_first_error(log_file) if status_failed else ""),
        tasks=tasks,
    )


@contextlib.contextmanager
def quoted_interpreter() -> Iterator[None]:
    """kfp 2.17.0's subprocess runner (``kfp/local/subprocess_task_handler.py``
    ``replace_python_executable``) writes the interpreter's path into each task's ``sh -ec``
    script in place of ``python3``, unquoted: from a checkout whose path holds a space every task
    failed with ``sh: 4: /home/me/ML: not found``. In the block it gets the path shell-quoted
    (unchanged when nothing in it needs quoting); nested blocks quote once."""
    import shlex

    from kfp.local import subprocess_task_handler as handler

    original = handler.replace_python_executable
    if getattr(original, "ctloop_quoted", False):
        yield
        return

    def quoted(full_command: list[str], new_executable: str) -> list[str]:
        return original(full_command, shlex.quote(new_executable))

    quoted.ctloop_quoted = True  # type: ignore[attr-defined]
    handler.replace_python_executable = quoted
    try:
        yield
    finally:
        handler.replace_python_executable = original


def _log_file(logs: Path, name: str) -> Path:
    """A new ``<name>-<YYYYmmdd-HHMMSS>.log`` under ``logs``, made here (``-2``, ``-3``, ... when a run
    of the same pipeline started within the same second): never another run's log."""
    stem = f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    for n in range(1, 1000):
        path = logs / (f"{stem}.log" if n == 1 else f"{stem}-{n}.log")
        try:
            path.touch(exist_ok=False)
            return path
        except FileExistsError:
            continue
    raise CtloopError(f"{logs}: 999 runs of {name} started within one second; choose another --workdir")


@contextlib.contextmanager
def _run_names(names: list[str]) -> Iterator[None]:
    """Collect into ``names`` the run directory names kfp.local gives while the block runs (kfp 2.17
    ``local/executor_input_utils.get_local_pipeline_resource_name``, looked up at each run)."""
    from kfp.local import executor_input_utils as utils

    original = utils.get_local_pipeline_resource_name

    def named(pipeline_name: str) -> str:
        names.append(original(pipeline_name))
        return names[-1]

    utils.get_local_pipeline_resource_name = named
    try:
        yield
    finally:
        utils.get_local_pipeline_resource_name = original


def check_registry_path(workdir: Path, name: str, hint: str) -> None:
    """The default local registry ``sqlite:///<workdir>/mlflow.db`` needs a path SQLAlchemy reads back
    as it is: ``make_url`` (SQLAlchemy 2.0 engine/url.py) cuts it at '?' (the registry went to a file
    beside the workdir) and decodes '%XX' (every task failed to open it). ``name`` names the workdir
    in the ConfigError (``--workdir runs?v=2``), ``hint`` ends it."""
    if bad := sorted({c for c in str(workdir) if c in "?%"}):
        raise ConfigError(f"{name}: its path holds {' and '.join(map(repr, bad))}, which the local registry's URL "
                          f"sqlite:///{workdir / 'mlflow.db'} cannot carry; {hint}")


def _host() -> str:
    """This host in a scratch name: 8 hex digits of its name (a host name may be 63 characters, and a
    long TMPDIR leaves no room for an AF_UNIX socket path under it)."""
    import hashlib
    import socket

    return hashlib.sha256(socket.gethostname().encode("utf-8", "surrogateescape")).hexdigest()[:8]


def scratch_prefix(lead: str, pid: int | None = None) -> str:
    """The start of the name of a scratch file or directory this process makes (``mkstemp`` /
    ``mkdtemp`` add 8 random characters): ``<lead>.ctloop-<host hash>-<pid>-``."""
    return f"{lead}.ctloop-{_host()}-{os.getpid() if pid is None else pid}-"


# A scratch is a directory whose maker holds an exclusive flock on the file SCRATCH_LOCK in it from
# the moment it exists until it is removed; the kernel drops the lock when the maker ends, SIGKILL
# included, and it is seen from every PID namespace. A process id alone was not: another namespace's
# live process looked ended. The lock is on a file of its own, opened once by the maker and by
# nothing else of it: over NFS flock is a POSIX lock (flock(2), Linux >= 2.6.12), which a process
# loses when it closes ANY descriptor of the file (kfp and ctloop open and close a staged pipeline).
SCRATCH_LOCK = ".ctloop-lock"
_MARK = b"ctloop scratch, locked by its maker\n"
# an unlocked scratch with nothing written in it this long is a maker's killed before it locked it
STALE_EMPTY_SECONDS = 300
_held: dict[str, int] = {}
_RANDOM = "abcdefghijklmnopqrstuvwxyz0123456789_"  # tempfile.mkdtemp's characters
_held_guard = threading.Lock()


def make_scratch(directory: Path, lead: str, suffix: str = "") -> Path:
    """A new scratch directory in ``directory``, named ``scratch_prefix(lead)`` + 8 random characters +
    ``suffix`` and locked for this process until :func:`release_scratch`. A mark is written to its
    lock file only once the lock is held: a clean-up that finds the lock free and the file not empty
    knows the maker has ended (an empty one may be one whose maker has not locked it yet). A maker
    paused for ``STALE_EMPTY_SECONDS`` between making the scratch and locking it (SIGSTOP, a host
    asleep) may find it removed by another run's clean-up: the lock it then holds is no longer the
    scratch's lock file (or there is no directory to make it in), and a new scratch is made; so it is
    when another run ending removed ``directory`` itself (empty) before the scratch was made in it."""
    for _ in range(3):
        made = _make_locked_scratch(directory, lead, suffix)
        if made is not None:
            return made
    raise OSError(errno.EAGAIN, f"the scratch made in {directory} was removed before it could be locked, "
                  "three times over", str(directory))


def _make_locked_scratch(directory: Path, lead: str, suffix: str) -> Path | None:
    """:func:`make_scratch`'s one attempt; None when a clean-up removed the scratch before it was locked."""
    import fcntl

    fd = -1
    try:
        path = Path(tempfile.mkdtemp(prefix=scratch_prefix(lead), suffix=suffix, dir=directory))
    except FileNotFoundError:  # another run ending removed the (empty) directory: made again, once more
        Path(directory).mkdir(exist_ok=True)
        return None
    try:
        try:
            fd = os.open(path / SCRATCH_LOCK, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        except FileNotFoundError:  # the directory went before its lock file was made
            if path.exists():
                raise
            return None
        except FileExistsError:  # a clean-up made it to remove the scratch (_remove_if_ended): it is its now
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:  # a file system without locks: no clean-up can take it either (it stays)
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                raise
        held, there = os.fstat(fd), _stat_or_none(path / SCRATCH_LOCK)
        if there is None or (there.st_dev, there.st_ino) != (held.st_dev, held.st_ino):
            os.close(fd)  # removed before it was locked: this lock guards nothing
            return None
        os.write(fd, _MARK)
    except BaseException:  # a full disk: no scratch left behind unlocked and empty
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        remove_scratch(path)
        raise
    with _held_guard:
        _held[str(path)] = fd
    return path


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def release_scratch(path: Path) -> None:
    """Drop this process's lock on its scratch ``path`` (after the scratch is removed or moved away)."""
    with _held_guard:
        fd = _held.pop(str(path), None)
    if fd is not None:
        os.close(fd)


def _old(*stats: os.stat_result) -> bool:
    return all(time.time() - st.st_mtime > STALE_EMPTY_SECONDS for st in stats)


def _remove_if_ended(path: str, is_dir: bool, away_to: str) -> None:
    """Remove the scratch ``path`` when its maker has ended: its lock is free and something written
    under it (the mark; a scratch file, as a compile of the previous ctloop made and locked itself:
    the pipeline) — or nothing is, nothing has changed for ``STALE_EMPTY_SECONDS`` and, for a
    directory, it holds nothing but its lock file (a maker killed between making its scratch and
    locking it; a live one locks it at once) or nothing at all (killed before making its lock file:
    the lock file is then made here, so a maker merely paused there finds it taken and makes a new
    scratch). The lock is held through the removal: a directory is renamed to ``away_to`` (a maker
    waking after finds its lock file gone from its scratch and makes a new one) before the lock is dropped
    and it is deleted; a file is unlinked. Dropping the lock before the removal (round 39) let a
    paused maker lock the file in between, write its mark and go on with a scratch then deleted."""
    import fcntl

    lock = os.path.join(path, SCRATCH_LOCK) if is_dir else path
    made = False
    try:
        fd = os.open(lock, os.O_RDWR | os.O_NOFOLLOW)
    except FileNotFoundError:  # no lock file: one being made, an older ctloop's scratch, or a killed maker's
        if not is_dir:
            return
        try:
            if os.listdir(path) or not _old(os.lstat(path)):
                return
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)  # its maker's now fails
            made = True
        except OSError:  # gone, or its maker made the lock file just now
            return
    except OSError:  # another user's
        return
    away = None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its maker runs
            return
        if made:
            ended = os.listdir(path) == [SCRATCH_LOCK]
        elif os.fstat(fd).st_size > 0:
            ended = True
        elif is_dir:
            ended = os.listdir(path) == [SCRATCH_LOCK] and _old(os.fstat(fd), os.lstat(path))
        else:
            ended = _old(os.fstat(fd))
        if not ended:
            if made:  # leave no lock file of ours: its maker goes on as if this clean-up had not looked
                with contextlib.suppress(OSError):
                    os.unlink(lock)
            return
        if not is_dir:
            with contextlib.suppress(OSError):
                os.unlink(path)
            return
        try:
            os.rename(path, away_to)
            away = away_to
        except OSError:
            away = None
    except OSError:
        return
    finally:
        os.close(fd)  # before the deletion: over NFS an open file is only renamed away
    if away is not None:
        remove_scratch(Path(away))


def remove_scratch(path: Path) -> None:
    """Delete the scratch directory ``path``, its lock file last: a process killed part way (SIGKILL,
    a node drained) leaves a scratch that still holds its lock file, with the mark and the lock free,
    which the next clean-up (:func:`remove_stale_scratch`) takes. ``shutil.rmtree`` deleted it in
    directory order: killed after the lock file was gone, the rest stayed for ever (a scratch with files
    and no lock file may be an older ctloop's, still running: no clean-up takes it)."""
    with contextlib.suppress(OSError):
        with os.scandir(path) as entries:
            rest = [e for e in entries if e.name != SCRATCH_LOCK]
        for entry in rest:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(path, SCRATCH_LOCK))
    shutil.rmtree(path, ignore_errors=True)  # the directory, and whatever came in meanwhile


def remove_stale_scratch(directory: Path, lead: str | None = None, suffix: str = "") -> None:
    """Remove from ``directory`` the scratch named ``scratch_prefix(lead)`` (any lead when None) + 8
    random characters + ``suffix`` made on this host whose maker has ended (killed by SIGKILL: no
    clean-up of its own ran), told by its lock (:func:`make_scratch`), not by its process id, which
    another PID namespace reuses. Nothing else: another host's, a live process's and this process's
    scratch, and every other name, stay."""
    pattern = re.compile(rf"{'.+' if lead is None else re.escape(lead)}\.ctloop-{re.escape(_host())}-([0-9]{{1,10}})-([a-z0-9_]{{8}})"
                         rf"{re.escape(suffix)}\Z")
    with contextlib.suppress(OSError), os.scandir(directory) as entries:  # closed when a removal fails too
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match is None or int(match.group(1)) == os.getpid():  # ours: an NFS lock would not conflict
                continue
            # renamed to a name of the same shape: a clean-up killed while deleting it leaves one the next takes
            away = entry.name[:match.start(2)] + "".join(random.choices(_RANDOM, k=8)) + entry.name[match.end(2):]
            _remove_if_ended(entry.path, entry.is_dir(follow_symlinks=False), os.path.join(directory, away))


@contextlib.contextmanager
def _tmpdir(path: Path) -> Iterator[None]:
    """``TMPDIR`` = ``path`` for the processes started in the block; its scratch ``path.parent`` released
    and removed after."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with setenv("TMPDIR", str(path)):
            yield
    finally:
        release_scratch(path.parent)
        remove_scratch(path.parent)
        with contextlib.suppress(OSError):  # <workdir>/.tmp itself, when no other run uses it
            path.parent.parent.rmdir()


def descendants(pid: int) -> list[int]:
    """Every living descendant of process ``pid`` (from ``/proc``; empty where there is none)."""
    children: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # ended while we looked
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


@contextlib.contextmanager
def _stopped_on_signal() -> Iterator[None]:
    """On SIGTERM or SIGINT: SIGTERM every process started during the block, then KeyboardInterrupt.

    kfp.local waits for the running task before it lets an exception through, and a signal
    sent to this process alone (``kill PID``, a timeout) reaches none of its children."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    existing = set(descendants(os.getpid()))  # started before the run (a notebook's, pytest's)

    def stop(signum, _frame):
        for pid in [p for p in descendants(os.getpid()) if p not in existing]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)
        raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")

    saved = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


# the last line of a traceback: an exception class, dotted or not, and its message
# a traceback's last line: an exception class, dotted or not, and its message
_EXCEPTION_LINE = re.compile(r"(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?::\s.*)?")


def _raised(lines: list[str]) -> str:
    """The exception line of the last traceback in ``lines`` (a log's lines): the first line after
    ``Traceback (most recent call last):`` indented as that line is (its frames and their code are
    indented further), ``""`` when there is none. A chained traceback's last one is the exception
    that ended the task."""
    marker = "Traceback (most recent call last):"
    starts = [i for i, x in enumerate(lines) if x.strip() == marker]
    if not starts:
        return ""
    indent = len(lines[starts[-1]]) - len(lines[starts[-1]].lstrip())
    for line in lines[starts[-1] + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            return line.strip() if _EXCEPTION_LINE.fullmatch(line.strip()) else ""
    return ""


def _first_error(log_file: Path) -> str:
    """The most telling error line of a failed run: the exception that ended the first failed
    task (its last traceback before kfp.local's "finished with status FAILURE"), else the last
    line naming a ctloop error or an error."""
    raw = [_ANSI.sub("", x).rstrip() for x in log_file.read_text().splitlines()]
    lines = [x.strip() for x in raw]
    failed = next((i for i, x in enumerate(lines) if x.split(" - ", 2)[-1].startswith("Task ")
                   and "finished with status FAILURE" in x), None)
    raised = _raised(raw[:failed]) if failed is not None else ""
    if raised:
        return raised
    for pattern in ("ctloop.errors.", "Error:", "error:"):
        hits = [x for x in lines if pattern in x]
        if hits:
            return hits[-1]
    return "a task failed"


def summarize_ct_run(run) -> list[str]:
    """Human-readable lines describing the decisions of a continuous-training run."""
    lines = []
    prep = run.task("prepare-data")
    if prep:
        lines.append(
            f"data      {prep.get('train_rows', '?')} train / {prep.get('holdout_rows', '?')} holdout rows, "
            f"digest {str(prep.get('digest', ''))[:12]}"
        )
    drift = run.task("detect-drift")
    if drift:
        lines.append(f"drift     drifted={drift.get('drifted')}  retrain={drift.get('retrain')}  — {drift.get('reason', '')}")
        report = (drift.get("drift_report") or {}).get("uri")
        if report:
            lines.append(f"          report: {report}")
    if run.task("train-model"):
        lines.append(f"train     MLflow run {run.output('train-model', 'run_id', '')}")
        model = run.output("train-model", "model") or {}
        lines += [f"          note: {note}" for note in (model.get("metadata") or {}).get("notes") or []]
    ev = run.task("evaluate-model")
    if ev:
        verdict = "APPROVED" if ev.get("approved") else "REJECTED"
        lines.append(f"gate      {verdict} — {ev.get('reason', '')}")
        summary = (ev.get("summary") or {}).get("uri")
        if summary:
            lines.append(f"          summary: {summary}")
    reg = run.task("register-model")
    if reg:
        lines.append(f"registry  registered version {reg.get('version')} (alias challenger); next: {reg.get('route')} "
                     f"— {reg.get('route_reason', '')}")
    lines += summarize_rollout(run, version=reg.get("version", "?") if reg else "?")
    if not ev and drift and not drift.get("retrain"):
        lines.append("decision  no retraining: the champion keeps serving")
    return lines


def summarize_rollout(run, version: str = "?") -> list[str]:
    """Lines for the rollout steps (validate, deploy, canary analysis, promote or rollback) of a
    rollout run or of the rollout seam of a continuous-training run."""
    steps = (
        ("validate-serving",
         lambda t: f"validate  {'valid' if t.get('valid') else 'INVALID'} — {t.get('reason', '')}"),
        ("deploy-canary", lambda t: f"deploy    {t.get('action')}: {t.get('latest_revision')} "
         f"(stable {t.get('previous_revision') or 'none'})"),
        ("analyze-canary",
         lambda t: f"canary    {str(t.get('decision', '')).upper()} — {t.get('reason', '')}"),
        ("promote-model", lambda t: f"promote   champion is now version {version} "
         f"(previous: {t.get('previous_champion') or 'none'})"),
        ("rollback-model", lambda t: f"rollback  traffic back on version {t.get('serving_version')}, "
         "durably (its storageUri in the spec)" if t.get("serving_version") else
         # held: another run's model in the spec, or the InferenceService gone (release._not_applied)
         "rollback  held: the spec names another run's model, left to it, or the InferenceService is gone and "
         "the rollback not applied (ctloop rollout status --model-name)"),
    )
    return [line(outputs) for task, line in steps if (outputs := run.task(task))]


__all__ = ["check_registry_path", "descendants", "quoted_interpreter", "remove_stale_scratch", "scratch_prefix", "summarize_ct_run", "summarize_rollout", "LocalRun", "run_pipeline_locally", "read_task_outputs"]
