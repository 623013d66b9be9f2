"""One rule for a KFP API URL: ``--host`` (``cli.argtypes.kfp_host``), ``kfp.host`` and
``KF_PIPELINES_ENDPOINT`` (``config.http_url``) are all :func:`ctloop.urls.kfp_host_problem`.

They were three copies that disagreed: ``kfp.host: http-gw.example.com/pipeline`` passed (kfp 2.17
``client.py`` ``Client._load_config`` puts ``https://`` only in front of a host that does not start
with ``http``, so kfp used it without a scheme), ``kfp.host: http://admin:1234/pa@h`` passed (urlsplit
reads host ``admin`` port 1234; meant was a password ``1234/pa`` on ``h``), and
``kfp.host: https://admin:Hunter2#x@h`` was refused quoting urlsplit's ``Port could not be cast to
integer value as 'Hunter2'`` — the password — while ``--host`` refused all three safely."""

from __future__ import annotations

import argparse

import pytest

from ctloop.cli.argtypes import kfp_host
from ctloop.config import KfpConfig, http_url
from ctloop.errors import ConfigError
from ctloop.ops.platform import check_host_env

REFUSED = [
    ("http-gw.example.com/pipeline", "must start with http:// or https://"),
    ("httpbin.internal:8080", "must start with http:// or https://"),
    ("http://admin:1234/pa@h", "a '/', '?' or '#' in a password is written %2F"),
    ("https://admin:Hunter2#x@kfp.example.com", "written %2F, %3F, %23"),
    ("https://admin:Hunter2?x@kfp.example.com:8443", "written %2F, %3F, %23"),
    ("https://" + "a" * 64 + ".example.com", "DNS cannot hold"),
    ("HTTPS://kfp.example.com", "in lower case"),
    ("ftp://kfp.example.com", "not ftp://"),
    ("http://:8080", "names no host"),
]


@pytest.mark.parametrize(("host", "said"), REFUSED, ids=[h[:36] for h, _ in REFUSED])
def test_every_door_refuses_alike_without_the_password(host, said):
    problem = http_url(host)
    assert problem and said in problem and "Hunter2" not in problem, problem
    with pytest.raises(ConfigError) as in_yaml:
        KfpConfig.from_dict({"host": host}, "kfp")
    assert said in str(in_yaml.value) and "Hunter2" not in str(in_yaml.value), in_yaml.value
    with pytest.raises(ConfigError) as in_env:
        check_host_env(host)
    assert said in str(in_env.value) and "Hunter2" not in str(in_env.value), in_env.value
    with pytest.raises(argparse.ArgumentTypeError) as as_flag:
        kfp_host(host)
    assert said in str(as_flag.value) and "Hunter2" not in str(as_flag.value), as_flag.value


@pytest.mark.parametrize(
    "host",
    [
        "https://kfp.example.com/pipeline",
        "http://127.0.0.1:8888",
        "localhost:8080",
        "kfp.example.com/pipeline",
        "10.0.0.7:8888",
        "http://[::1]:8888/pipeline",
        "https://kfp.example.com/path/with@sign.in.path/x",
    ],
)
def test_hosts_kfp_reaches_pass_every_door(host):
    assert http_url(host) is None
    assert KfpConfig.from_dict({"host": host}, "kfp").host == host
    check_host_env(host)
    assert kfp_host(host) == host
