"""A promotion's lock is registered model ``<name>.ctloop-promotion-lock``, created with its owner
and lease tags in one write. A registered model of that name that someone else made (no
``ctloop.lock.owner`` tag) read as a lock whose lease had ended: the next promotion, repair or
registration of ``<name>`` "broke" it, deleting that model and its versions. Now it is left alone and
named in one line."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from ctloop.errors import RegistryError
from ctloop.registry import LOCK_SUFFIX, MlflowRegistry
from tests.helpers import run_main

pytestmark = pytest.mark.slow


def test_a_model_named_like_the_lock_is_not_deleted(mlflow_url, capsys):
    name = f"r39-lock-{uuid.uuid4().hex[:8]}"
    c = MlflowClient(mlflow_url, registry_uri=mlflow_url)  # not the process-wide registry URI an earlier test set
    for model in (name, name + LOCK_SUFFIX):
        c.create_registered_model(model)
        c.create_model_version(model, f"s3://r39/{model}")
    reg = MlflowRegistry(mlflow_url, lock_timeout_s=1)
    with pytest.raises(RegistryError) as info:
        reg.promote(name, "1", reason="first")
    assert "no ctloop lock" in str(info.value) and "\n" not in str(info.value), info.value
    assert [v.version for v in c.search_model_versions(f"name='{name}{LOCK_SUFFIX}'")] == ["1"]
    capsys.readouterr()
    code, out, err = run_main(["registry", "repair", "--model-name", name, "--tracking-uri", mlflow_url,
                               "--break-lock"], capsys, 60)
    assert code == 2 and "no ctloop lock" in err, (code, out, err)
    assert c.get_registered_model(name + LOCK_SUFFIX).name == name + LOCK_SUFFIX
