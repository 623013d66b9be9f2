"""A malformed URL given to a URL flag was refused with the URL echoed as given — its password
too (``got 'http://u:hunter2@h:99999/'``). The echo now leaves the credentials out
(``metric_sources.url_without_credentials``: a password may hold '/', '?', '#' or '@')."""

import argparse

import pytest

from ctloop.cli import argtypes


@pytest.mark.parametrize("check, url", [
    (argtypes.http_url, "http://u:hunter2@h:99999/"),
    (argtypes.http_url, "https://u:hun/ter2@h:port/x"),
    (argtypes.kfp_host, "https://u:hunter2@kfp.example.com:99999/pipeline"),
    (argtypes.tracking_uri, "http://u:hunter2@mlflow:99999"),
])
def test_a_refused_url_is_echoed_without_its_password(check, url):
    with pytest.raises(argparse.ArgumentTypeError) as err:
        check(url)
    msg = str(err.value)
    assert "hunter2" not in msg and "hun/ter2" not in msg and "u:" not in msg, msg
    assert "credentials not shown" in msg


def test_a_refused_url_without_credentials_is_echoed_as_given():
    with pytest.raises(argparse.ArgumentTypeError, match=r"got 'http://h:99999/'$"):
        argtypes.http_url("http://h:99999/")
