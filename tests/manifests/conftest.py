"""Manifest tests need two system tools: kubectl (kustomize v5 inside) and promtool.

Missing tools fail the tests with the command that installs them (`make tools`), never skip them.
"""

from __future__ import annotations

import pytest

from tests.manifests.support import need_tool


@pytest.fixture(scope="session")
def kubectl() -> str:
    return need_tool("kubectl")


@pytest.fixture(scope="session")
def promtool() -> str:
    return need_tool("promtool")
