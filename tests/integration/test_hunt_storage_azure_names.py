"""An Azure blob name with a path segment ending in a dot ('d/../e.bin', './x', 'v2./m'): Azure's
naming rules say to avoid them ("No path segments should end with a dot", learn.microsoft.com
rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata) because the URL
path is normalised on the way and the request's signature no longer matches; the service answers
403 AuthenticationFailed (Azurite 3.37.0: AuthorizationFailure), which ctloop.storage reported as
"the account key ... was refused or has expired" — sending the user to rotate a key that works.
Azurite fails only the '.' and '..' segments; a segment merely ending in a dot it serves, Azure does
not (its front end strips the dot: gitlab-org/gitlab#332027, AuthenticationFailed for 'test.'). Such a name is one ConfigError naming the blob and the rule, before any request."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.object_stores import Store, azurite, azurite_connection_string, fresh_bucket

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def az(tmp_path_factory):
    with azurite(tmp_path_factory.mktemp("azurite")) as url:
        yield Store("az", url, {"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(url)})


@pytest.mark.parametrize("key", ["d/../e.bin", "./x.bin", "v2./model.bin", "report."])
def test_a_blob_name_with_a_segment_ending_in_a_dot_is_refused_naming_the_rule(az, monkeypatch, tmp_path, key):
    root = fresh_bucket(az, monkeypatch, tmp_path / "home", "")
    uri = f"{root.rstrip('/')}/{key}"
    for call in (lambda: storage.write_bytes(uri, b"x"), lambda: storage.read_bytes(uri),
                 lambda: storage.exists(uri)):
        with pytest.raises(ConfigError) as err:
            call()
        message = str(err.value)
        assert "\n" not in message and key in message and "dot" in message
        assert "credentials" not in message and "refused" not in message
    assert storage.list_files(root) == []


def test_dots_inside_a_segment_still_work(az, monkeypatch, tmp_path):
    root = fresh_bucket(az, monkeypatch, tmp_path / "home", "m")
    storage.write_bytes(f"{root}/v1.2/model.tar.gz", b"ok")
    assert storage.read_bytes(f"{root}/v1.2/model.tar.gz") == b"ok"
