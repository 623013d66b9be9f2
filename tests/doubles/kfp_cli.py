"""What the tests of ctloop's KFP commands share: the KFP API double started for a CLI run in an
isolated environment (no kubeconfig, no KFP_* variables, an image set), the run parameters
``ctloop trigger``/``schedule`` need, and the one-line error they must print."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tests.doubles.kfp_api import KfpApiDouble

IMAGE = "registry.example.com/ml/ctloop:0.1.0"
CRON = "0 0 3 * * *"  # a valid KFP cron (six fields) for a schedule the test does not care about


def params(*pairs: str) -> list[str]:
    """``--param`` before each ``key=value`` of ``pairs``, in order."""
    return [item for pair in pairs for item in ("--param", pair)]


TRIGGER_PAIRS = ("model_name=credit", "data.uri=gs://bucket/credit.parquet", "data.target=default",
                 "data.time_column=application_date")
TRIGGER_PARAMS = params(*TRIGGER_PAIRS)


def schedule_argv(url: str, *pairs: str, pipeline: str = "", cron: str = CRON, extra: Sequence[str] = ()) -> list[str]:
    """``ctloop schedule`` of ``pipeline`` (the default one when empty) on the KFP at ``url``: ``--param``
    for each of ``pairs``, then ``extra`` as given."""
    chosen = ["--pipeline", pipeline] if pipeline else []
    return ["schedule", *chosen, "--host", url, "--cron", cron, *params(*pairs), *extra]


def trigger_argv(url: str, *pairs: str, extra: Sequence[str] = ()) -> list[str]:
    """``ctloop trigger`` on the KFP at ``url``: ``--param`` for each of ``pairs``, then ``extra``."""
    return ["trigger", "--host", url, *params(*pairs), *extra]


def spec_file(tmp_path: Any, url: str, edit: Callable[[dict], Any] | None = None) -> str:
    """``examples/ctloop.yaml`` with ``kfp.host`` = ``url``, changed by ``edit`` (the parsed YAML, in
    place), written to ``tmp_path/ctloop.yaml``: its path, for ``ctloop apply -f``."""
    import yaml

    from tests.helpers import REPO

    data = yaml.safe_load((REPO / "examples" / "ctloop.yaml").read_text(encoding="utf-8"))
    data["kfp"]["host"] = url
    if edit is not None:
        edit(data)
    path = tmp_path / "ctloop.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


@contextmanager
def kfp_for_cli(monkeypatch: Any, tmp_path: Any, cls: type | None = None, **double: Any) -> Iterator[KfpApiDouble]:
    """A :class:`KfpApiDouble` (``double``: its options; ``cls``: a subclass, e.g.
    :class:`KfpWithDeletes`) for CLI runs in an isolated environment."""
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    monkeypatch.setenv("CTLOOP_IMAGE", IMAGE)
    with (cls or KfpApiDouble)(**double) as running:
        yield running


def emptied(double: KfpApiDouble, monkeypatch: Any, tmp_path: Any) -> KfpApiDouble:
    """``double`` (one server for a module: stopping one takes 0.5 s) emptied of what KFP holds and
    of the calls, for one test, in the isolated environment of :func:`kfp_for_cli` (no image set)."""
    from tests.doubles.kfp_api import State
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    double.state, double.calls, double.orphans = State(), [], []
    return double


GOLDEN_ROLLOUT = "tests/golden/pipelines/rollout.yaml"


@contextmanager
def kfp_with_rollout(monkeypatch: Any, tmp_path: Any) -> Iterator[KfpApiDouble]:
    """:func:`kfp_for_cli` with the golden rollout pipeline uploaded and the experiment ``ctloop``
    (the spec's default ``kfp.experiment``, which ``ctloop apply`` creates): what ``ctloop approve``
    starts, and where (``approve`` never creates an experiment)."""
    from ctloop.ops.platform import Platform
    from tests.helpers import REPO

    with kfp_for_cli(monkeypatch, tmp_path) as double:
        platform = Platform(host=double.url)
        platform.ensure_pipeline("rollout", REPO / GOLDEN_ROLLOUT)
        platform.ensure_experiment("ctloop")
        yield double


def one_error_line(capsys: Any) -> str:
    """The command's stderr: exactly one ``error: …`` line, no traceback."""
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


class KfpWithDeletes(KfpApiDouble):
    """The double plus what deleting a pipeline or a pipeline version in KFP leaves behind, after
    kubeflow/pipelines 2.17.0 (the API server's answers, single-user mode):

    * :meth:`delete_version` / :meth:`delete_pipeline` (cascade: every version goes with it) are
      ``DeletePipelineVersion`` / ``DeletePipeline(cascade=true)`` of
      ``backend/src/apiserver/resource/resource_manager.go``: the rows go; the recurring runs that
      name them stay (a job keeps its own copy of the workflow);
    * ``GET /pipelines/{id}/versions/{version id}`` of a deleted version is then the double's 404
      (``GetPipelineVersion``), ``GET /pipelines/{id}`` of a deleted pipeline 404 with the message of
      ``server/pipeline_server.go`` ``GetPipeline`` over ``storage/pipeline_store.go``
      ``ResourceNotFoundError("Pipeline", id)``;
    * ``POST /runs`` naming a deleted version is ``CreateRun``'s ``NewInternalServerError(...,
      "Failed to create a run due to error fetching manifest")``: HTTP 500 (Internal), before any
      workflow is created (the external message in ``details``: ``Internal Server Error``,
      :func:`tests.doubles.kfp_api.status_body`).
    """

    def delete_version(self, version_id: str) -> None:
        for versions in self.state.versions.values():
            versions[:] = [v for v in versions if v["pipeline_version_id"] != version_id]

    def delete_pipeline(self, pipeline_id: str) -> None:
        self.state.pipelines.pop(pipeline_id)
        self.state.versions.pop(pipeline_id, None)

    def _has_version(self, version_id: str) -> bool:
        return any(v["pipeline_version_id"] == version_id for vs in self.state.versions.values() for v in vs)

    def dispatch(self, method: str, path: str, query: dict, body: Any) -> tuple[int, Any]:
        from tests.doubles.kfp_api import PREFIX

        parts = path[len(PREFIX):].split("/")
        if method == "GET" and len(parts) == 3 and parts[1] == "pipelines" and parts[2] not in self.state.pipelines:
            pid = parts[2]
            return 404, {"error": f"Failed to get a pipeline {pid}. Check error stack: Failed to get a pipeline with id "
                                  f"{pid}: ResourceNotFoundError: Pipeline {pid} not found"}
        if method == "POST" and path == PREFIX + "/runs":
            vid = ((body or {}).get("pipeline_version_reference") or {}).get("pipeline_version_id")
            if vid and not self._has_version(vid):
                return 500, {"error": "Failed to create a new run: InternalServerError: Failed to create a run due to "
                                      "error fetching manifest: Failed to fetch a template due to error retrieving "
                                      "pipeline version: Failed to fetch a pipeline version and its manifest from "
                                      f"pipeline version {vid}: Failed to get a pipeline version with id {vid}: "
                                      f"ResourceNotFoundError: PipelineVersion {vid} not found"}
        return super().dispatch(method, path, query, body)
