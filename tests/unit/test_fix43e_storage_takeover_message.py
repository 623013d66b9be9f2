"""With three levels of takeover guards left by killed takers, the error repeated "(remove both if no
ctloop job writes it)" three times and called the deepest dead taker's guard "held (too deep to take
over)" (round 43's message, fix 43 E). Now it is one line naming every file to remove."""

from __future__ import annotations

import json

import pytest

from ctloop import storage
from tests.unit.test_r43_storage_takeover_guard import _dead_pid, _dead_writers_lock, no_links  # noqa: F401


def test_three_dead_guard_levels_are_named_once(tmp_path, no_links):  # noqa: F811
    lock = _dead_writers_lock(tmp_path)
    record = json.loads(lock.read_text())
    guards = [tmp_path / (".manifest.json.lock.x" + ".takeover" * n) for n in (1, 2, 3)]
    for guard in guards:
        guard.write_text(json.dumps({**record, "pid": _dead_pid()}))
    with pytest.raises(storage.DataSourceError) as err:
        storage.create_bytes(str(tmp_path / "manifest.json"), b"x")
    said = str(err.value)
    assert "remove both" not in said and "too deep" not in said and said.count("(remove ") == 1
    assert (
        f"but {guards[0]}, {guards[1]} and {guards[2]} left by takeovers that did not finish block taking it "
        "over: the last one, left by pid " in said
    )
    assert said.endswith(
        "which has exited, is more than 2 levels down: not taken over (remove it and .manifest.json.lock.x.takeover, "
        ".manifest.json.lock.x.takeover.takeover, .manifest.json.lock.x.takeover.takeover.takeover if no ctloop job "
        "writes manifest.json)"
    )
    assert all(g.exists() for g in guards) and lock.exists()  # nothing taken that cannot be judged
    for guard in guards[::-1]:  # removed as the error says: created
        guard.unlink()
    assert storage.create_bytes(str(tmp_path / "manifest.json"), b"x") is True
