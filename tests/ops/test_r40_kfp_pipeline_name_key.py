"""A pipeline is unique by its ``name``, not its ``display_name``; ctloop looked it up by the latter.

kubeflow/pipelines 2.17.0 ``backend/src/apiserver/model/pipeline.go``: ``Name`` carries the unique index
(``uniqueIndex:namespace_name``), ``DisplayName`` none, and a list filter on ``display_name`` compares
``DisplayName`` only (``pipelineAPIToModelFieldMap``; ``name`` maps to ``Name``). The upload endpoint
sets ``Name`` from ``?name=`` (``pipeline_upload_server.go`` ``uploadPipeline``; ``display_name`` from
``?display_name=``, else the name) and answers a taken ``Name`` with 409. A pipeline named
``continuous-training`` whose display name is another (set through ``POST /apis/v2beta1/pipelines``,
which takes both) was not found, the upload was refused 409 and the lookup after it found nothing:
``ctloop upload``/``apply`` failed every time with "HTTP 409 Conflict: Failed to create a pipeline and
a pipeline version". Now the lookup filters on ``name``, the key the upload collides on.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from tests.doubles.kfp_api import KfpApiDouble, _now
from tests.doubles.kfp_cli import kfp_for_cli

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]


class KeyedFilters(KfpApiDouble):
    """Filters as 2.17.0 compares them (``display_name`` on the display name, ``name`` on the name), and
    an upload whose ``name`` is taken answered 409 (single-user mode)."""

    @staticmethod
    def _filter(items, query):
        import json

        if "filter" not in query:
            return items
        for pred in json.loads(query["filter"]).get("predicates", []):
            key, value = pred["key"], pred.get("string_value", pred.get("stringValue"))
            items = [i for i in items if i.get(key) == value]
        return items

    def dispatch(self, method, path, query, body):
        from tests.doubles.kfp_api import PREFIX

        if method == "POST" and path == PREFIX + "/pipelines/upload":  # Name unique (uniqueIndex:namespace_name)
            name = query.get("name") or ""
            if any(p["name"] == name and p["namespace"] == "" for p in self.state.pipelines.values()):
                return 409, self._upload_error("Failed to create a pipeline and a pipeline version")
            spec, pid = self._parse_package(body), self.new_id("pipeline")  # a display name may repeat
            self.state.pipelines[pid] = {"pipeline_id": pid, "name": name, "display_name": name,
                                         "description": query.get("description", ""), "created_at": _now(),
                                         "namespace": ""}
            self.state.versions[pid] = [self._version(pid, name, query.get("description", ""), spec)]
            return 200, self.state.pipelines[pid]
        return super().dispatch(method, path, query, body)


def _seed(kfp, name: str, display_name: str) -> str:
    pid = kfp.new_id("pipeline")
    kfp.state.pipelines[pid] = {"pipeline_id": pid, "name": name, "display_name": display_name,
                                "description": "", "created_at": _now(), "namespace": ""}
    kfp.state.versions[pid] = []
    kfp.add_version(pid, name="by-hand", display_name="by hand")
    return pid


def test_upload_finds_the_pipeline_by_its_name(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, cls=KeyedFilters) as kfp:
        pid = _seed(kfp, "continuous-training", "Continuous training (credit team)")
        code = main(["upload", "--host", kfp.url])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert list(kfp.state.pipelines) == [pid] and len(kfp.state.versions[pid]) == 2
    assert captured.out.startswith("pipeline continuous-training: new-version"), captured.out


def test_a_display_name_alone_is_not_the_pipeline(monkeypatch, tmp_path, capsys):
    with kfp_for_cli(monkeypatch, tmp_path, cls=KeyedFilters) as kfp:
        other = _seed(kfp, "someone-elses", "continuous-training")
        assert main(["upload", "--host", kfp.url]) == 0, capsys.readouterr().err
        (mine,) = [p for p in kfp.state.pipelines if p != other]
        assert kfp.state.pipelines[mine]["name"] == "continuous-training"
        assert len(kfp.state.versions[other]) == 1  # nothing uploaded into someone else's pipeline
