"""``monitoring.pushgateway_url`` is checked by the very rule the monitoring run applies
(``ctloop.config.check_pushgateway_url``, called by ``ctloop.monitoring.prometheus.group_url``):
the field's check was a copy that missed the group-path rule, so
``http://pgw:9091/metrics/job/ctloop`` passed ``apply --dry-run`` and every push was refused at
run time (two grouping keys: Pushgateway answers HTTP 400)."""

from __future__ import annotations

import pytest

from ctloop.config import MonitoringConfig
from ctloop.errors import ConfigError
from ctloop.monitoring.prometheus import group_url

CASES = [
    "http://pgw:9091/metrics/job/ctloop",
    "http://pgw:9091/metrics/job/ctloop/",
    "https://pgw.example.com/pgw/metrics/job/x/model/y",
    "http://pgw:9091?x=1",
    "http://user:pw@pgw:9091",
    "HTTPS://pgw:9091",
    "http://pgw:99x",
]


@pytest.mark.parametrize("url", CASES)
def test_what_the_run_refuses_the_field_refuses(url):
    with pytest.raises(ConfigError):
        group_url(url, "credit")
    with pytest.raises(ConfigError) as exc:
        MonitoringConfig.from_dict({"log_root": "/tmp/log", "pushgateway_url": url}, "monitoring")
    line = str(exc.value)
    assert "monitoring.pushgateway_url:" in line and "\n" not in line.strip(), line
    assert "pw@" not in line, line


def test_a_group_url_is_named_as_one():
    with pytest.raises(ConfigError) as exc:
        MonitoringConfig.from_dict(
            {"log_root": "/tmp/log", "pushgateway_url": "http://pgw:9091/metrics/job/ctloop"},
            "monitoring",
        )
    assert "is a group's URL (/metrics/job/…): give the Pushgateway's base URL" in str(exc.value), (
        str(exc.value)
    )


@pytest.mark.parametrize(
    "url", ["http://pgw:9091", "https://pgw.example.com/pushgateway/", "http://[::1]:9091"]
)
def test_what_the_run_takes_the_field_takes(url):
    assert group_url(url, "credit").startswith(url.rstrip("/") + "/metrics/job/")
    assert (
        MonitoringConfig.from_dict({"log_root": "/tmp/log", "pushgateway_url": url}).pushgateway_url
        == url
    )
