"""The lower-case http(s) scheme rule of a KFP host is ``ctloop.config.http_url``'s (kfp 2.17
``client.py`` ``_get_config``/``Client.__init__``: a host not starting with ``http`` gets
``https://`` put in front), so ``kfp.host: HTTPS://h`` is refused where ctloop.yaml is validated
(it passed, then failed "cannot reach KFP at https://HTTPS://..."); and ``KF_PIPELINES_ENDPOINT``,
which kfp reads as it is, is refused when blank or wrapped in spaces (it was checked trimmed)."""

from __future__ import annotations

import pytest

from ctloop.config import KfpConfig, http_url
from ctloop.errors import ConfigError
from ctloop.ops.platform import HOST_ENV, Platform


@pytest.mark.parametrize(
    "host", ["HTTPS://127.0.0.1:1", "Http://kfp.example.com/pipeline", "hTTp://h:8888"]
)
def test_an_upper_case_scheme_is_refused_by_kfp_host(host):
    assert "in lower case" in (http_url(host) or ""), http_url(host)
    with pytest.raises(ConfigError) as exc:
        KfpConfig.from_dict({"host": host}, "kfp")
    assert "kfp.host:" in str(exc.value) and "in lower case" in str(exc.value), str(exc.value)


@pytest.mark.parametrize(
    "host", ["https://kfp.example.com/pipeline", "http://127.0.0.1:8888", "localhost:8080", ""]
)
def test_good_hosts_pass(host):
    assert http_url(host) is None


@pytest.mark.parametrize(
    ("value", "said"),
    [
        (" http://127.0.0.1:1 ", "space or line break before or after"),
        ("http://127.0.0.1:1\n", "space or line break before or after"),
        ("  ", "is blank"),
        ("HTTPS://kfp.example.com", "in lower case"),
    ],
    ids=["spaces", "newline", "blank", "upper-case"],
)
def test_an_endpoint_kfp_would_read_otherwise_is_named(value, said, monkeypatch):
    monkeypatch.setenv(HOST_ENV, value)
    with pytest.raises(ConfigError) as exc:
        Platform()
    line = str(exc.value)
    assert line.startswith(f"{HOST_ENV} ") and said in line and "\n" not in line, line
