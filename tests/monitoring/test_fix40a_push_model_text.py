"""A model name that is no UTF-8 text (a lone surrogate, as ``os.fsdecode`` or a
surrogateescape read gives for bytes that are not UTF-8) is a ConfigError naming ``model``, from
push_window and from publish.check before the window is judged (review revA, fix40 item 4).

Before: ``group_url`` base64-encoded ``model.encode()`` and raised UnicodeEncodeError, a
traceback instead of the one line 398f896 promises ("Bad input raises ConfigError")."""

from __future__ import annotations

import base64

import pytest

from ctloop.errors import ConfigError
from ctloop.monitoring import publish
from ctloop.monitoring.prometheus import group_url, push_window
from tests.monitoring.test_monitoring_metrics import window

GATEWAY = "http://127.0.0.1:9"  # nothing listens: a push that got that far is a warning
BAD = ["m\ud800", "credit\udcff", "\udc80"]


def _one_line_naming_model(err) -> None:
    text = str(err.value)
    assert text.startswith("model ") and "\n" not in text, text


@pytest.mark.parametrize("model", BAD)
def test_push_window_refuses_a_model_that_is_no_text(model):
    with pytest.raises(ConfigError) as err:
        push_window(GATEWAY, model=model, window=window(0))
    _one_line_naming_model(err)


@pytest.mark.parametrize("model", BAD)
def test_publish_check_refuses_it_before_the_window_is_judged(model):
    with pytest.raises(ConfigError) as err:
        publish.check(GATEWAY, model)
    _one_line_naming_model(err)


def test_any_text_is_a_model_group():
    model = "modèle/信用 @ 1"
    url = group_url(GATEWAY, model)
    assert base64.urlsafe_b64decode(url.rsplit("/", 1)[1]).decode() == model
    publish.check(GATEWAY, model)
    assert push_window(GATEWAY, model=model, window=window(0)) is not None  # a warning: nothing listens
