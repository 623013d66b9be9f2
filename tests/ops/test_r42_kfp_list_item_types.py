"""A list answer whose items are not objects was taken for an empty match.

``kfp_server_api`` 2.17.0's deserializer (``api_client.py`` ``__deserialize_model``) turns a list item
that is not a JSON object (``{"pipelines": [[1]]}``, ``[5]``, ``["x"]``) into a model with every field
``None`` instead of failing: the upload's lookup then saw a pipeline without a name, decided there was
none of that name and uploaded a new one -- to a server that did not answer as the KFP API does
(a proxy, another service at ``--host``). Such an answer is now one line naming the call (exit 2),
and nothing is written.
"""

from __future__ import annotations

import json

import pytest

from ctloop.cli import main
from tests.doubles.kfp_cli import kfp_for_cli, one_error_line
from tests.ops.test_r41_kfp_malformed_error_body import ListPipelinesAnswers

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")

ITEMS = {"list": [[1]], "number": [5], "text": ["continuous-training"], "null": [None], "empty-object": [{}]}


@pytest.mark.parametrize("case", sorted(ITEMS))
def test_a_list_item_that_is_no_object_is_one_line(monkeypatch, tmp_path, capsys, case):
    ListPipelinesAnswers.answer = (200, "application/json", json.dumps({"pipelines": ITEMS[case]}), ())
    with kfp_for_cli(monkeypatch, tmp_path, cls=ListPipelinesAnswers) as kfp:
        code = main(["upload", "--host", kfp.url])
        line = one_error_line(capsys)
        assert code == 2, line
        assert kfp.writes() == [], kfp.writes()
    assert "list pipelines" in line and "pipelines[0]" in line, line
