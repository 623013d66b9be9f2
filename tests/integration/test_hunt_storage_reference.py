"""MlflowRegistry.load_reference (the drift baseline, ctloop.monitoring.champion) when the
version's reference sample in the artifact store was overwritten or cut short after training:
one line naming it, like load_meta for the model meta."""

from __future__ import annotations

import uuid

import pytest

from ctloop.registry import MlflowRegistry
from tests.integration.registry_support import log_small_model

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("content", [b"", b"PAR1 not really parquet", b"\x00\xff" * 64])
def test_a_reference_sample_overwritten_or_cut_short_is_one_line(mlflow_url, content):
    """load_meta names a garbled meta artifact; load_reference (the drift baseline) let pyarrow's
    ArrowInvalid out as a traceback for the same damage to reference/reference.parquet."""
    from urllib.parse import unquote, urlparse

    from ctloop.errors import ModelIntegrityError, RegistryError
    from ctloop.tracking import REFERENCE_ARTIFACT_DIR, REFERENCE_FILE

    reg, name = MlflowRegistry(mlflow_url), f"hunt-ref-{uuid.uuid4().hex[:8]}"
    _, run_id, uri, _ = log_small_model(mlflow_url, name)
    reg.register(name, model_uri=uri, run_id=run_id, tags={})
    root = unquote(urlparse(reg.client.get_run(run_id).info.artifact_uri).path)
    target = f"{root}/{REFERENCE_ARTIFACT_DIR}/{REFERENCE_FILE}"
    with open(target, "wb") as fh:
        fh.write(content)
    with pytest.raises((RegistryError, ModelIntegrityError)) as err:
        reg.load_reference(name, "1")
    assert "\n" not in str(err.value) and REFERENCE_FILE in str(err.value)


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\xff\xfe", b"- a list\n- not a mapping\n", b"flavors: [1, 2]\n"])
def test_a_logged_model_whose_mlmodel_file_is_garbled_is_one_line(mlflow_url, content):
    """load_logged_model reads the logged model's MLmodel (YAML): binary bytes were a
    UnicodeDecodeError traceback, a YAML list or a list of flavors an AttributeError one."""
    from urllib.parse import unquote, urlparse

    from ctloop.errors import ModelIntegrityError, RegistryError

    reg, name = MlflowRegistry(mlflow_url), f"hunt-mlmodel-{uuid.uuid4().hex[:8]}"
    _, run_id, uri, _ = log_small_model(mlflow_url, name)
    reg.register(name, model_uri=uri, run_id=run_id, tags={})
    model_id = reg.client.get_model_version(name, "1").source.removeprefix("models:/")
    logged = unquote(urlparse(reg.client.get_logged_model(model_id).artifact_location).path)
    with open(f"{logged}/MLmodel", "wb") as fh:
        fh.write(content)
    with pytest.raises((RegistryError, ModelIntegrityError)) as err:
        reg.load_logged_model(name, "1")
    assert "\n" not in str(err.value) and "MLmodel" in str(err.value)
