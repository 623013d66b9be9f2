"""A local run's console tee (``ctloop.local._Tee``) outlives the run in a logging handler kfp.local
set up on it: a later log line (another command in the same process) raised "ValueError: I/O
operation on closed file" inside logging, which printed a "--- Logging error ---" traceback into that
command's stderr (seen in a full test run: ``ctloop trigger``'s one error line came after it). A
write after the run's log file closed is now dropped."""

from __future__ import annotations

import io
import logging

from ctloop.local import _Tee


def test_a_write_after_the_log_closed_is_dropped(tmp_path, capsys):
    log = open(tmp_path / "run.log", "w")  # noqa: SIM115 - closed below, as the run closes it
    console = io.StringIO()
    tee = _Tee(log, console, verbose=False)
    handler = logging.StreamHandler(tee)
    logger = logging.getLogger("ctloop-test-stale-tee")
    logger.addHandler(handler)
    try:
        logger.warning("ctloop: during the run")
        log.close()
        logger.warning("ctloop: after the run")
    finally:
        logger.removeHandler(handler)
    assert "Logging error" not in capsys.readouterr().err
    assert console.getvalue() == "  ctloop: during the run\n"
    assert (tmp_path / "run.log").read_text() == "ctloop: during the run\n"
