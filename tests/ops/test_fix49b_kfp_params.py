"""Fix round 49 (helper B), kfp surface: what the r49 refusals of run parameters say and count.

* A path with leading slashes (``//mnt/data/x.csv``, ``file:////mnt/data/x.csv``) on a mounted
  volume was refused: ``posixpath.normpath`` keeps two leading slashes (POSIX leaves them to the
  system) and Linux reads them as one, so the task opens the mounted file. Now it is taken.
* The size of the runtime config counted numbers as Python writes them (``1e+16``, ``1.0``,
  ``1e-07``), not as Go's ``encoding/json`` does (Go 1.24 ``src/encoding/json/encode.go``
  ``floatEncoder.encode``: ``'f'`` format from 1e-6 up to below 1e21, else ``'e'`` with ``e-07``
  cleaned to ``e-7``; KFP carries every number as a protobuf double, an int too).
* The catch-up warning told users ``--catchup off``, which ``ctloop schedule`` refuses
  (``--catchup`` takes no value): now it names what the spec and the parser take.
* ``apply_spec`` still checks each schedule against etcd's object limit (``check_object_size``)
  before anything is uploaded: round 49 left no test of it (its parameters are refused first by
  the tighter argument limit), so the limit is made small here. The KFP API is the repo's double.
"""

from __future__ import annotations

import re

import pytest
import yaml

from ctloop.cli import build_parser
from ctloop.errors import ConfigError
from ctloop.ops.params import go_json_bytes, mounted, pipeline_arguments
from ctloop.ops.platform import Platform
from ctloop.pipelines import all_pipelines
from tests.doubles.kfp_api import KfpApiDouble
from tests.doubles.kfp_cli import emptied
from tests.helpers import REPO

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]
GOLDEN = REPO / "tests" / "golden" / "pipelines" / "continuous-training.yaml"


@pytest.mark.parametrize(
    ("path", "mounts", "expected"),
    [
        ("//mnt/data/x.csv", ["/mnt/data"], True),
        ("///mnt/data/x.csv", ["/mnt/data"], True),
        ("/mnt/data/x.csv", ["//mnt/data"], True),
        ("//mnt/database/x.csv", ["/mnt/data"], False),
        ("//mnt/data/../x.csv", ["/mnt/data"], False),
    ],
)
def test_leading_slashes_are_one(path, mounts, expected):
    assert mounted(path, mounts) is expected


@pytest.mark.parametrize("uri", ["//mnt/data/credit.parquet", "file:////mnt/data/credit.parquet"])
def test_a_path_with_leading_slashes_on_a_mounted_volume_is_taken(uri):
    values = {"model_name": "credit", "data": {"uri": uri, "target": "y", "time_column": "t"}}
    args = pipeline_arguments(all_pipelines()["continuous-training"], values, mounts=["/mnt/data"])
    assert args["data"]["uri"] == uri


# what Go's encoding/json writes for these float64 values (floatEncoder.encode, quoted above)
GO_NUMBERS = [
    (1e16, "10000000000000000"),
    (1.0, "1"),
    (2.5, "2.5"),
    (1e-07, "1e-7"),
    (1.5e-09, "1.5e-9"),
    (1e-10, "1e-10"),
    (1e-05, "0.00001"),
    (1e-06, "0.000001"),
    (1e21, "1e+21"),
    (1.2345e22, "1.2345e+22"),
    (-0.0, "-0"),
    (0, "0"),
    (10**17, "100000000000000000"),
    (2**63, "9223372036854776000"),  # a double: its shortest digits, then zeros
    (123456789.125, "123456789.125"),
]


@pytest.mark.parametrize(("number", "go"), GO_NUMBERS, ids=[g for _, g in GO_NUMBERS])
def test_numbers_are_counted_as_go_writes_them(number, go):
    assert go_json_bytes({"x": [number, True]}) == len('{"x":[' + go + ",true]}")
    from ctloop.ops.params import go_number

    assert go_number(number) == go


def test_the_limit_counts_numbers_as_go_writes_them():
    """Python writes 1e+16 (5 bytes) where Go writes 10000000000000000 (17): counted the Python
    way, parameters 1,200 bytes over the limit were taken."""
    from ctloop.ops.params import MAX_ARG_STRLEN, runtime_config_problem

    weights = ",".join(["10000000000000000"] * 100)
    go = '{"parameterValues":{"data":{"target":"","weights":[' + weights + ']},"model_name":"m"}}'
    target = "x" * (MAX_ARG_STRLEN - len(go))  # exactly the limit, as Go writes it
    args = {"model_name": "m", "data": {"target": target, "weights": [1e16] * 100}}
    assert runtime_config_problem(args).startswith(
        "data.target: the run parameters are 131,072 bytes"
    )
    args["data"]["target"] = target[:-1]
    assert runtime_config_problem(args) == ""


@pytest.fixture(scope="module")
def _double():
    with KfpApiDouble() as double:  # one server for the module: stopping one waits up to 20 ms
        yield double


@pytest.fixture
def kfp(_double, monkeypatch, tmp_path):
    """The module's KFP double, emptied (what KFP holds, the calls) for each test."""
    return emptied(_double, monkeypatch, tmp_path)


def _catch_up_warning(kfp) -> str:
    said: list[str] = []
    platform = Platform(host=kfp.url, warn=said.append)
    upload = platform.ensure_pipeline("continuous-training", GOLDEN)
    args = dict(
        experiment_id=platform.ensure_experiment("ctloop"),
        job_name="ct-credit",
        pipeline_id=upload.pipeline_id,
        version_id=upload.version_id,
        cron="0 0 3 * * *",
        params={"model_name": "credit"},
        no_catchup=False,
        max_concurrency=1,
    )
    rid = platform.reconcile_schedule(**args).recurring_run_id
    kfp.state.recurring[rid]["status"] = "DISABLED"  # disabled by hand in the KFP UI
    platform.reconcile_schedule(**args)
    (line,) = said
    return line


def test_the_catch_up_warning_names_what_the_parser_and_the_spec_take(kfp):
    from ctloop.config import ScheduleConfig

    line = _catch_up_warning(kfp)
    assert line.endswith(
        "— set no_catchup: true (apply) or drop --catchup (schedule) to run only the next one"
    ), line
    parser = build_parser("schedule")
    command = ["schedule", "--cron", "0 0 3 * * *"]
    flags = re.findall(r"(--[a-z-]+)(?: ([\w-]+))?", line)
    assert flags, line
    for flag, value in flags:  # every flag the line names parses as written (--catchup off did not)
        assert parser.parse_args([*command, flag, *([value] if value else [])]).catchup is True
    assert parser.parse_args(command).catchup is False  # dropped: no catch-up
    with pytest.raises(SystemExit):
        parser.parse_args([*command, "--catchup", "off"])
    keys = re.findall(r"(\w+): (true|false)", line)
    assert keys == [("no_catchup", "true")], line
    errors: list[str] = []
    schedule = ScheduleConfig.parse(
        {"cron": "0 0 3 * * *", **{k: yaml.safe_load(v) for k, v in keys}},
        "models[0].schedule",
        errors,
    )
    assert errors == [] and schedule.no_catchup is True  # a key of a spec's schedule, as written


def test_apply_checks_each_schedule_against_the_object_limit_before_any_upload(kfp, monkeypatch):
    from ctloop.cli import ops
    from ctloop.ops.spec import parse_spec

    monkeypatch.setenv("CTLOOP_IMAGE", "registry.example.com/ml/ctloop:0.1.0")
    monkeypatch.setattr(ops, "ETCD_MAX_REQUEST_BYTES", 50_000)  # below any compiled pipeline
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8"))
    data["models"] = data["models"][1:]  # one schedule, no approval by hand: one pipeline compiled
    spec = parse_spec(data)
    with pytest.raises(ConfigError) as err:
        ops.apply_spec(
            spec,
            platform_factory=lambda _: Platform(host=kfp.url),
            image=None,
            dry_run=False,
            out=lambda *_: None,
        )
    message = str(err.value)
    assert message.startswith(
        "model loss-given-default: schedule ct-loss-given-default: the pipeline spec ("
    ), message
    assert "at most 50,000 bytes" in message and "etcdserver: request is too large" in message
    assert kfp.writes() == []  # no pipeline uploaded, no experiment, no schedule
