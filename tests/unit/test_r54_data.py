"""Reading tables, round 54 (r54-data).

* A directory holding only an empty ``_delta_log/`` (a Delta table being created, before its first commit's
  JSON, or a broken one) was "an empty directory": a listing of files cannot show an empty directory. It is
  refused as a Delta table with no commits, as a table whose log holds files and no data file is; and data
  files beside an empty ``_delta_log/`` (a first commit's files written, its JSON not yet) are refused too.
* ``read_table`` of a directory listed it twice (the files' sizes for the memory estimate from a second
  listing); an object-store prefix named without its '/' three times. Once now.
* ``data.contract.columns.<time>.format`` other than ``data.time_format`` was refused with "set it there",
  naming ``data.time_format (--time-format)``: ``ctloop backtest --config ctloop.yaml --time-format F`` was
  refused the same, as the file is refused before the flag is read. The refusal says what to write in the
  file.
"""

from __future__ import annotations

import collections

import pandas as pd
import pytest

from ctloop import scoring, storage
from ctloop.cli import main
from ctloop.errors import ConfigError, NoDataFiles

PART = pd.DataFrame({"x": [0.5, 1.5], "target": [1, 0]})


def _write(root, files: dict[str, bytes]) -> str:
    for name, data in files.items():
        storage.write_bytes(f"{root}/{name}", data)
    return str(root)


@pytest.mark.parametrize("log, kind", [("_delta_log", "Delta Lake"), (".hoodie", "Apache Hudi")])
def test_a_directory_of_an_empty_table_log_is_refused_as_a_table_with_no_commits(
    tmp_path, log, kind
):
    table = tmp_path / "t"
    (table / log).mkdir(parents=True)
    with pytest.raises(
        ConfigError,
        match=rf"is an? {kind} table \(its {log}/ holds no file: a table with no "
        r"commits",
    ) as refused:
        storage.read_table(str(table))
    assert "empty directory" not in str(refused.value)
    with pytest.raises(
        ConfigError, match=f"{kind} table"
    ):  # drift's and scoring's reader: the same listing
        scoring.open_input(str(table))
    # a first commit's data files written, its JSON not yet: not read as plain Parquet
    _write(table, {"part-00000.snappy.parquet": PART.to_parquet()})
    with pytest.raises(ConfigError, match=f"its {log}/ holds no file"):
        storage.read_table(str(table))
    # a plain empty directory is still one
    (tmp_path / "e").mkdir()
    with pytest.raises(NoDataFiles, match="is an empty directory"):
        storage.read_table(str(tmp_path / "e"))


def _count_listings(monkeypatch, backend: type) -> collections.Counter:
    listed: collections.Counter = collections.Counter()
    objects = backend.objects

    def counted(self, loc):
        listed[loc.key] += 1
        return objects(self, loc)

    monkeypatch.setattr(backend, "objects", counted)
    return listed


def test_a_directory_is_listed_once_locally(tmp_path, monkeypatch):
    root = _write(tmp_path / "d", {f"part-{i}.parquet": PART.to_parquet() for i in range(3)})
    listed = _count_listings(monkeypatch, storage._Local)
    assert len(storage.read_table(root)) == 6
    assert sum(listed.values()) == 1, listed


def test_a_prefix_is_listed_once_on_gcs(gcs_bucket, monkeypatch):
    prefix = f"gs://{gcs_bucket}/exports/credit.parquet"  # as Spark names its output directory
    _write(prefix, {f"part-{i}.parquet": PART.to_parquet() for i in range(3)})
    listed = _count_listings(monkeypatch, type(storage._BACKENDS["gs"]()))
    for uri in (
        f"{prefix}/",
        prefix,
    ):  # the prefix, and named without its '/' (no object of that name)
        listed.clear()
        assert len(storage.read_table(uri)) == 6
        assert sum(listed.values()) == 1, (uri, listed)


SPEC = """\
apiVersion: ctloop.dev/v1alpha2
kind: ContinuousTraining
models:
  - name: m
    data: {{uri: {uri}, target: y, time_column: ts,
            contract: {{columns: {{ts: {{dtype: datetime, format: '%d/%m/%Y'}}}}}}}}
    training: {{estimator: logistic_regression}}
    gate: {{thresholds: {{roc_auc: 0.5}}, bootstrap_rounds: 20}}
"""


def test_backtest_config_with_the_contracts_own_time_format_is_told_what_to_write_in_the_file(
    tmp_path, capsys
):
    spec = tmp_path / "ctloop.yaml"
    spec.write_text(SPEC.format(uri=tmp_path / "events.csv"))
    for flags in (
        [],
        ["--time-format", "%d/%m/%Y"],
    ):  # the flag cannot mend the file: it is refused before
        assert main(["backtest", "--config", str(spec), "--model", "m", "--quiet", *flags]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--time-format" not in err, err
        assert (
            f"{spec}: models[0].data.contract.columns.ts.format '%d/%m/%Y' is not data.time_format (empty), "
            "which the time column is read with: write data.time_format: '%d/%m/%Y' in the file"
        ) in err, err
    # done as told: read
    spec.write_text(
        SPEC.format(uri=tmp_path / "events.csv").replace(
            "time_column: ts,", "time_column: ts, time_format: '%d/%m/%Y',"
        )
    )
    from ctloop.ops.spec import load_spec

    assert load_spec(str(spec)).models[0].section("data").time_format == "%d/%m/%Y"
