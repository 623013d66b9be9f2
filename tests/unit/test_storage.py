import pandas as pd
import pytest

from ctloop import storage
from ctloop.errors import ConfigError, DataSourceError


@pytest.fixture
def frame():
    return pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})


@pytest.mark.parametrize("name", ["t.csv", "t.parquet"])
def test_local_round_trip(tmp_path, frame, name):
    uri = str(tmp_path / "sub" / name)
    storage.write_table(frame, uri)
    pd.testing.assert_frame_equal(storage.read_table(uri), frame)


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(DataSourceError, match="nope.csv does not exist"):
        storage.read_table(str(tmp_path / "nope.csv"))


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataSourceError, match="empty"):
        storage.read_table(str(path))


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not parquet at all")
    with pytest.raises(DataSourceError, match="bad.parquet is not a readable parquet file"):
        storage.read_table(str(path))


def test_unknown_extension_asks_for_format(tmp_path):
    with pytest.raises(ConfigError, match="cannot tell the format"):
        storage.read_table(str(tmp_path / "data.bin"))


def test_bad_gcs_uri():
    with pytest.raises(ConfigError, match="bucket and an object"):
        storage.split_gcs("gs://only-bucket")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["dir/t.csv", "dir/t.parquet"])
def test_gcs_round_trip_through_emulator(gcs_bucket, frame, name):
    uri = f"gs://{gcs_bucket}/{name}"
    storage.write_table(frame, uri)
    pd.testing.assert_frame_equal(storage.read_table(uri), frame)


@pytest.mark.slow
def test_gcs_missing_object(gcs_bucket):
    with pytest.raises(DataSourceError, match="does not exist"):
        storage.read_table(f"gs://{gcs_bucket}/none.csv")
