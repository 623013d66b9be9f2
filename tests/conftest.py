"""Shared fixtures. Servers are real processes on loopback (see tests/fixtures/servers.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.fixtures.kfp_compile_memo import CompileMemo
from tests.fixtures.kfp_read_memo import ReadMemo
from tests.fixtures.mlflow_schema import SchemaTemplate
from tests.fixtures.object_stores import Store, azurite, moto_s3, object_stores, s3_env
from tests.fixtures.servers import gcs_emulator, mlflow_server

REPO = Path(__file__).resolve().parents[1]


def _absent_modules_fail_fast() -> None:
    """Modules MLflow and kfp try to import on every call and that are not installed here stay
    not installed, but an import of one fails at once (``None`` in ``sys.modules``). Each MLflow
    REST request checks for Databricks (mlflow 3.17 ``utils/databricks_utils.py``: ``dbruntime``,
    ``IPython``, ``pyspark``, ~15 failed imports a request), and a failed import is searched for
    again through every finder (pytest's assertion rewriter first): 1.0 ms of CPU per request in
    a test process, 0.05 ms with this."""
    import importlib.util
    import sys

    for name in ("dbruntime", "IPython", "pyspark"):
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            sys.modules[name] = None


_absent_modules_fail_fast()


def _gc_noise_left_out_of_recordings() -> None:
    """A garbage collection inside a test's warning block does not decide the test
    (tests/fixtures/gc_warnings.py)."""
    from tests.fixtures import gc_warnings

    gc_warnings.install()


_gc_noise_left_out_of_recordings()


@pytest.fixture(scope="session", autouse=True)
def _session_tmpdir(tmp_path_factory):
    """The session's temporary directory: ``TMPDIR`` (and :mod:`tempfile`'s default) point under
    pytest's base temp for the whole session, and it is removed at the end. What kfp.local
    (``kfp-workspace-*``, each task's ``ephemeral_component.py`` copy), mlflow
    (``db_init_lock-*``) and every server started by a test leave there goes with it; the
    system temporary directory is left as it was (tests/unit/test_temp_cleanup.py)."""
    path = tmp_path_factory.getbasetemp() / "tmp"
    path.mkdir()
    saved_env, saved_default = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = str(path)
    yield path
    tempfile.tempdir = saved_default
    if saved_env is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved_env
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _kfp_local_quoted_interpreter():
    """Tests that drive kfp.local themselves (the task server's) also run from a checkout whose
    path holds a space: :func:`ctloop.local.quoted_interpreter`, as ``run_pipeline_locally``."""
    from ctloop.local import quoted_interpreter

    with quoted_interpreter():
        yield


# a RAM disk for the session MLflow server's store, where there is one with room to spare
RAM_DISK, RAM_DISK_FREE_BYTES = Path("/dev/shm"), 2 * 1024**3
RAM_STORE_PREFIX, RAM_STORE_LOCK = "ctloop-mlflow-", "owner.lock"
# a store with no lock file (a session from before round 54's flock, or one about to claim its
# store) untouched this long: far past any session (a serial run of the suite is < 1 h here, a
# GitHub-hosted job is cancelled at 6 h)
UNLOCKED_STORE_IDLE_S = 24 * 3600


def _claim_store(store: Path) -> int:
    """Hold an exclusive lock on ``store``'s lock file for as long as the returned descriptor is
    open: the kernel drops it when the session's process ends, however it ends (SIGKILL too)."""
    import fcntl

    claiming = store / f"{RAM_STORE_LOCK}.tmp"
    fd = os.open(claiming, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    # named only once locked (the lock goes with the inode): a sweep between creating and locking
    # would have found an unlocked lock file and removed a store about to be used
    os.rename(claiming, store / RAM_STORE_LOCK)
    return fd


def _remove_orphan_stores(ram_disk: Path) -> list[Path]:
    """Remove the stores a killed session left on the RAM disk (SIGTERM, a CI timeout, a crashed
    xdist worker skip the fixture's ``finally``, and nothing else ever empties /dev/shm): those
    whose lock no process holds. A lock, not a pid: a container sharing the host's /dev/shm sees
    another PID namespace's live owner as gone, and a pid can be reused. A store without a lock
    file (a session between ``mkdtemp`` and its claim, or one from before round 54, which had none)
    is removed only when :func:`_unlocked_store_abandoned`. Returns what was removed."""
    import fcntl

    removed = []
    for store in ram_disk.glob(f"{RAM_STORE_PREFIX}*"):
        try:
            fd = os.open(store / RAM_STORE_LOCK, os.O_RDWR)
        except FileNotFoundError:
            if _unlocked_store_abandoned(store):
                shutil.rmtree(store, ignore_errors=True)
                removed.append(store)
            continue
        except OSError:  # another user's store (mode 0700)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its session is alive
            continue
        finally:
            os.close(fd)  # (closing releases a lock taken here)
        shutil.rmtree(store, ignore_errors=True)
        removed.append(store)
    return removed


def _unlocked_store_abandoned(store: Path, now: float | None = None) -> bool:
    """Whether ``store``, which has no lock file, belongs to no live session: a directory of this
    user's (never followed through a symlink) with no lock being claimed (``owner.lock.tmp``),
    nothing in it written for :data:`UNLOCKED_STORE_IDLE_S`, and no process here holding a file of it
    open or working in it (a session's MLflow server writes its log there: its stdout, open while it
    runs). The pid a store of round 54's first scheme names (``owner.pid``) is not trusted to be
    gone: another PID namespace's live owner looks gone; the idle time covers those."""
    import stat
    import time

    try:
        info = store.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            return False
        if (store / f"{RAM_STORE_LOCK}.tmp").exists() or (store / RAM_STORE_LOCK).exists():
            return False
        newest = info.st_mtime
        for root, dirs, files in os.walk(store):
            for name in dirs + files:
                newest = max(newest, os.lstat(os.path.join(root, name)).st_mtime)
    except OSError:  # removed meanwhile, or unreadable: not ours to judge
        return False
    if (time.time() if now is None else now) - newest < UNLOCKED_STORE_IDLE_S:
        return False
    return not _held_open(store)


def _held_open(directory: Path) -> bool:
    """Whether a process this one can see has a file under ``directory`` open, or works in it."""
    inside = str(directory.resolve()) + os.sep
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            fds = list((proc / "fd").iterdir())
        except OSError:  # gone, or another user's
            continue
        for link in [proc / "cwd", *fds]:
            try:
                target = os.readlink(link)
            except OSError:  # closed meanwhile
                continue
            if (target + os.sep).startswith(inside):
                return True
    return False


@pytest.fixture(scope="session")
def private_ca(tmp_path_factory) -> tuple[Path, Path, Path]:
    """``(ca.crt, server.crt, server.key)``: a private CA and the 127.0.0.1 certificate it signed
    (tests/fixtures/certificates.py), made once per test process for every TLS server on loopback; read
    only (``ca.key`` is beside ``ca.crt``: sign elsewhere with ``-CAserial`` there)."""
    from tests.fixtures.certificates import private_ca_files

    return private_ca_files(tmp_path_factory.mktemp("private-ca"))


@pytest.fixture(scope="session")
def mlflow_url(mlflow_store) -> str:
    """URL of a real ``mlflow server`` (sqlite backend) shared by the session, on :func:`mlflow_store`."""
    with mlflow_server(mlflow_store) as url:
        yield url


@pytest.fixture(scope="session")
def mlflow_store(tmp_path_factory) -> Path:
    """The directory of the session MLflow server's store (``mlflow.db``, ``artifacts``). On
    :data:`RAM_DISK` when that has :data:`RAM_DISK_FREE_BYTES` free, removed at the end: each write is a
    sqlite transaction whose fsyncs cost the server 30-70 ms an answer on this machine's disk, 5-25 ms
    there (round 54, measured with 20 reads and 20 creates)."""
    ram = RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK)
    if ram:
        _remove_orphan_stores(RAM_DISK)
        ram = shutil.disk_usage(RAM_DISK).free >= RAM_DISK_FREE_BYTES
    workdir = Path(tempfile.mkdtemp(prefix=RAM_STORE_PREFIX, dir=RAM_DISK)) if ram else tmp_path_factory.mktemp("mlflow")
    claim = _claim_store(workdir) if ram else None
    try:
        yield workdir
    finally:
        if ram:
            shutil.rmtree(workdir, ignore_errors=True)
            os.close(claim)


@pytest.fixture(scope="session")
def gcs_url(tmp_path_factory) -> str:
    """URL of a real GCS JSON-API emulator shared by the session."""
    with gcs_emulator(tmp_path_factory.mktemp("gcs")) as url:
        yield url


@pytest.fixture(scope="session")
def moto_workdir(tmp_path_factory) -> Path:
    """The session moto server's own directory (:func:`moto_url`): other fixtures make ``moto*`` directories
    too, so a test reading its log takes :func:`moto_log`, not a glob of the base temp directory."""
    return tmp_path_factory.mktemp("moto")


@pytest.fixture(scope="session")
def moto_url(moto_workdir) -> str:
    """URL of a real ``moto_server`` (S3) shared by the session: each test makes its own bucket.
    Started once per test process instead of once per module (0.8 s of CPU each)."""
    with moto_s3(moto_workdir) as url:
        yield url


@pytest.fixture(scope="session")
def moto_log(moto_url, moto_workdir) -> Path:
    """The session moto server's log: werkzeug's access log, a line for every request it answered."""
    return moto_workdir / "moto_server.log"


@pytest.fixture(scope="session")
def azurite_url(tmp_path_factory) -> str:
    """The blob URL of a real Azurite shared by the session: each test makes its own container.
    Started once per test process instead of once per module (node: seconds of CPU each)."""
    with azurite(tmp_path_factory.mktemp("azurite")) as url:
        yield url


@pytest.fixture(scope="session")
def stores(tmp_path_factory, gcs_url, moto_url, azurite_url) -> dict[str, Store]:
    """``{"gs", "s3", "az"}``: the session's three object stores (tests/fixtures/object_stores.py)."""
    with object_stores(tmp_path_factory.mktemp("object-stores"), gcs_url=gcs_url, s3_url=moto_url,
                       az_url=azurite_url) as running:
        yield running


@pytest.fixture(scope="session")
def s3(moto_url) -> Store:
    """The session's moto as an S3 :class:`Store`."""
    return Store("s3", moto_url, s3_env(moto_url))


@pytest.fixture
def gcs(gcs_url, monkeypatch):
    """A ``google.cloud.storage.Client`` on the emulator, with STORAGE_EMULATOR_HOST set."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_url)
    from ctloop.storage import gcs_client

    return gcs_client()


@pytest.fixture
def gcs_bucket(gcs) -> str:
    """A fresh, uniquely named bucket on the emulator; returns its name."""
    import uuid

    name = f"ctloop-{uuid.uuid4().hex[:12]}"
    gcs.create_bucket(name)
    return name


@pytest.fixture
def sqlite_tracking(tmp_path) -> str:
    """A fresh local sqlite MLflow store (no server)."""
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


@pytest.fixture(autouse=True)
def _kfp_local_print_restored():
    """kfp.local indents a task's output by replacing ``builtins.print`` for the task's duration
    (``kfp/local/logging_utils.py`` ``indented_print``, kfp 2.17.0) and restores the print it saw
    on entry: a local run left in a thread by one test (or two overlapping) leaves every later
    ``print`` of the worker prefixed with four spaces, and later tests' output checks fail far from
    the cause. Restored after each test, with a warning naming it."""
    import builtins
    import warnings

    saved = builtins.print
    yield
    if builtins.print is not saved:
        builtins.print = saved
        warnings.warn("builtins.print was left replaced (kfp.local indented_print): restored", stacklevel=1)


def _for_the_session(memo):
    """Yield ``memo`` (a per-process memo of tests/fixtures) for the session; its files removed at the end."""
    yield memo
    memo.removed()


@pytest.fixture(scope="session")
def _mlflow_schema_template(tmp_path_factory, request):
    """MLflow's sqlite schema migrated once per run (its xdist workers share the template) and
    copied into each fresh sqlite store this process opens, from the moment MLflow is imported
    (tests/fixtures/mlflow_schema.py): a fresh store's migrations cost 1.2–1.4 s of CPU each, up to
    12-22 s on a busy disk, paid by a few hundred tests."""
    template = SchemaTemplate(_run_dir(tmp_path_factory, request.config))
    template.watch_imports()  # a test importing MLflow itself copies too (round 61 review)
    yield from _for_the_session(template)


def _run_dir(tmp_path_factory, config) -> Path:
    """The directory this run's test processes share: an xdist worker's base temp is the
    controller's plus ``popen-gwK`` (xdist 3.8.0 ``workermanage.py``), so its parent, the
    controller's base temp, is shared by its fellow workers and pruned by pytest with the run; any
    other process's base temp is its own (a pytest a test starts inherits PYTEST_XDIST_WORKER, not
    ``workerinput``)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


@pytest.fixture(scope="session")
def _kfp_compile_memo():
    """kfp's YAML writer remembered per test process (tests/fixtures/kfp_compile_memo.py): the same
    compiled specs give the same file without PyYAML's pure-Python emitter, ~0.5-1 s of CPU a compile
    (``ctloop apply`` compiles each of a spec's pipelines at every apply)."""
    yield from _for_the_session(CompileMemo())


@pytest.fixture(scope="session")
def _kfp_read_memo():
    """kfp's pipeline-package reader remembered per test process (tests/fixtures/kfp_read_memo.py):
    the same package bytes give the same specs without PyYAML's pure-Python loader, ~1 s of CPU a
    run created from the continuous-training pipeline (every ``trigger``, ``approve`` and keyed run
    against a KFP double, in tests/unit, tests/ops, tests/integration, tests/e2e alike)."""
    yield from _for_the_session(ReadMemo())


@pytest.fixture(autouse=True)
def _kfp_memos_installed(_kfp_compile_memo, _kfp_read_memo):
    """Both kfp memos in place for every test (a test may have bypassed or replaced one)."""
    _kfp_compile_memo.installed()
    _kfp_read_memo.installed()


@pytest.fixture(autouse=True)
def _mlflow_env(monkeypatch, _mlflow_schema_template):
    # Tests must never talk to a tracking server a developer happens to have configured.
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    # nor read the cluster domain a CI runner's pod exports (Knative's CLUSTER_DOMAIN, ctloop.serving.isvc)
    monkeypatch.delenv("CLUSTER_DOMAIN", raising=False)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    _mlflow_schema_template.installed()  # MLflow's modules, once imported (by collection or a test)
    yield
    os.environ.pop("MLFLOW_RUN_ID", None)


def pytest_collection_modifyitems(config, items):
    """The order in which files are handed out to the xdist workers (``make test``: ``--dist
    loadfile --no-loadscope-reorder``): files with a test marked ``slow`` (servers, pipeline runs)
    first, in collection order, then the others, most tests first. xdist's own order (every file
    by its number of tests) handed out the few-test end-to-end and crash-sweep files late, where
    a long file makes the tail of the run. Every worker sorts the same collection the same way,
    so their collections stay identical."""
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    slow = {f for f, its in files.items() if any(it.get_closest_marker("slow") for it in its)}
    ordered = sorted(files, key=lambda f: (f not in slow, 0 if f in slow else -len(files[f])))
    items[:] = [item for f in ordered for item in files[f]]


# the MLflow stores a test process registers once to copy from (registry_support's templates,
# monitor_support's champions): made by template_store_dir, removed by pytest_sessionfinish
TEMPLATE_STORES: list[Path] = []
_TEMPLATE_BASE: list[Path] = []  # pytest's base temp/templates, once the session has one


@pytest.fixture(scope="session", autouse=True)
def _template_store_base(tmp_path_factory):
    """Where :func:`template_store_dir` makes its directories: under this process's pytest base
    temp (an xdist worker's own), so a worker that dies before its session's end leaves them where
    pytest's pruning of old base temps removes them (not in the system temporary directory, nor in
    a test's ``TMPDIR``)."""
    _TEMPLATE_BASE[:] = [tmp_path_factory.getbasetemp() / "templates"]
    yield _TEMPLATE_BASE[0]
    _TEMPLATE_BASE.clear()


def template_store_dir(prefix: str) -> Path:
    """A new directory for a store registered once to copy from, remembered in
    :data:`TEMPLATE_STORES` (outside a pytest session: in the temporary directory)."""
    base = _TEMPLATE_BASE[0] if _TEMPLATE_BASE else None
    if base is not None:
        base.mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base)).resolve()
    TEMPLATE_STORES.append(path)
    return path


def remove_template_stores() -> None:
    """Remove the stores of :data:`TEMPLATE_STORES` and forget them (registry_support's
    ``_TEMPLATES``, monitor_support's ``_CHAMPIONS``: a later use registers again)."""
    import sys

    for path in TEMPLATE_STORES:
        shutil.rmtree(path, ignore_errors=True)
    TEMPLATE_STORES.clear()
    for module, memo in (("tests.integration.registry_support", "_TEMPLATES"),
                         ("tests.integration.monitor_support", "_CHAMPIONS")):
        made = getattr(sys.modules.get(module), memo, None)
        if made:
            made.clear()


def pytest_sessionfinish(session, exitstatus):
    """Every process a test started has ended by now (fixtures are torn down): name and kill
    any that has not, so a leak shows in the summary instead of lingering on the machine. The
    template MLflow stores go too (:func:`remove_template_stores`): this hook runs in each xdist
    worker, the process that made them."""
    import signal

    from ctloop.local import descendants

    remove_template_stores()
    if session.config.pluginmanager.hasplugin("dsession"):
        return  # the xdist controller: its children are the workers, each checks its own
    # multiprocessing's resource tracker (started by a spawn pool, ``backtest --compare --jobs``) is
    # this interpreter's own helper, ending with it: killed here, it was reported as a leak and
    # multiprocessing warned "resource_tracker: process died unexpectedly" at exit
    from multiprocessing import resource_tracker

    tracker = getattr(resource_tracker._resource_tracker, "_pid", None)
    left = [pid for pid in descendants(os.getpid()) if pid != tracker]
    if not left:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for pid in left:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
        if reporter:
            reporter.write_line(f"LEAKED PROCESS killed at session end: pid {pid}: {cmd}", red=True)
