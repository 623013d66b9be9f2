"""Round 58: two sink replicas registering the first columns of a new schema at once.

Each flush adds the column types first seen since the last one to ``<root>/_schema/model=<m>.json``
(:func:`ctloop.inference_log.schema.sync`). On a local root the merge holds an exclusive ``flock``;
on an object store it was a read-merge-write, so two replicas that both read the registry before
either wrote it (the first flush of a new model or column on each) each wrote their own entries
over the other's: a column a replica had written Parquet for (acknowledged events) was missing from
the registry, so a read with :func:`~ctloop.inference_log.schema.dataset_schema` had no such column,
and two replicas seeing one new column with different types each typed their files by their own.

The interleaving is forced on a real store: each thread's first look at the registry object waits,
after the store answered, until the other thread has looked too (both read before either writes).
"""

from __future__ import annotations

import os
import threading

import pytest

from ctloop import storage
from ctloop.inference_log import schema
from tests.fixtures.object_stores import create_bucket, isolated_env
from tests.fixtures.servers import free_port


def _both_read_first(monkeypatch, root: str) -> None:
    """The first ``exists``/``read_bytes`` of the registry object of ``root`` in each of the first two
    threads to look returns only once the other's has returned too (a barrier of two; 10 s at most)."""
    barrier = threading.Barrier(2, timeout=10)
    held: set[int] = set()
    lock = threading.Lock()
    registry = f"{root}/{schema.schema_file('credit')}"

    def hold(real):
        def call(uri, *args, **kwargs):
            answer = real(uri, *args, **kwargs)
            with lock:
                first = uri == registry and len(held) < 2 and threading.get_ident() not in held
                if first:
                    held.add(threading.get_ident())
            if first:
                barrier.wait()
            return answer

        return call

    monkeypatch.setattr(storage, "exists", hold(storage.exists))
    monkeypatch.setattr(storage, "read_bytes", hold(storage.read_bytes))


def _race(root: str, *changes: dict[str, str]) -> list[dict[str, str]]:
    """``schema.sync`` of each of ``changes`` in its own thread, at once; what each returned."""
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
def s3_root(s3, bucket, monkeypatch, tmp_path):
    """A prefix of its own in the module's bucket, the environment holding only the store's settings."""
    env = isolated_env(tmp_path / "home", free_port())
    for name in [k for k in os.environ if k not in env]:
        monkeypatch.delenv(name)
    for name, value in {**env, **s3.env}.items():
        monkeypatch.setenv(name, value)
    root = f"s3://{bucket}/{tmp_path.name}"
    _both_read_first(monkeypatch, root)
    return root


def test_two_replicas_adding_columns_at_once_both_keep_theirs_on_s3(s3_root):
    first, second = _race(s3_root, {"income": "double"}, {"region": "string"})
    assert first["income"] == "double" and second["region"] == "string"
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
    start = threading.Barrier(len(changes), timeout=10)
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
