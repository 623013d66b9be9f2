"""``oci+native://`` is in KServe v0.20.0's ``SupportedStorageURIPrefixList``
(``pkg/controller/v1beta1/inferenceservice/utils/utils.go``), and the rollout's storageUri check
names it supported, but ``storage.kserve_storage_uri`` sent it to the artifact-URI parser, which
refused it: the two disagreed. It now passes through unchanged, as ``oci://`` does."""

from __future__ import annotations

import pytest

from ctloop import storage
from ctloop.serving import isvc as specs


@pytest.mark.parametrize("uri", ["oci+native://registry.example.com/models/credit:1.0",
                                 "oci://registry.example.com/models/credit:1.0"])
def test_every_prefix_the_rollout_calls_supported_is_a_kserve_storage_uri(uri):
    specs.check_storage_uri(uri)
    assert storage.kserve_storage_uri(uri) == uri


def test_the_rollout_check_and_kserve_storage_uri_agree_on_every_kserve_prefix():
    for prefix in specs.STORAGE_PREFIXES:
        if prefix in ("gs://", "s3://", "file://"):
            continue  # artifact stores ctloop parses itself (file:// needs a path)
        uri = f"{prefix}host/models/credit"
        specs.check_storage_uri(uri)
        assert storage.kserve_storage_uri(uri) == uri
