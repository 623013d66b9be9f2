"""Helpers for the registry tests: a small model logged by ctloop's own training logger, and the
consistency check every reader must pass after a repair."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd

from ctloop import tracking
from ctloop.errors import RegistryError
from ctloop.registry import (
    CHAMPION,
    PREVIOUS_CHAMPION,
    TAG_CHAMPION_SINCE,
    TAG_CHAMPION_UNTIL,
    TAG_PREVIOUS_CHAMPION,
    TAG_SUPERSEDED_BY,
    MlflowRegistry,
)
from tests.fixtures.servers import SHUTDOWN_POLL_S


def small_frame(seed: int = 0, rows: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.normal(size=rows)})
    df["y"] = (df.a + 0.3 * rng.normal(size=rows) > 0).astype(int)
    return df


def log_small_model(url: str, experiment: str, seed: int = 0):
    """``(model, run_id, model_uri, frame)`` of a logistic regression logged as train_model logs it."""
    from sklearn.linear_model import LogisticRegression

    frame = small_frame(seed)
    model = LogisticRegression().fit(frame[["a", "b"]], frame.y)
    meta = {"features": ["a", "b"], "numeric": ["a", "b"], "target": "y", "task": "classification"}
    run_id, uri = tracking.log_training_run(
        tracking_uri=url,
        experiment=experiment,
        model=model,
        meta=meta,
        params={},
        metrics={},
        train_frame=frame,
        dataset_digest=f"digest-{seed}",
        data_uri="",
    )
    return model, run_id, uri, frame


def register_fitted(tracking_uri: str, name: str, frame: pd.DataFrame, seeds: tuple[int, ...]) -> MlflowRegistry:
    """One version of ``name`` per seed, in order: a logistic regression (``C`` = seed) fitted on
    ``frame`` (target ``y``) by the train core and logged as train_model logs it; version 1 is
    the champion.

    Into a fresh local sqlite store (its database and ``mlartifacts`` not there yet) the same
    registration (name, seeds and a frame identical in values, dtypes and categories:
    :func:`template_key`) is made once per test process and copied (:func:`copy_store`): two fits
    and two logged models cost ~2 s of CPU a call. Copies of one template share its run ids,
    logged-model ids, registration-id tags and timestamps: stores that must differ in those
    register apart (:func:`_register_fitted`)."""
    copied = _copied_from_template(tracking_uri, name, frame, seeds)
    if copied is not None:
        return copied
    return _register_fitted(tracking_uri, name, frame, seeds)


def _register_fitted(tracking_uri: str, name: str, frame: pd.DataFrame, seeds: tuple[int, ...]) -> MlflowRegistry:
    from ctloop.components.train.core import fit

    reg = MlflowRegistry(tracking_uri)
    for seed in seeds:
        result = fit(frame, target="y", estimator="logistic_regression", params={"C": float(seed)})
        run_id, uri = tracking.log_training_run(tracking_uri=tracking_uri, experiment=name, model=result.model,
                                                meta=result.meta, params={}, metrics={}, train_frame=frame,
                                                dataset_digest=f"d{seed}", data_uri="test")
        reg.register(name, model_uri=uri, run_id=run_id, tags={})
    reg.promote(name, "1", reason="fixture")
    return reg


_TEMPLATES: dict[tuple, Path] = {}  # template_key(...) -> the store registered once


def template_key(name: str, frame: pd.DataFrame, seeds: tuple[int, ...]) -> tuple[str, tuple[int, ...], str]:
    """What a registration depends on: ``name``, ``seeds`` and the SHA-256 of the pickled
    ``frame`` (its values with their types, dtypes, categories and their order, index and column
    names). Frames ``hash_pandas_object`` cannot tell apart (``1`` and ``"1"`` in an object column,
    one categorical's categories in another order) never share a key; equal frames pickled
    differently only cost a registration."""
    import hashlib
    import pickle

    return name, tuple(seeds), hashlib.sha256(pickle.dumps(frame, protocol=5)).hexdigest()


def _plain_dir(uri: str) -> Path | None:
    """The directory of a ``sqlite:///DIR/NAME.db`` store whose path a file URI holds verbatim
    (no character MLflow would percent-encode), holding neither the database nor ``mlartifacts``."""
    if not uri.startswith("sqlite:///") or "?" in uri:
        return None
    db = Path(uri[len("sqlite:///"):]).resolve()
    if db.exists() or (db.parent / "mlartifacts").exists() or db.parent.as_uri() != f"file://{db.parent}":
        return None
    return db.parent


def _copied_from_template(uri: str, name: str, frame: pd.DataFrame, seeds: tuple[int, ...]) -> MlflowRegistry | None:
    """The registration copied (:func:`copy_store`) from this process's template of
    :func:`template_key` (registered on first use); ``None`` (register for real) for any store
    :func:`copy_store` cannot take."""
    from tests import conftest

    if _plain_dir(uri) is None:
        return None
    key = template_key(name, frame, seeds)
    template = _TEMPLATES.get(key)
    if template is None or not (template / "mlflow.db").exists():
        root = conftest.template_store_dir("registered-")  # under pytest's base temp; removed at session end
        if root.as_uri() != f"file://{root}":
            return None
        _register_fitted(f"sqlite:///{root / 'mlflow.db'}", name, frame, seeds)
        _TEMPLATES[key] = template = root
    return copy_store(template, uri)


def copy_store(template: Path, uri: str) -> MlflowRegistry:
    """The store ``template`` (a directory holding ``mlflow.db`` and its ``mlartifacts``, the
    artifact root of a local sqlite store) copied to ``uri``, a fresh ``sqlite:///DIR/NAME.db``
    (neither it nor ``DIR/mlartifacts`` there yet; a path a file URI holds verbatim): the database
    and ``mlartifacts`` copied next to each other, every template path rewritten to the copy's (in
    the database: experiments, runs, logged models, model versions; in the artifacts: each
    ``MLmodel``'s ``artifact_path``), as if registered there. The copy shares the template's run
    ids, logged-model ids, registration-id tags and timestamps. MLflow (and its environment) is
    left pointing at ``uri``, where a registration leaves it."""
    import shutil
    import sqlite3

    dest = _plain_dir(uri)
    if dest is None:
        raise ValueError(f"copy_store: {uri!r} is not a fresh sqlite:///DIR/NAME.db store with a plain path")
    template = Path(template).resolve()
    db_name = Path(uri[len("sqlite:///"):]).name
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template / "mlflow.db", dest / db_name)
    shutil.copytree(template / "mlartifacts", dest / "mlartifacts")
    old, new = str(template), str(dest)
    for path in (dest / "mlartifacts").rglob("*"):  # MLmodel's artifact_path (no hashed model file holds it)
        if path.is_file() and (old + "/").encode() in (data := path.read_bytes()):
            path.write_bytes(data.replace((old + "/").encode(), (new + "/").encode()))
    with sqlite3.connect(dest / db_name) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()]
        text = [(t, c) for t in tables for _, c, kind, *_ in db.execute(f'PRAGMA table_info("{t}")').fetchall()
                if any(k in kind.upper() for k in ("CHAR", "TEXT", "CLOB"))]
        for table, column in text:
            db.execute(f'UPDATE "{table}" SET "{column}" = replace("{column}", ?, ?) WHERE instr("{column}", ?) > 0',
                       (old + "/", new + "/", old + "/"))
        left = [(t, c) for t, c in text if db.execute(f'SELECT 1 FROM "{t}" WHERE instr("{c}", ?) > 0',
                                                      (old,)).fetchone()]
    db.close()
    assert not left, f"template paths left in the copy: {left}"
    tracking.configure(uri)  # where a registration leaves MLflow (and its environment)
    return MlflowRegistry(uri)


def two_versions(tracking_uri: str, name: str) -> MlflowRegistry:
    """``name`` with versions 1 and 2 of a one-feature classifier (``x``), each from a training run."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300)})
    frame["y"] = (frame.x > 0).astype(int)
    return register_fitted(tracking_uri, name, frame, seeds=(1, 2))


def promotes(reg: MlflowRegistry, name: str) -> list[tuple[str, str, str]]:
    """The promotions the audit log reports: ``(version, previous_champion, reason)``."""
    return [
        (e["version"], e.get("previous_champion", ""), e.get("reason", ""))
        for e in reg.audit_log(name, max_results=10_000)
        if e["event"] == "promote"
    ]


def history(reg: MlflowRegistry, name: str) -> list[tuple[str, str, str]]:
    return [(h["version"], h["previous_champion"], h["reason"]) for h in reg.champion_history(name)]


def _read(reg: MlflowRegistry, name: str) -> tuple[dict, list[dict[str, str]]]:
    """:func:`snapshot` and the history it read (each reader asked once)."""
    champ = reg.champion(name)
    hist = reg.champion_history(name)
    if champ is not None:
        assert hist and hist[-1]["version"] == champ.version, (champ.version, hist)
        assert champ.tags.get(TAG_CHAMPION_SINCE) == hist[-1]["since"], (champ.tags, hist[-1])
        assert champ.tags.get(TAG_PREVIOUS_CHAMPION, "") == hist[-1]["previous_champion"]
        assert TAG_CHAMPION_UNTIL not in champ.tags and TAG_SUPERSEDED_BY not in champ.tags
    seen = {
        "champion": champ.version if champ else None,
        "history": [(h["version"], h["previous_champion"], h["reason"]) for h in hist],  # as history()
        "audit": promotes(reg, name),
    }
    return seen, hist


def snapshot(reg: MlflowRegistry, name: str) -> dict:
    """What the readers say, stamps left out; the champion's tags must agree with the history."""
    return _read(reg, name)[0]


def assert_consistent(reg: MlflowRegistry, name: str, state=None) -> dict:
    """Every reader, alias and tag agrees; nothing pending, no lock. Returns the :func:`snapshot`
    it took (the readers are asked once: nothing writes in between, a second read of each, as
    before, cost ~30 % of the crash sweep's requests). ``state``: ``reg.inspect(name)`` as the
    caller just read it (nothing written since), else it is read here."""
    state = reg.inspect(name) if state is None else state
    assert state.consistent, state.problems
    assert state.lock is None, state.lock
    aliases = state.aliases  # as inspect() read them, reg.aliases() a moment ago (was: read again)
    seen, hist = _read(reg, name)
    champ = aliases[CHAMPION]
    last = hist[-1]
    assert last["version"] == champ
    raw = reg.get_version(name, champ).tags  # the stored tags, not champion()'s view
    assert (
        raw[TAG_CHAMPION_SINCE] == last["since"]
        and raw.get(TAG_PREVIOUS_CHAMPION, "") == last["previous_champion"]
    )
    assert TAG_CHAMPION_UNTIL not in raw and TAG_SUPERSEDED_BY not in raw
    if last["previous_champion"]:
        assert aliases[PREVIOUS_CHAMPION] == last["previous_champion"]
        before = reg.get_version(name, last["previous_champion"]).tags
        assert before[TAG_SUPERSEDED_BY] == champ and before[TAG_CHAMPION_UNTIL] == last["since"]
    assert seen["audit"] == seen["history"]
    states = {(p.state, p.run_status) for p in reg._promotions(name)}
    assert states <= {("committed", "FINISHED"), ("aborted", "KILLED")}, states
    assert seen["champion"] == champ
    return seen


REFUSED = b'{"error_code": "PERMISSION_DENIED", "message": "Permission denied"}'


def forward(upstream: str, request: BaseHTTPRequestHandler, body: bytes) -> tuple[int, bytes]:
    """``request`` (its method, path and body) sent on to ``upstream``: its status and body."""
    sent = urllib.request.Request(upstream + request.path, data=body if request.command != "GET" else None,
                                  method=request.command,
                                  headers={"Content-Type": request.headers.get("Content-Type", "")})
    try:
        with urllib.request.urlopen(sent, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def proxy(upstream: str, answer) -> ThreadingHTTPServer:
    """An HTTP proxy in front of ``upstream`` (started; ``shutdown``/``server_close`` it):
    ``answer(request, path, body)`` gives ``(status, headers, body)`` for a request, or None to
    forward it as it is."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_):
            pass

        def _serve(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            given = answer(self, self.path.split("?")[0], body)
            if given is None:
                (status, data), headers = forward(upstream, self, body), {}
            else:
                status, headers, data = given
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # shutdown() waits for the serving loop's next check: 0.5 s by default, paid by every test (SHUTDOWN_POLL_S)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True).start()
    return server


def register_via_proxy(mlflow_url: str, answer, name: str, model_id: str, refused: type | None = RegistryError):
    """``register`` of ``models:/<model_id>`` as ``name`` through :func:`proxy` (``answer`` as there), which
    must raise ``refused``: the exception raised (``refused`` None: must return; the version returned)."""
    import pytest

    server = proxy(mlflow_url, answer)
    try:
        reg = MlflowRegistry(f"http://127.0.0.1:{server.server_address[1]}")
        if refused is None:
            return reg.register(name, model_uri=f"models:/{model_id}", run_id="", tags={})
        with pytest.raises(refused) as raised:
            reg.register(name, model_uri=f"models:/{model_id}", run_id="", tags={})
    finally:
        server.shutdown()
        server.server_close()
    return raised.value


def gateway(upstream: str, *, refuse: tuple[str, ...] = (), fail_once: str = ""):
    """Forwards to ``upstream``; a request whose path ends with one of ``refuse`` is answered 403
    without reaching it; the first ending with ``fail_once`` is applied and answered 503."""
    seen: list[str] = []
    failed: list[bool] = []

    def answer(request, path, body):
        seen.append(f"{request.command} {path}")
        if path.endswith(refuse) and refuse:
            return 403, {}, REFUSED
        status, data = forward(upstream, request, body)
        if fail_once and path.endswith(fail_once) and not failed:
            failed.append(True)
            return 503, {}, b"<html><body>503 Service Temporarily Unavailable</body></html>"
        return status, {}, data

    return proxy(upstream, answer), seen
