"""``ctloop trigger --params`` keeps a number given for a text parameter as it was written.

``--param model_name=2024.10`` kept its text (tests/unit/test_hunt36_kfp_params_text.py); the same
value in ``--params '{"model_name": 2024.10}'`` was ``json.dumps(2024.1)``: the run trained and
registered model ``2024.1``, not the one on the command line. kfp 2.17.0 types a ``str`` pipeline
input ``STRING`` (``kfp/dsl/types/type_utils.py``) and passes the text unchanged in the run's
``runtime_config.parameters``.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_for_cli

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

DATA = ["--param", "data.uri=gs://bucket/credit.parquet", "--param", "data.target=default",
        "--param", "data.time_column=application_date"]


@pytest.mark.parametrize("written", ["2024.10", "1e3", "1.50", "2024"])
def test_trigger_quotes_a_number_model_name_as_written(monkeypatch, tmp_path, capsys, written):
    """Since round 54 a model name is one ctloop.yaml takes (``ctloop.config.model_name``: it starts with a
    letter), so a number is refused; the refusal quotes it as written, not as ``json.dumps`` wrote it."""
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        assert main(["trigger", "--params", f'{{"model_name": {written}, "gate": {{"tolerance": 0.010}}}}',
                     *DATA, "--host", kfp.url]) == 2
        assert not kfp.state.runs
    err = capsys.readouterr().err
    assert "model_name: must be a valid Kubernetes and MLflow name" in err and f"got {written!r}" in err, err


def test_nested_numbers_stay_plain():
    from ctloop.ops.params import loads_object

    data = loads_object('{"a": 1.50, "b": {"c": 2, "d": [3.0]}}')
    assert data["a"] == 1.5 and type(data["b"]["c"]) is int and type(data["b"]["d"][0]) is float
