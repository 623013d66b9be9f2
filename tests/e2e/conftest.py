"""One warm task server for the end-to-end package (see ``ctloop.taskserver``): every pipeline
run here forks its tasks from it, as ``ctloop run --local`` and ``make demo`` do. One test runs
cold (plain fresh processes) so that path stays covered end to end too."""

from __future__ import annotations

import pytest

from ctloop.taskserver import serving, started_task_server, warm_start_supported


@pytest.fixture(scope="session")
def _warm_task_server_process(tmp_path_factory):
    """The server process, started at this worker's first end-to-end test and kept to the end of
    the session: ``make test`` hands whole files to its xdist workers, and a worker that ran other
    files between two of this package's came back to a package-scoped server started again (its
    preload is ~6 s of CPU). Outside this package nothing is handed to it (:func:`_warm_task_server`)."""
    if not warm_start_supported():
        yield None
        return
    with started_task_server(tmp_path_factory.mktemp("taskserver")) as server:
        yield server


@pytest.fixture(scope="package", autouse=True)
def _warm_task_server(_warm_task_server_process):
    """The package's tasks go to the server; its socket and task hook leave the environment with
    the package, so no other test's task (nor a nested ``task_server``) sees them."""
    if _warm_task_server_process is None:
        yield None
        return
    with serving(_warm_task_server_process):
        yield _warm_task_server_process
