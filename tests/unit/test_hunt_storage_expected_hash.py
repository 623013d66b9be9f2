"""The hash a model file is checked against comes from outside the file (a run tag, an
InferenceService annotation, --model_sha256): when that value is no sha256 (a tag edited by hand,
an annotation holding a newline) the refusal quoted it as is, so one error spanned lines and a
5,000-character tag filled the log. It is one line saying the value is no sha256."""

from __future__ import annotations

import pytest

from ctloop import artifacts
from ctloop.errors import ModelIntegrityError


@pytest.mark.parametrize("expected", ["abc\nerror: forged line", "x" * 5000, "sha256:" + "a" * 64])
def test_an_expected_value_that_is_no_sha256_is_one_short_line(tmp_path, expected):
    path = tmp_path / "model.skops"
    path.write_bytes(b"model bytes")
    for call in (lambda: artifacts.read_verified(path, expected, recorded_in="run tag ctloop.skops_sha256"),
                 lambda: artifacts.load_serving_dir(tmp_path, expected, recorded_in="the annotation")):
        with pytest.raises(ModelIntegrityError) as err:
            call()
        message = str(err.value)
        assert "\n" not in message and len(message) < 700 and "not a sha256" in message, message
