"""A Prometheus URL with a query or fragment (``http://prom:9090/?x=1``, ``…#frag``) had
``/api/v1/query?…`` appended after it: the query string or the fragment swallowed the path, and
the answer of the server's root page was reported as "Expecting value: line 1 column 1". Now
refused where the URL is read, as the Pushgateway's is (monitoring/prometheus.py group_url)."""

import pytest

from ctloop.errors import ConfigError
from ctloop.serving.metric_sources import Prometheus
from tests.fixtures.servers import dead_port

# built once per process, never in a test id: pytest-xdist requires every worker to collect the same ids
URL = f"http://127.0.0.1:{dead_port()}"


@pytest.mark.parametrize("tail", ["/?x=1", "?", "#frag", "/prometheus#", "/?"])
def test_a_prometheus_url_with_a_query_or_fragment_is_refused(tail):
    with pytest.raises(ConfigError, match=r"Prometheus URL .* has a query or fragment"):
        Prometheus(f"{URL}{tail}")


def test_a_path_prefix_is_kept():
    assert Prometheus(f"{URL}/prometheus/").url == f"{URL}/prometheus"
