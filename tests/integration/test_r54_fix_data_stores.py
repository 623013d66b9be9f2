"""An empty ``_delta_log/`` as S3's and Azure's zero-byte folder marker (Hadoop S3A's ``mkdirs``, ABFS and
the consoles' "Create folder" on a flat namespace) is refused as a table with no commits, as on GCS
(tests/unit/test_r54_fix_data.py) and on local disk, not dropped from the listing and the files beside it
read (round 54 review, item 1)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop import storage
from ctloop.errors import ConfigError
from tests.fixtures.object_stores import _sdk, sdk_put
from tests.integration.test_fix41d_storage_double_slash import _store
from tests.integration.test_storage import clean_env, root  # noqa: F401 - fixtures (stores: tests/conftest.py)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("root", ["s3", "az"], indirect=True)
def test_an_empty_delta_log_folder_marker_is_refused_beside_a_first_commits_file(root, request):  # noqa: F811
    store, bucket = _store(request, root)
    sdk_put(store, bucket, "ctloop/t/_delta_log/", b"")
    sdk_put(store, bucket, "ctloop/t/part-0.parquet", pd.DataFrame({"x": [0.5]}).to_parquet())
    with pytest.raises(
        ConfigError, match=r"its _delta_log/ holds no file: a table with no commits.*no commit yet"
    ):
        storage.read_table(f"{root}/t/")
    # every other caller's listing leaves the marker out, as before
    assert not [o for o in storage.list_objects(f"{root}/t/", scratch=True) if o.uri.endswith("/")]


@pytest.mark.parametrize("root", ["az"], indirect=True)
def test_an_empty_delta_log_as_an_hns_folder_blob_is_told_as_a_table_with_no_commits(root, request):  # noqa: F811
    # Azure HNS and blobfuse2 show a directory as a zero-byte blob, metadata hdi_isfolder=true, no '/'
    store, bucket = _store(request, root)
    container = _sdk(store).get_container_client(bucket)
    container.upload_blob("ctloop/t/_delta_log", b"", metadata={"hdi_isfolder": "true"})
    sdk_put(store, bucket, "ctloop/t/part-0.parquet", pd.DataFrame({"x": [0.5]}).to_parquet())
    with pytest.raises(
        ConfigError, match=r"its _delta_log/ holds no file: a table with no commits.*no commit yet"
    ):
        storage.read_table(f"{root}/t/")
