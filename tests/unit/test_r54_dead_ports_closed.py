"""The sockets :func:`tests.fixtures.servers.dead_port` holds are closed when the test process
exits: left to the interpreter's teardown, every session run with ``-W always::ResourceWarning``
ended with ``sys:1: ResourceWarning: unclosed <socket.socket ... laddr=('127.0.0.1', port)>`` (round
54, the one unclosed socket left in the GCS storage tests)."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import REPO


def test_a_process_holding_a_dead_port_exits_without_an_unclosed_socket():
    done = subprocess.run(
        [
            sys.executable,
            "-W",
            "always::ResourceWarning",
            "-c",
            "from tests.fixtures.servers import dead_port; print(dead_port())",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.strip().isdigit(), done.stderr
    assert "ResourceWarning" not in done.stderr, done.stderr
