"""Sources on the real object-store servers (moto, the GCS emulator, Azurite): a zero-byte directory
marker (S3 console / Hadoop; blobfuse2's hdi_isfolder=true blob) beside its prefix is read as the
prefix, not refused as "both an object and a prefix" (review 41 item 1)."""

from __future__ import annotations

import pytest

from ctloop.drift import streaming
from ctloop.errors import DataSourceError
from tests.fixtures.object_stores import _sdk, sdk_put
from tests.integration.test_fix41d_storage_double_slash import _csv, _store
from tests.integration.test_storage import clean_env, root  # noqa: F401 - fixtures (stores: tests/conftest.py)

pytestmark = pytest.mark.slow



@pytest.mark.parametrize("root", ["gs", "s3", "az"], indirect=True)  # a local directory cannot also be a file
def test_zero_byte_directory_marker_beside_its_prefix_reads_the_prefix(root, request):  # noqa: F811
    store, bucket = _store(request, root)
    if store.scheme == "az":  # blobfuse2 / HNS: a zero-byte blob with metadata hdi_isfolder=true
        _sdk(store).get_container_client(bucket).upload_blob("ctloop/h", b"", metadata={"hdi_isfolder": "true"})
    else:  # the S3 console's / Hadoop's zero-byte marker
        sdk_put(store, bucket, "ctloop/h", b"")
    sdk_put(store, bucket, "ctloop/h/x.csv", _csv(3))
    assert streaming.open_source(f"{root}/h").check_files().dataset.to_table().num_rows == 3


@pytest.mark.parametrize("root", ["gs", "s3", "az"], indirect=True)  # a local directory cannot also be a file
def test_an_object_with_bytes_beside_a_prefix_is_still_refused(root, request):  # noqa: F811
    store, bucket = _store(request, root)
    sdk_put(store, bucket, "ctloop/h", _csv(1))
    sdk_put(store, bucket, "ctloop/h/x.csv", _csv(3))
    with pytest.raises(DataSourceError, match="both an object and a prefix"):
        streaming.open_source(f"{root}/h")
