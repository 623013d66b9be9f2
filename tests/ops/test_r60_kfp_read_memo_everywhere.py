"""kfp's package-reader memo (tests/fixtures/kfp_read_memo.py) is installed by tests/conftest.py for
every test directory, not tests/unit's alone: tests/ops, tests/integration and tests/e2e create runs
through kfp.Client too (tests/unit/test_r60_kfp_read_memo.py shows what the memo gives)."""

from __future__ import annotations

import kfp.client.client as client  # imported at collection, as this directory's KFP files do


def test_kfps_package_reader_is_the_memos_outside_tests_unit(_kfp_read_memo):
    assert client._extract_pipeline_yaml == _kfp_read_memo.read
