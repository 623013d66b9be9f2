"""AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL written without a scheme ('minio:9000', the way a
Service address is usually copied): boto3 raises ValueError "Invalid endpoint" while building
the client (botocore 1.x ``endpoint.py`` / ``client.py``), outside the errors ctloop.storage
maps, so a traceback. One ConfigError naming the variable, its value and the fix."""

from __future__ import annotations

import os

import pytest

from ctloop import storage
from ctloop.errors import ConfigError


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"])
@pytest.mark.parametrize("value", ["127.0.0.1:9", "not a url"])
def test_an_endpoint_without_a_scheme_is_one_line_naming_the_variable(monkeypatch, tmp_path, variable, value):
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv(variable, value)
    for call in (lambda: storage.read_bytes("s3://bucket/k.csv"), lambda: storage.exists("s3://bucket/k.csv"),
                 lambda: storage.list_files("s3://bucket/prefix")):
        with pytest.raises(ConfigError) as err:
            call()
        message = str(err.value)
        assert variable in message and repr(value) in message and "http://" in message and "\n" not in message
