"""One warm task server for the end-to-end package (see ``ctloop.taskserver``): every pipeline
run here forks its tasks from it, as ``ctloop run --local`` and ``make demo`` do. One test runs
cold (plain fresh processes) so that path stays covered end to end too."""

from __future__ import annotations

import pytest

from ctloop.taskserver import task_server, warm_start_supported


@pytest.fixture(scope="package", autouse=True)
def _warm_task_server(tmp_path_factory):
    if not warm_start_supported():
        yield None
        return
    with task_server(tmp_path_factory.mktemp("taskserver")) as server:
        yield server
