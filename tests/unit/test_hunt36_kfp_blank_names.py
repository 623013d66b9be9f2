"""A blank pipeline or experiment name is refused in one line naming the flag, before anything is
written to KFP.

* ``--pipeline-name '   '``: kfp 2.17.0 ``Client.upload_pipeline`` (``kfp/client/client.py``
  ``validate_pipeline_display_name``) raises ``ValueError('Invalid pipeline name...')``: a
  traceback, after the compile;
* ``--experiment ''`` (schedule, trigger): the 2.17.0 API server refuses an experiment without a
  name with ``InternalServerError`` (``backend/src/apiserver/server/api_converter.go``
  ``toModelExperiment``: "Experiment must have a non-empty name"), i.e. HTTP 500, which read as
  "the KFP API is failing — check the API server", after the pipeline had been uploaded.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import TRIGGER_PARAMS, kfp_for_cli, one_error_line

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

PARAMS = TRIGGER_PARAMS


@pytest.fixture
def kfp(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as double:
        yield double



@pytest.mark.parametrize("command", [["upload"], ["schedule", "--cron", "0 0 3 * * *", *PARAMS]])
@pytest.mark.parametrize("name", ["   ", "\t"])
def test_a_blank_pipeline_name_is_one_line_and_writes_nothing(kfp, capsys, command, name):
    assert main([*command, "--host", kfp.url, "--pipeline-name", name]) == 2
    line = one_error_line(capsys)
    assert "--pipeline-name" in line and "blank" in line, line
    assert not kfp.writes()


@pytest.mark.parametrize("command", [["schedule", "--cron", "0 0 3 * * *", *PARAMS], ["trigger", *PARAMS]])
@pytest.mark.parametrize("name", ["", "  "])
def test_a_blank_experiment_is_one_line_and_writes_nothing(kfp, capsys, command, name):
    assert main([*command, "--host", kfp.url, "--experiment", name]) == 2
    line = one_error_line(capsys)
    assert "--experiment" in line and "blank" in line and "failing" not in line, line
    assert not kfp.writes()


def test_the_double_answers_an_unnamed_experiment_as_the_server_does(kfp):
    """The 2.17.0 answer the CLI check keeps users from: HTTP 500, not 400."""
    import json
    import urllib.error
    import urllib.request

    request = urllib.request.Request(kfp.url + "/apis/v2beta1/experiments", method="POST",
                                     data=json.dumps({"display_name": ""}).encode(),
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=5)
    assert exc.value.code == 500 and b"non-empty name" in exc.value.read()
