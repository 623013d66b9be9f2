"""``storage.write_table`` of a name ending in '/': before, ``x.csv/`` was written as Parquet to a
file named ``x.csv`` (``Path`` drops the slash, and a name without a suffix is Parquet)."""

from __future__ import annotations

import pandas as pd
import pytest

from ctloop.errors import ConfigError
from ctloop.storage import write_table


@pytest.mark.parametrize("name", ["x.csv/", "out/"])
def test_a_folder_name_is_refused_and_nothing_is_written(tmp_path, name):
    with pytest.raises(ConfigError, match="names a folder"):
        write_table(pd.DataFrame({"a": [1]}), str(tmp_path / "d") + "/" + name)
    assert not (tmp_path / "d").exists()
