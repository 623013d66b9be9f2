"""Round 58: two sink replicas registering the first columns of a new schema at once.

Each flush adds the column types first seen since the last one to ``<root>/_schema/model=<m>.json``
(:func:`ctloop.inference_log.schema.sync`). On a local root the merge holds an exclusive ``flock``;
on an object store it was a read-merge-write, so two replicas that both read the registry before
either wrote it (the first flush of a new model or column on each) each wrote their own entries
over the other's: a column a replica had written Parquet for (acknowledged events) was missing from
the registry, so a read with :func:`~ctloop.inference_log.schema.dataset_schema` had no such column,
and two replicas seeing one new column with different types each typed their files by their own.

The interleaving is forced on a real store: the two threads go through ``sync`` in lockstep (the
first read of the registry, the listing of the claims, the read again just before the write), so each
writes a file without the other's column; the tests check that the file lacks one before they check
that the readers still see both (from the claims).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading

import pytest

from ctloop import storage
from ctloop.inference_log import schema
from tests.fixtures.object_stores import create_bucket, isolated_env
from tests.fixtures.servers import free_port


def _in_lockstep(monkeypatch, root: str, written: dict[int, bytes]) -> None:
    """The first two threads to look at the registry object of ``root`` go through ``sync`` in
    lockstep, each waiting after the store answered until the other is at the same point: the first
    look at the registry (both read before either writes), the listing of the claims (both list
    before either claims) and the look again just before the write (both re-read before either
    writes: each writes a file without the other's column). A barrier of two, 10 s at most.
    ``written``: thread id → the registry file as that thread wrote it."""
    barrier = threading.Barrier(2, timeout=60)
    holds: dict[int, int] = {}
    lock = threading.Lock()
    registry = f"{root}/{schema.schema_file('credit')}"
    claims = f"{root}/{schema.claims_prefix('credit')}"

    def hold(real, target):
        def call(uri, *args, **kwargs):
            answer = real(uri, *args, **kwargs)
            me = threading.get_ident()
            with lock:
                mine = uri.rstrip("/") == target and (me in holds or len(holds) < 2) and holds.get(me, 0) < 3
                if mine:
                    holds[me] = holds.get(me, 0) + 1
            if mine:
                barrier.wait()
            return answer

        return call

    real_write = storage.write_bytes

    def write(uri, data, *args, **kwargs):
        real_write(uri, data, *args, **kwargs)
        if uri == registry:
            written[threading.get_ident()] = data

    monkeypatch.setattr(storage, "exists", hold(storage.exists, registry))
    monkeypatch.setattr(storage, "list_objects", hold(storage.list_objects, claims))
    monkeypatch.setattr(storage, "write_bytes", write)


def _race(root: str, *changes: dict[str, str]) -> list[dict[str, str]]:
    """``schema.sync`` of each of ``changes`` in its own thread, in lockstep; what each returned."""
    got: list = [None] * len(changes)
    errors: list = []

    def run(i: int) -> None:
        try:
            got[i] = schema.sync(root, "credit", changes[i])
        except BaseException as exc:  # noqa: BLE001 - re-raised by the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(changes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return got


@pytest.fixture(scope="module")
def bucket(s3):
    """One bucket for the module: the store's conditional-write probe is made once a bucket and process."""
    return create_bucket(s3)


@pytest.fixture
def plain_root(s3, bucket, monkeypatch, tmp_path):
    """A prefix of its own in the module's bucket, the environment holding only the store's settings."""
    env = isolated_env(tmp_path / "home", free_port())
    for name in [k for k in os.environ if k not in env]:
        monkeypatch.delenv(name)
    for name, value in {**env, **s3.env}.items():
        monkeypatch.setenv(name, value)
    return f"s3://{bucket}/{tmp_path.name}"


@pytest.fixture
def s3_root(plain_root, monkeypatch):
    """``plain_root``, the first two threads to look at its registry going through ``sync`` in lockstep."""
    _written.clear()
    _in_lockstep(monkeypatch, plain_root, _written)
    return plain_root


_written: dict[int, bytes] = {}  # the registry file as each racing thread wrote it (s3_root's test)


def _file(root: str) -> dict[str, str]:
    uri = f"{root}/{schema.schema_file('credit')}"
    return schema._parse(storage.read_bytes(uri), uri)


def test_two_replicas_adding_columns_at_once_both_keep_theirs_on_s3(s3_root):
    first, second = _race(s3_root, {"income": "double"}, {"region": "string"})
    assert first["income"] == "double" and second["region"] == "string"
    # the race happened: each wrote the file without the other's column, the last write is the file
    assert sorted(json.dumps(json.loads(data)["columns"]) for data in _written.values()) == [
        '{"income": "double"}', '{"region": "string"}']
    assert len(_file(s3_root)) == 1
    # before: the registry held only the last writer's column
    assert schema.registry(s3_root, "credit") == {"income": "double", "region": "string"}
    assert set(schema.dataset_schema(s3_root, "credit").names) >= {"income", "region"}


def test_two_replicas_typing_one_column_at_once_agree_on_s3(s3_root):
    first, second = _race(s3_root, {"income": "double"}, {"income": "string"})
    # before: each replica took its own type (its files typed so), the registry the last writer's
    assert first["income"] == second["income"] == schema.registry(s3_root, "credit")["income"]


def test_a_local_root_is_merged_under_its_lock(tmp_path):
    # the local registry is merged under an exclusive flock: eight writers at once lose nothing
    # (this held on main too; the object-store case above did not)
    columns = [{f"c{i}": "double"} for i in range(8)]
    got = _race_local(str(tmp_path / "log"), columns)
    assert schema.registry(str(tmp_path / "log"), "credit") == {f"c{i}": "double" for i in range(8)}
    assert all(set(g) >= set(c) for g, c in zip(got, columns, strict=True))


def _race_local(root: str, changes: list[dict[str, str]]) -> list[dict[str, str]]:
    start = threading.Barrier(len(changes), timeout=60)
    got: list = [None] * len(changes)

    def run(i: int) -> None:
        start.wait()
        got[i] = schema.sync(root, "credit", changes[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(changes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return got


def _pair(sink, i: int, value) -> None:
    """Request ``id<i>`` with feature ``a`` = ``value`` and its response, into ``sink``."""
    from ctloop.inference_log.events import parse_event
    from tests.inference_log.support import kserve_headers

    for kind, body in (("request", {"instances": [{"a": value}]}), ("response", {"predictions": [1]})):
        sink._add(parse_event(kserve_headers(kind, f"id{i}"), json.dumps(body).encode()))


def test_a_replica_whose_column_the_race_left_out_still_writes_it_as_claimed_on_s3(s3_root, tmp_path, monkeypatch):
    # replica A's flush registers column a (text); replica B registers b at once and writes the file
    # last, without a. A's next flush adds no column: it read the file alone, wrote its Parquet with
    # the file as schema and typed a by its values (1.5 written as a double against the claim)
    import asyncio
    import io

    import pyarrow.parquet as pq

    from ctloop.inference_log.sink import Sink

    sink = Sink(s3_root, str(tmp_path / "wal"), flush_rows=10**9, flush_seconds=10**6)
    registry = f"{s3_root}/{schema.schema_file('credit')}"
    a_written = threading.Event()
    real_write = storage.write_bytes

    def write(uri, data, *args, **kwargs):  # B writes the file after A does
        if uri == registry and b'"b"' in data:
            assert a_written.wait(10)
        real_write(uri, data, *args, **kwargs)
        if uri == registry and b'"a"' in data:
            a_written.set()

    monkeypatch.setattr(storage, "write_bytes", write)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(sink.start())
        b = threading.Thread(target=schema.sync, args=(s3_root, "credit", {"b": "double"}))
        b.start()
        _pair(sink, 1, "x")
        loop.run_until_complete(sink.flush())
        b.join(30)
        assert _file(s3_root) == {"b": "double"}  # the race left a out of the file
        _pair(sink, 2, 1.5)  # a number: the sink writes it as its text (a: string), so it reads "1.5"
        loop.run_until_complete(sink.flush())
    finally:
        loop.run_until_complete(sink.stop())
        loop.close()
    files = [o.uri for o in storage.list_objects(s3_root) if o.uri.endswith(".parquet")]
    assert len(files) == 2
    assert {str(pq.read_schema(io.BytesIO(storage.read_bytes(f))).field("a").type) for f in files} == {"string"}
    assert _file(s3_root) == {"a": "string", "b": "double", "prediction": "double"}  # the file repaired


def test_a_claim_this_release_cannot_read_is_skipped_with_one_warning(plain_root, caplog):
    # a newer release's type (decimal) and a claim cut short: before, _claimed raised, so registry()
    # returned {} (the good entries dropped), load() and dataset_schema() raised, and every flush
    # adding a column failed before claiming it
    schema.sync(plain_root, "credit", {"income": "double"})
    claims = f"{plain_root}/{schema.claims_prefix('credit')}"
    storage.write_bytes(f"{claims}/{schema.claim_name('future')}", b'{"column": "future", "type": "decimal"}')
    storage.write_bytes(f"{claims}/{schema.claim_name('cut')}", b'{"column": "cu')
    with caplog.at_level("WARNING", logger="ctloop.inference_log"):
        assert schema.registry(plain_root, "credit") == {"income": "double"}
        assert schema.load(plain_root, "credit") == {"income": "double"}
        assert "income" in schema.dataset_schema(plain_root, "credit").names
        assert schema.sync(plain_root, "credit", {"region": "string"}) == {"income": "double", "region": "string"}
        # a column whose claim it cannot read is registered with the flush's own type
        assert schema.sync(plain_root, "credit", {"future": "double"})["future"] == "double"
    assert schema.registry(plain_root, "credit") == {"income": "double", "region": "string", "future": "double"}
    warned = [r.getMessage() for r in caplog.records if "column claim" in r.getMessage()]
    assert len(warned) == 2, warned  # once per claim, however often it is read
    assert any("c-future.json" in w and "decimal" in w for w in warned), warned


def test_a_flush_claims_its_new_columns_several_at_a_time(plain_root, monkeypatch):
    # one conditional PUT per new column, one after the other: 300 new columns took 4.6 s on moto
    # (a first flush of a wide model); now up to schema.CLAIMS_AT_ONCE at a time
    schema.sync(plain_root, "credit", {"warm": "double"})  # the bucket's conditional-write probe
    real = storage.create_bytes
    both = threading.Barrier(2, timeout=30)  # one after the other, the first create waited alone, then went on
    lock = threading.Lock()
    flying = [0, 0, 0]  # now, most, calls

    def create(*args, **kwargs):
        with lock:
            flying[0] += 1
            flying[1] = max(flying[:2])
            flying[2] += 1
            first_two = flying[2] <= 2
        try:
            if first_two:  # the first two creates meet (in flight together) before either is sent
                with contextlib.suppress(threading.BrokenBarrierError):
                    both.wait()
            return real(*args, **kwargs)
        finally:
            with lock:
                flying[0] -= 1

    monkeypatch.setattr(storage, "create_bytes", create)
    new = {f"f{i}": "double" for i in range(8)}
    got = schema.sync(plain_root, "credit", new)
    assert got == {"warm": "double", **new}
    assert 2 <= flying[1] <= schema.CLAIMS_AT_ONCE
    assert schema.registry(plain_root, "credit") == {"warm": "double", **new}


def test_a_column_the_file_lost_without_a_claim_is_claimed_and_written_back(plain_root, monkeypatch):
    # a column registered by a sink before round 58 (the file only, no claim) and since left out of
    # the file: the flush lists the claims, finds none, claims it with the type it wrote it as and
    # writes the file back; later flushes read the file alone (before: a listing at every flush)
    uri = f"{plain_root}/{schema.schema_file('credit')}"
    storage.write_bytes(uri, schema._dump({"b": "double"}))
    assert schema.sync(plain_root, "credit", {}, known={"a": "string"}) == {"a": "string", "b": "double"}
    assert _file(plain_root) == {"a": "string", "b": "double"}
    listed = []
    real = storage.list_objects
    monkeypatch.setattr(storage, "list_objects", lambda *a, **k: listed.append(a) or real(*a, **k))
    assert schema.sync(plain_root, "credit", {}, known={"a": "string"}) == {"a": "string", "b": "double"}
    assert listed == []
