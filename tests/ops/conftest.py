"""Fixtures of the ``ctloop doctor`` tests: ``prometheus``, one real Prometheus per test process.

Twelve modules read it (through ``cluster`` of tests/ops/test_doctor.py, which every doctor test
of a healthy cluster uses): as a module fixture each started its own, 6-10 s of wall time on 2
loaded cores apiece. It is only read: it scrapes one static exposition (the ctloop runtime of
the stable revision, tests/fixtures/serving_metrics.py ``ExpositionServer``), loads no rule file
and takes no writes (no remote write, no admin API, no pushes), so no test can leave data another
one sees. A module whose checks need another Prometheus defines its own ``prometheus`` (a module's
fixture wins): tests/ops/test_r45_metrics_doctor_installed.py loads rule files with a rule that
fails every evaluation and scrapes a dead target, which would change the rules-and-targets line of
every doctor run here.
"""

from __future__ import annotations

import pytest

from tests.ops.pipelines_memo import pipelines_memo  # noqa: F401 - the opt-in fixture of tests/ops modules


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory):
    """A real Prometheus scraping, live, what the ctloop serving runtime exposes for the stable
    revision ctloop/credit-default-predictor-00001 (tests/fixtures/serving_metrics.py), with no rule
    file (tests/ops/test_fix45g2_no_rules.py reads that ``/api/v1/rules`` lists no group)."""
    from tests.fixtures import serving_metrics as sm
    from tests.fixtures.prometheus import prometheus_with, wait_for

    runtime = next(
        t for t in sm.targets() if t.source == "ctloop" and t.labels["revision"] == sm.STABLE
    )
    stable = {**runtime.labels, "namespace": "ctloop", "revision": "credit-default-predictor-00001"}
    with sm.ExpositionServer([runtime]) as server:
        scrape = [
            {
                **server.scrape_configs([runtime])[0],
                "static_configs": [{"targets": [server.address], "labels": stable}],
            }
        ]
        with prometheus_with("", tmp_path_factory.mktemp("prom"), scrape_configs=scrape) as url:
            wait_for(url, "count(up == 1)")
            yield url
