"""Review of r61-speed: the MLflow stores a test process registers once to copy from
(registry_support's templates, monitor_support's champions) were ``tempfile.mkdtemp`` directories,
wherever the test's ``TMPDIR`` pointed: now under the process's pytest base temp
(``<basetemp>/templates``), so a worker that dies before its session's end leaves them where
pytest's pruning of old base temps removes them. Their removal at the session's end:
test_fix45s_registry_template.py."""

from __future__ import annotations

import tempfile

import pytest

from tests import conftest
from tests.integration import monitor_support, registry_support


class Stop(Exception):
    pass


def test_the_template_stores_are_made_under_pytest_base_temp(tmp_path_factory, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # a test's own temporary directory: not followed
    made = []
    real = conftest.template_store_dir

    def recording(prefix):
        made.append(real(prefix))
        raise Stop  # before any registration: only where the store goes is looked at

    monkeypatch.setattr(conftest, "template_store_dir", recording)
    with pytest.raises(Stop):
        registry_support._copied_from_template(f"sqlite:///{tmp_path / 'a' / 'mlflow.db'}", "fresh",
                                               registry_support.small_frame(), (0,))
    with pytest.raises(Stop):
        monitor_support.register_champion(f"sqlite:///{tmp_path / 'b' / 'mlflow.db'}", n_rows=123)
    base = tmp_path_factory.getbasetemp() / "templates"
    assert [(p.parent, p.name[:9]) for p in made] == [(base, "registere"), (base, "champion-")]
    assert all(p.is_dir() for p in made) and set(made) <= set(conftest.TEMPLATE_STORES)  # removed at the end
