"""ctloop-model.json of a model directory (a KFP Model artifact, a KServe storageUri) overwritten or
cut short after training: load_model_meta (the train and register components), load_model (the
evaluate component) and load_serving_dir (the serving runtime) read it with json.loads and let a
UnicodeDecodeError / JSONDecodeError / AttributeError out as a traceback. Each is one line naming
the file."""

from __future__ import annotations

import pytest
from sklearn.linear_model import LogisticRegression

from ctloop import artifacts
from ctloop.errors import CtloopError
from tests.integration.registry_support import small_frame


@pytest.fixture
def model_dir(tmp_path):
    frame = small_frame(0, rows=60)
    model = LogisticRegression().fit(frame[["a", "b"]], frame.y)
    path = tmp_path / "model"
    artifacts.save_model(str(path), model, {"features": ["a", "b"], "task": "classification"})
    return path


GARBLED = {"binary": b"\x89PNG\r\n\x1a\n\xff\xfe", "cut short": b'{"features": ["a", "b"], "skops_sha2',
           "a list": b'["a", "b"]', "a number": b"3"}


@pytest.mark.parametrize("content", GARBLED.values(), ids=GARBLED.keys())
def test_a_garbled_model_meta_is_one_line_naming_it(model_dir, content):
    meta = model_dir / artifacts.MODEL_META_FILE
    skops_sha = artifacts.sha256_file(model_dir / artifacts.SKOPS_FILE)
    meta.write_bytes(content)
    for call in (lambda: artifacts.load_model_meta(str(model_dir)),
                 lambda: artifacts.load_model(str(model_dir), sha256=skops_sha),
                 lambda: artifacts.load_serving_dir(model_dir, skops_sha, recorded_in="the test")):
        with pytest.raises(CtloopError) as err:
            call()
        message = str(err.value)
        assert "\n" not in message and artifacts.MODEL_META_FILE in message, message


def test_an_intact_model_meta_still_loads(model_dir):
    skops_sha = artifacts.sha256_file(model_dir / artifacts.SKOPS_FILE)
    assert artifacts.load_model_meta(str(model_dir))["features"] == ["a", "b"]
    model, path = artifacts.load_serving_dir(model_dir, skops_sha, recorded_in="the test")
    assert path.name == artifacts.SKOPS_FILE and hasattr(model, "predict")


@pytest.mark.parametrize("value", [5, True, "mypkg.models.MyClassifier", {"mypkg.models.MyClassifier": 1}])
def test_declared_trusted_types_that_are_no_list_are_one_line(model_dir, value):
    """ctloop-model.json's (or run tag ctloop.trusted_types') ``trusted_types`` is a list of type
    names; a number was a TypeError traceback ('int' object is not iterable), and a string was read
    letter by letter ("'m' is not a type name")."""
    import json

    from ctloop.errors import ModelIntegrityError

    with pytest.raises(ModelIntegrityError) as err:
        artifacts.declared_types({"trusted_types": value})
    assert "not a list" in str(err.value) and "\n" not in str(err.value)
    meta = model_dir / artifacts.MODEL_META_FILE
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "trusted_types": value}))
    with pytest.raises(ModelIntegrityError, match="not a list"):
        artifacts.load_serving_dir(model_dir, artifacts.sha256_file(model_dir / artifacts.SKOPS_FILE),
                                   recorded_in="the test")
