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
    code = main(["demo", "--workdir", "/proc/ctloop-demo", "--rows", "1650"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.strip() == ("error: --workdir /proc/ctloop-demo: cannot write /proc/ctloop-demo: No such file or "
                           "directory; choose a writable --workdir")


@pytest.mark.parametrize("keep", [False, True])
def test_a_rerun_stopped_before_its_summary_leaves_no_summary_of_the_last_run(tmp_path, monkeypatch, capsys, keep):
    """The summary is written last; a rerun interrupted (or failed) before it left the previous
    run's demo-summary.json next to the new run's outputs, read as this run's."""
    import ctloop.local
    import ctloop.taskserver
    from ctloop.demo import MARKER, run_demo

    (tmp_path / MARKER).write_text("created by ctloop demo; safe to delete\n")
    (tmp_path / "demo-summary.json").write_text('{"runs": [{"run": "first model", "approved": true}]}')

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ctloop.local, "run_pipeline_locally", interrupted)
    monkeypatch.setattr(ctloop.taskserver, "warm_start_supported", lambda: False)
    with pytest.raises(KeyboardInterrupt):
        run_demo(tmp_path, rows=1650, keep=keep)
    assert (tmp_path / "data" / "credit.parquet").is_file()  # the rerun got that far
    assert not (tmp_path / "demo-summary.json").exists()
