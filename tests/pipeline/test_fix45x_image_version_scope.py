"""fix45i's image check judged every dotted-number tag of every repository as a ctloop release:
a date tag (``ctloop:2024.10``), a line tag (``ctloop:0.1``) and a team's own image with ctloop
installed (``credit-scoring:2.3.1``) were refused at compile, upload, schedule and apply, with
the advice to "compile with ctloop 2024.10" (review 3b). Only a ``ctloop`` repository whose tag
names one release (major.minor.patch) is judged now; a pre-release of this package
(``0.2.0rc1``) meets only a tag spelling it, as the task check compares the exact version."""

from __future__ import annotations

import pytest

from ctloop import image as image_module
from ctloop.errors import ConfigError
from ctloop.image import resolve_image


@pytest.mark.parametrize(
    "image",
    [
        "registry.example.com/ml/ctloop:2024.10",
        "registry.example.com/ml/ctloop:0.1",
        "registry.example.com/ml/ctloop:v9.9",
        "registry.example.com/ml/credit-scoring:2.3.1",
        "localhost:5000/team/scorer:9.9.9-gpu",
    ],
    ids=["date", "line", "v-line", "own-image", "own-image-port"],
)
def test_a_tag_that_names_no_one_ctloop_release_is_accepted(image, monkeypatch):
    monkeypatch.delenv("CTLOOP_IMAGE", raising=False)
    assert resolve_image(image, None, purpose="compile") == image


def test_another_release_of_ctloop_is_still_refused_and_the_digest_way_named(monkeypatch):
    monkeypatch.delenv("CTLOOP_IMAGE", raising=False)
    monkeypatch.setattr(image_module, "__version__", "0.1.0")
    with pytest.raises(ConfigError, match="its tag names ctloop 9.9.9.*pinned by its digest"):
        resolve_image("registry.example.com/ml/ctloop:9.9.9", None, purpose="compile")


def test_a_pre_release_of_this_package_meets_only_its_own_tag(monkeypatch):
    """The task check compares the exact version: a 0.2.0rc1 compile on the 0.2.0 image stops."""
    monkeypatch.delenv("CTLOOP_IMAGE", raising=False)
    monkeypatch.setattr(image_module, "__version__", "0.2.0rc1")
    for image in (
        "registry.example.com/ml/ctloop:0.2.0-rc1",
        "registry.example.com/ml/ctloop:v0.2.0rc1",
    ):
        assert resolve_image(image, None, purpose="compile") == image
    with pytest.raises(
        ConfigError, match="its tag names ctloop 0.2.0, but this is ctloop 0.2.0rc1"
    ):
        resolve_image("registry.example.com/ml/ctloop:0.2.0", None, purpose="compile")
