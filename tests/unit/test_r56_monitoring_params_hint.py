"""A local monitoring run without ``training_parameters`` is told what to give.

Found running the monitoring pipeline locally as a newcomer would (``ctloop run --local --pipeline
monitoring --param model_name=credit-default --param monitoring.log_root=...``): the refusal said
``training_parameters: required by the pipeline and not given; e.g. --param
training_parameters=...``, nothing about what goes there, while the same parameter given empty
(``{}``) was answered with a JSON example. The missing one gets that example now.
"""

from __future__ import annotations

from ctloop.cli import main


def test_missing_training_parameters_get_the_json_example(capsys):
    code = main(
        [
            "run",
            "--local",
            "--pipeline",
            "monitoring",
            "--param",
            "model_name=credit-default",
            "--param",
            "monitoring.log_root=/tmp/no-log",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    line = next(x for x in err.splitlines() if x.startswith("error: training_parameters:"))
    assert line == (
        "error: training_parameters: required by the pipeline and not given: the continuous-training run a fired "
        'rule starts; e.g. --param \'training_parameters={"data": {"uri": "gs://bucket/credit.parquet", '
        '"target": "default", "time_column": "application_date"}}\''
    ), line
