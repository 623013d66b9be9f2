"""A local run whose scratch under ``<workdir>/.tmp`` could not be made (a full disk: ENOSPC from
``mkdtemp`` or from writing its lock file) ended in a raw OSError traceback; the directories before
it already gave one line naming ``--workdir``. Now the scratch does too (review F1, found with the
make_scratch failure branch)."""

from __future__ import annotations

import errno
import os

import pytest

from ctloop import local
from ctloop.errors import ConfigError


def test_a_full_disk_at_the_runs_scratch_is_one_line_naming_the_workdir(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(local.tempfile, "mkdtemp", full)
    with pytest.raises(ConfigError) as caught:
        local.run_pipeline_locally(lambda: None, {}, workdir=tmp_path / "work", warm=False,
                                   console=open(os.devnull, "w"))
    assert "workdir" in str(caught.value) and "No space left on device" in str(caught.value)
