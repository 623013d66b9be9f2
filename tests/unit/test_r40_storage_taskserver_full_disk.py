"""A local run whose warm task server could not make its socket directory (``mkdtemp``) or open its
log (a full disk: ENOSPC, EDQUOT) ended in a raw OSError traceback, and a log that could not be
opened left the socket directory behind (round 39, left alone). Now it is one line naming the path
and what to do, the run's scratch and the server's directory removed."""

from __future__ import annotations

import errno
import os

import pytest

from ctloop import local, taskserver
from ctloop.errors import ConfigError

pytestmark = pytest.mark.skipif(not taskserver.warm_start_supported(), reason="needs os.fork and AF_UNIX")


def _run(workdir):
    with open(os.devnull, "w") as console:
        local.run_pipeline_locally(lambda: None, {}, workdir=workdir, warm=True, console=console)


def _no_scratch_left(work):
    assert not any(path.startswith(str(work)) for path in local._held)
    assert not (work / ".tmp").exists() or not os.listdir(work / ".tmp")


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_at_the_servers_socket_directory_is_one_line(tmp_path, monkeypatch, code):
    real = taskserver.tempfile.mkdtemp

    def mkdtemp(prefix=None, suffix=None, dir=None):
        if prefix != "ctloop-ts-":  # the run's own scratch: made
            return real(prefix=prefix, suffix=suffix, dir=dir)
        raise OSError(code, os.strerror(code), os.path.join(dir or "/tmp", prefix + "abcdefgh"))

    monkeypatch.setattr(taskserver.tempfile, "mkdtemp", mkdtemp)
    monkeypatch.delenv(taskserver.ENV_SOCKET, raising=False)
    with pytest.raises(ConfigError) as caught:
        _run(tmp_path / "work")
    message = str(caught.value)
    assert "\n" not in message and os.strerror(code) in message and "ctloop-ts-" in message
    assert "--workdir" in message
    _no_scratch_left(tmp_path / "work")


def test_a_full_disk_at_the_servers_log_is_one_line_and_leaves_no_socket_directory(tmp_path, monkeypatch):
    made = []
    real_mkdtemp = taskserver.tempfile.mkdtemp

    def mkdtemp(prefix=None, suffix=None, dir=None):
        if prefix != "ctloop-ts-":
            return real_mkdtemp(prefix=prefix, suffix=suffix, dir=dir)
        made.append(real_mkdtemp(prefix=prefix, suffix=suffix, dir=str(tmp_path)))
        return made[-1]

    def full_open(file, mode="r", *args, **kwargs):
        if str(file).endswith("taskserver.log"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
        return open(file, mode, *args, **kwargs)

    monkeypatch.setattr(taskserver.tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(taskserver, "open", full_open, raising=False)
    monkeypatch.delenv(taskserver.ENV_SOCKET, raising=False)
    with pytest.raises(ConfigError) as caught:
        _run(tmp_path / "work")
    message = str(caught.value)
    assert "\n" not in message and "No space left on device" in message and "taskserver.log" in message
    assert made and not any(os.path.exists(p) for p in made)
    _no_scratch_left(tmp_path / "work")
