"""``ctloop apply`` refused an archived experiment (kubeflow/pipelines 2.17.0 ``resource_manager.go``
``ArchiveExperiment``) only after compiling and uploading the pipelines: with a new image, a new
version of each pipeline was uploaded before the refusal. The experiment is now looked up first."""

from __future__ import annotations

import pytest

from ctloop.cli.ops import apply_spec
from ctloop.errors import ConfigError
from ctloop.ops.platform import Platform
from tests.doubles.kfp_cli import kfp_for_cli
from tests.unit.test_hunt37_kfp_archived_experiment import _archive, _spec

pytestmark = pytest.mark.filterwarnings("ignore:This client only works:FutureWarning")


def _apply(double, spec, image=None):
    return apply_spec(spec, platform_factory=lambda _: Platform(host=double.url), image=image, dry_run=False,
                      out=lambda *_: None)


def test_apply_uploads_nothing_to_an_archived_experiment(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        spec = _spec()
        _apply(kfp, spec)
        (experiment_id,) = kfp.state.experiments
        _archive(kfp, experiment_id)
        writes = len(kfp.writes())
        with pytest.raises(ConfigError, match="is archived"):
            _apply(kfp, spec, image="registry.example.com/ml/ctloop:9.9.9")  # another image: new versions
        assert [(c.method, c.path) for c in kfp.writes()[writes:]] == []
