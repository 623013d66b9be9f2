"""Round 47, config surface: a KFP name holding a control character is refused.

``--experiment "$(cat experiment.txt)"`` of a file with CRLF line ends gives ``credit\\r``: KFP
2.17 stores any text as an experiment's name, so a second experiment ``credit\\r`` was created
beside ``credit`` and the schedules and runs went there, out of sight. The same for a run's,
a recurring run's and a pipeline's name, and for ``kfp.experiment`` in ctloop.yaml."""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.ops.platform import check_name
from ctloop.ops.spec import parse_spec
from tests.helpers import REPO

PARAMS = [
    "--param",
    "model_name=m",
    "--param",
    "data.uri=gs://b/x.parquet",
    "--param",
    "data.target=y",
    "--param",
    "data.time_column=t",
]


@pytest.mark.parametrize("kind", ["experiment", "run", "recurring run", "pipeline"])
@pytest.mark.parametrize("value", ["credit\r", "cre\ndit", "credit\x00"], ids=["cr", "lf", "nul"])
def test_a_name_with_a_control_character_is_refused(kind, value):
    with pytest.raises(
        ConfigError, match=r"--x .* holds a control character .*a line end pasted with it"
    ):
        check_name(value, "--x", "credit", kind)


@pytest.mark.parametrize(
    ("flag", "command"),
    [
        ("--experiment", ["trigger"]),
        ("--run-name", ["trigger"]),
        ("--job-name", ["schedule", "--cron", "0 0 3 * * *"]),
    ],
)
def test_the_flags_refuse_it_before_kfp_is_asked(capsys, flag, command):
    code = main([*command, "--host", "http://127.0.0.1:9", *PARAMS, flag, "credit\r"])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        err.startswith(f"error: {flag} 'credit\\r' holds a control character")
        and "cannot reach" not in err
    )


def test_ctloop_yaml_refuses_it_in_kfp_experiment():
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8"))
    data["kfp"]["experiment"] = "credit\r"
    with pytest.raises(ConfigError, match=r"kfp\.experiment 'credit\\r' holds a control character"):
        parse_spec(data, "ctloop.yaml")
