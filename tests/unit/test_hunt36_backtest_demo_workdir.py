"""``ctloop demo --workdir`` that cannot be written (read-only, /proc, /sys: as root, permissions
do not stop a write, these do): one line naming --workdir, exit 2, not a PermissionError or
FileNotFoundError traceback from the workdir's mkdir."""

import os
import sys

import pytest

from ctloop.cli import main

linux = pytest.mark.skipif(not sys.platform.startswith("linux") or not os.path.isdir("/proc/self"), reason="/proc")


@linux
def test_a_workdir_that_cannot_be_created_is_one_line(capsys):
    code = main(["demo", "--workdir", "/proc/ctloop-demo", "--rows", "200"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.strip() == ("error: --workdir /proc/ctloop-demo: cannot write /proc/ctloop-demo: No such file or "
                           "directory; choose a writable --workdir")
