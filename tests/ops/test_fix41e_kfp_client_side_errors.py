"""A request ``kfp_server_api`` refuses to build was blamed on ``--host``.

``Platform._call`` turned any ``TypeError``/``ValueError`` raised in a ``kfp_server_api`` frame into
"answered with JSON that is not the KFP API's — fix: give --host …", meant for its deserializer
(kfp_server_api 2.17.0 ``api_client.py`` ``deserialize``/``__deserialize*`` failing on
``{"pipelines": 5}``). The generated API methods raise such errors too, before anything is sent:
``ApiValueError("Missing the required parameter `experiment_id` …")``, ``ApiTypeError("Got an
unexpected keyword argument …")`` (``kfp_server_api/api/experiment_service_api.py``): a ctloop bug, not
the host's. Those are raised as they are now; a deserializer's failure is still the one line.
"""

from __future__ import annotations

import json

import pytest

from ctloop.errors import PlatformError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.ops.test_r41_kfp_malformed_error_body import ListPipelinesAnswers

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


@pytest.mark.parametrize("kwargs, error", [
    ({"experiment_id": None}, ValueError),
    ({"experiment_id": "e", "not_an_argument": 1}, TypeError),
])
def test_a_request_kfp_server_api_refuses_to_build_is_not_blamed_on_the_host(monkeypatch, tmp_path, kwargs,
                                                                             error):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        platform = Platform(host=kfp.url)
        api = platform.client._experiment_api
        with pytest.raises(error) as caught:
            platform._call("get experiment", api.experiment_service_get_experiment, **kwargs)
        assert not isinstance(caught.value, PlatformError)
        assert "--host" not in str(caught.value)


@pytest.mark.parametrize("answer", [{"pipelines": 5}, {"pipelines": [], "total_size": "many"}])
def test_an_answer_the_deserializer_cannot_read_still_names_the_host(monkeypatch, tmp_path, answer):
    ListPipelinesAnswers.answer = (200, "application/json", json.dumps(answer), ())
    with kfp_for_cli(monkeypatch, tmp_path, cls=ListPipelinesAnswers) as kfp:
        platform = Platform(host=kfp.url)
        with pytest.raises(PlatformError, match="not the KFP API's .* --host"):
            platform._call("list pipelines", platform.client._pipelines_api.pipeline_service_list_pipelines)
