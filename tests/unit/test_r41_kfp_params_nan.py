"""NaN and infinities inside a list or a free-form mapping of a pipeline parameter were sent to KFP.

Python's ``json`` reads ``NaN``, ``Infinity`` and ``1e400`` (``--param``, ``--params``; YAML's ``.nan``
in ctloop.yaml) and ``kfp_server_api`` (2.17.0 ``rest.py``: ``json.dumps``) writes them back as ``NaN``,
which is not JSON: the API server's grpc-gateway (protojson) refuses the whole request body, HTTP 400
(the double does the same). The section checks refused such a number where they read one
(``gate.thresholds``), not inside a list (``training.hyperparameters``' ``monotonic_cst``). Now any
NaN/infinity in a parameter is refused in one line naming the parameter and where in it (exit 2),
before anything is compiled or sent.
"""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line
from tests.helpers import REPO

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.mark.parametrize("given, shown", [
    (["--param", 'training.hyperparameters={"monotonic_cst": [1, NaN]}'], "training.hyperparameters.monotonic_cst[1]"),
    (["--param", 'training.hyperparameters={"monotonic_cst": [Infinity]}'], "monotonic_cst[0]"),
    (["--param", 'training.hyperparameters={"monotonic_cst": [1, -1e999]}'], "monotonic_cst[1]"),
    (["--params", '{"training": {"hyperparameters": {"monotonic_cst": [1e400]}}}'], "monotonic_cst[0]"),
], ids=["nan", "infinity", "overflow", "params"])
def test_a_non_finite_number_in_a_list_is_refused_before_kfp(monkeypatch, tmp_path, capsys, given, shown):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(["trigger", "--host", kfp.url, *TRIGGER_PARAMS, *given])
        line = one_error_line(capsys)
        assert code == 2 and shown in line and "not a JSON number" in line, line
        assert kfp.writes() == [], kfp.writes()


def test_schedule_refuses_it_too(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(["schedule", "--host", kfp.url, "--cron", "0 0 3 * * *", *TRIGGER_PARAMS,
                     "--param", 'training.hyperparameters={"monotonic_cst": [NaN]}'])
        assert code == 2 and "monotonic_cst[0]" in one_error_line(capsys)
        assert kfp.writes() == []


def test_apply_refuses_a_yaml_nan_before_uploading(monkeypatch, tmp_path, capsys):
    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text())
    data["kfp"].pop("host")
    data["kfp"].pop("namespace")
    data["models"] = [data["models"][0]]
    data["models"][0]["training"] = {"estimator": "hist_gradient_boosting",
                                     "hyperparameters": {"monotonic_cst": [1, float("nan")]}}
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data))
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        code = main(["apply", "-f", str(path), "--host", kfp.url])
        err = capsys.readouterr().err
        assert code == 2 and "monotonic_cst[1]" in err and "Traceback" not in err, err
        assert kfp.writes() == []


def test_finite_lists_still_go_through(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert main(["trigger", "--host", kfp.url, *TRIGGER_PARAMS,
                     "--param", 'training.hyperparameters={"monotonic_cst": [1, -1]}']) == 0, capsys.readouterr().err
        (run,) = kfp.state.runs.values()
        assert run["runtime_config"]["parameters"]["training"]["hyperparameters"]["monotonic_cst"] == [1, -1]
