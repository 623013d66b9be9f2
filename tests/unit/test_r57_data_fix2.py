"""Round 57's second review of the data work (r57-data-fix2).

* Any 2-character folder (``eu``, ``us``, ``v1``, ``01``) was taken for Delta's random prefix and started the upward
  walk, each level asked for Delta, Hudi and Iceberg: ``proj/eu/`` was refused as inside ``proj``, "an Apache
  Iceberg table", for ``proj/metadata/run.metadata.json``. Delta puts the prefix directly under the table's root
  and uses it instead of the partition folder (delta-io/delta v4.4.0 ``DelayedCommitProtocol.newTaskTempFile``:
  ``randomPrefixLength.map(getRandomPrefix).orElse(dir)``), so only the innermost such folder is one, and only its
  parent is asked, only for ``_delta_log/``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop import storage
from ctloop.errors import ConfigError


def _tree(root, *names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PAR1")  # not empty: an empty file is scratch
    return root


def test_a_two_character_folder_beside_an_iceberg_metadata_folder_is_read(tmp_path):
    _tree(tmp_path, "proj/metadata/run.metadata.json")
    (tmp_path / "proj/eu").mkdir()
    pd.DataFrame({"x": [1, 2]}).to_csv(tmp_path / "proj/eu/a.csv", index=False)
    assert storage.read_table(f"{tmp_path}/proj/eu/")["x"].tolist() == [
        1,
        2,
    ]  # refused as Iceberg before


@pytest.mark.parametrize("log", ["metadata/run.metadata.json", ".hoodie/hoodie.properties"])
def test_a_file_in_a_two_character_folder_is_no_iceberg_or_hudi_data_file(log, tmp_path):
    _tree(tmp_path, log, "us/part-0.parquet")
    storage.refuse_table_file(str(tmp_path / "us/part-0.parquet"))


def test_a_random_prefix_is_a_level_only_innermost_and_its_parent_is_the_root():
    assert storage.table_level("Ab", innermost=True) == "prefix"
    assert storage.table_level("Ab") is None  # above another level: Delta writes none there
    assert storage.table_level("region=eu") == storage.table_level("data") == "level"
    assert storage.table_level("_x", innermost=True) is None


def test_a_delta_random_prefix_folder_and_its_file_are_still_refused(tmp_path):
    _tree(tmp_path, "t/_delta_log/00000000000000000000.json", "t/Ab/part-0.parquet")
    with pytest.raises(ConfigError, match="a Delta Lake table"):
        storage.read_table(f"{tmp_path}/t/Ab/")
    with pytest.raises(ConfigError, match=f"is a data file of {tmp_path}/t, a Delta Lake table"):
        storage.refuse_table_file(str(tmp_path / "t/Ab/part-0.parquet"))


def test_a_two_character_folder_under_a_partition_does_not_walk_up(tmp_path):
    # eu is innermost, its parent day=1 is asked for _delta_log only; the table above it is not reached
    _tree(tmp_path, "_delta_log/00000000000000000000.json", "day=1/eu/part-0.parquet")
    storage.refuse_table_file(str(tmp_path / "day=1/eu/part-0.parquet"))
