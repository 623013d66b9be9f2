"""A local run whose scratch was made but whose ``tmp`` or task hook in it could not be (a full disk:
ENOSPC or EDQUOT from ``mkdir`` or from writing ``sitecustomize.py``) ended in a raw OSError
traceback and left the scratch behind with its lock held (its descriptor kept in ``local._held``).
Now every step from the scratch to the run gives the one line naming ``--workdir``, and the scratch
is released and removed (review G1, finding 4)."""

from __future__ import annotations

import errno
import os
import pathlib

import pytest

from ctloop import local, taskserver
from ctloop.errors import ConfigError


def _run(workdir):
    with open(os.devnull, "w") as console:
        local.run_pipeline_locally(lambda: None, {}, workdir=workdir, warm=False, console=console)


def _no_scratch_left(work):
    assert not any(path.startswith(str(work)) for path in local._held)
    assert not (work / ".tmp").exists() or not os.listdir(work / ".tmp")


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_at_the_scratchs_tmp_is_one_line_and_leaves_no_scratch(tmp_path, monkeypatch, code):
    real = pathlib.Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self.name == "tmp" and self.parent.parent.name == ".tmp":
            raise OSError(code, os.strerror(code), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    with pytest.raises(ConfigError) as caught:
        _run(tmp_path / "work")
    assert "--workdir" in str(caught.value) and os.strerror(code) in str(caught.value)
    assert "\n" not in str(caught.value)
    _no_scratch_left(tmp_path / "work")


def test_a_full_disk_at_the_task_hook_is_one_line_and_leaves_no_scratch(tmp_path, monkeypatch):
    real = pathlib.Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name == "sitecustomize.py":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", write_text)
    with pytest.raises(ConfigError) as caught:
        _run(tmp_path / "work")
    assert "--workdir" in str(caught.value) and "No space left on device" in str(caught.value)
    _no_scratch_left(tmp_path / "work")
    assert not os.environ.get(taskserver.ENV_HOOK)


def test_a_task_hook_outside_the_workdir_is_removed_when_it_cannot_be_written(tmp_path, monkeypatch):
    # a workdir holding os.pathsep puts the hook in a directory of its own under /tmp
    made = tmp_path / "ctloop-hook-x"
    monkeypatch.setattr(taskserver.tempfile, "mkdtemp", lambda **kwargs: str(made.mkdir() or made))
    real = pathlib.Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name == "sitecustomize.py":
            real(self, "# half")  # written in part, then the disk was full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", write_text)
    monkeypatch.delenv(taskserver.ENV_HOOK, raising=False)
    with pytest.raises(OSError), taskserver.task_hook(tmp_path / f"a{os.pathsep}b" / "hook"):
        pass
    assert not made.exists()
