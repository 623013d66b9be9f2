"""``KF_PIPELINES_ENDPOINT`` is checked as ``--host`` and ``kfp.host`` are, before any request:
``ftp://h`` became ``https://ftp://h`` (a DNS lookup of the host ``ftp``), ``http://h:99x`` and
``h o st`` were "cannot reach KFP ... — fix: check --host", a flag nobody gave."""

from __future__ import annotations

import pytest

from ctloop.errors import ConfigError
from ctloop.ops.platform import HOST_ENV, Platform


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("ftp://kfp.example.com", "http:// or https://"),
        ("HTTPS://kfp.example.com", "must start with http:// or https://"),
        ("http://kfp.example.com:99x", "not a URL"),
        ("kfp example.com", "without spaces"),
        ("http://:8080", "names no host"),
    ],
    ids=["ftp", "upper-case-scheme", "bad-port", "space", "no-host"],
)
def test_a_bad_endpoint_is_named(value, said, monkeypatch):
    monkeypatch.setenv(HOST_ENV, value)
    with pytest.raises(ConfigError) as exc:
        Platform()
    line = str(exc.value)
    assert line.startswith(f"{HOST_ENV} ") and said in line and "\n" not in line, line
