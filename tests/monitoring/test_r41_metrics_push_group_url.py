"""A pushgateway_url that is already a group's URL (``http://pg:9091/metrics/job/ctloop-monitoring``,
copied from the Pushgateway's README or a curl line) had ctloop's own group path appended after it:
every push was refused ("HTTP 400 odd number of components in label string", prometheus-pushgateway
1.5.1), run after run, as a warning only. Now refused where the URL is read (``publish.check``,
before the window is judged), as a URL with a query is."""

import pytest

from ctloop.errors import ConfigError
from ctloop.monitoring import publish
from ctloop.monitoring.prometheus import group_url


@pytest.mark.parametrize("url", ["http://pg:9091/metrics/job/ctloop-monitoring", "http://pg:9091/metrics/job/foo/",
                                 "http://pg:9091/prefix/metrics/job/x/model/m"])
def test_a_group_url_is_refused(url):
    with pytest.raises(ConfigError, match=r"pushgateway URL .* is a group's URL \(/metrics/job/…\)"):
        publish.check(url, "credit")


@pytest.mark.parametrize("url", ["http://pg:9091", "http://pg:9091/", "http://pg:9091/pushgateway",
                                 "http://pg:9091/metrics-gateway"])
def test_a_base_url_keeps_its_path(url):
    assert group_url(url, "m") == f"{url.rstrip('/')}/metrics/job/ctloop-monitoring/model@base64/bQ=="
