"""``pipelines_memo``: what ``ctloop apply`` recomputes with the same inputs, remembered per test process."""

from __future__ import annotations

import pytest


class PipelinesMemo:
    """What ``ctloop apply`` recomputes at every apply, remembered per test process by all its inputs.

    ``apply_spec`` (src/ctloop/cli/ops.py) builds every pipeline for the spec's ``platform``
    (``ctloop.pipelines.all_pipelines(platform)``: four ``@dsl.pipeline`` graphs, ~0.35 s), compiles the
    ones it needs, reads each compiled file back to count its bytes (``spec_bytes``: PyYAML's Python
    constructor, ~0.2 s a pipeline) and finishes each compile (``ctloop.compiler._finished``: quoting
    and re-emitting the YAML, ~0.9 s with an image; its own cache keeps 16). tests/ops/test_platform.py
    applies ~50 times with a handful of specs. Each is a function of its arguments only (the builders
    read no environment; ``spec_bytes`` reads only the file), so:

    - ``all_pipelines(platform)`` is keyed by the platform's class and every field's value, in order
      (``dataclasses.asdict``; ``platform=None`` is kfp's module-level pipelines already), and kfp's
      execution-caching default (the one environment variable kfp 2.17.0 reads to build a pipeline:
      ``KFP_DISABLE_EXECUTION_CACHING_BY_DEFAULT``, read when kfp is imported; ctloop's builders and
      ``ctloop.ops.settings`` read none);
    - ``spec_bytes(package)`` by the package's bytes;
    - ``_finished(text, image, pvc_mounts)`` by its three arguments (kfp's text, so the platform too).

    Everything else of an apply (kfp's compile, staging and moving the file, every request to the KFP
    double) still runs each time. Opt-in per module (``pytest.mark.usefixtures("pipelines_memo")``; tests/ops
    has the fixture from its conftest, a module elsewhere imports it from here), installed for that module
    only: tests/ops/test_settings.py builds pipelines through a patched
    ``apply_step_settings`` and must not get remembered ones."""

    def __init__(self) -> None:
        self.pipelines: dict[tuple, dict] = {}
        self.sizes: dict[bytes, int] = {}
        self.texts: dict[tuple, str] = {}
        self.hits = 0

    def all_pipelines(self, original):
        import dataclasses

        def remembered(platform=None):
            if platform is None:
                return original(platform)
            from kfp.dsl.pipeline_context import Pipeline

            # the one environment kfp's pipeline building reads: KFP_DISABLE_EXECUTION_CACHING_BY_DEFAULT,
            # read into this class attribute when kfp is imported (kfp 2.17.0 dsl/pipeline_context.py)
            key = (type(platform).__module__, type(platform).__qualname__, repr(dataclasses.asdict(platform)),
                   Pipeline.get_execution_caching_default())
            if key not in self.pipelines:
                self.pipelines[key] = original(platform)
            else:
                self.hits += 1
            return dict(self.pipelines[key])

        return remembered

    def spec_bytes(self, original):
        from pathlib import Path

        def remembered(package):
            data = Path(package).read_bytes()
            if data not in self.sizes:
                self.sizes[data] = original(package)
            else:
                self.hits += 1
            return self.sizes[data]

        return remembered

    def finished(self, original):
        def remembered(text, image, pvc_mounts):
            key = (text, image, tuple(tuple(m) for m in pvc_mounts))
            if key not in self.texts:
                self.texts[key] = original(text, image, pvc_mounts)
            else:
                self.hits += 1
            return self.texts[key]

        return remembered


STORE = PipelinesMemo()  # one per test process (an xdist worker)


@pytest.fixture(scope="module")
def pipelines_memo():
    """:class:`PipelinesMemo` in place for the tests of the module that asks for it, removed after."""
    import ctloop.cli.ops
    import ctloop.compiler
    import ctloop.pipelines

    memo = STORE
    saved = (ctloop.pipelines.all_pipelines, ctloop.cli.ops.spec_bytes, ctloop.compiler._finished)
    ctloop.pipelines.all_pipelines = memo.all_pipelines(saved[0])
    ctloop.cli.ops.spec_bytes = memo.spec_bytes(saved[1])
    ctloop.compiler._finished = memo.finished(saved[2])
    try:
        yield memo
    finally:
        ctloop.pipelines.all_pipelines, ctloop.cli.ops.spec_bytes, ctloop.compiler._finished = saved
