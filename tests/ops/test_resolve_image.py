"""ctloop.image.resolve_image: --image, then CTLOOP_IMAGE, then platform.image; the placeholder is
refused where a cluster would have to pull it."""

import pytest

from ctloop.errors import ConfigError
from ctloop.image import DEFAULT_IMAGE, resolve_image

FLAG, ENV, SPEC = (f"registry.example.com/ml/ctloop:{x}" for x in ("flag", "env", "spec"))


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv("CTLOOP_IMAGE", raising=False)


def test_precedence(monkeypatch):
    assert resolve_image(FLAG, SPEC, purpose="apply") == FLAG
    assert resolve_image("", SPEC, purpose="apply") == SPEC
    monkeypatch.setenv("CTLOOP_IMAGE", ENV)  # read when called, not at import
    assert resolve_image(None, SPEC, purpose="apply") == ENV
    assert resolve_image(FLAG, SPEC, purpose="apply") == FLAG
    monkeypatch.setenv("CTLOOP_IMAGE", "  ")
    assert resolve_image(None, SPEC, purpose="apply") == SPEC


@pytest.mark.parametrize("purpose", ["upload", "schedule", "apply"])
def test_cluster_commands_refuse_the_placeholder(purpose, monkeypatch):
    with pytest.raises(
        ConfigError,
        match=rf"^{purpose}: .*{DEFAULT_IMAGE}.*not published.*"
        r"make image push IMAGE=.*--image, CTLOOP_IMAGE=\.\.\. or platform\.image",
    ):
        resolve_image(None, None, purpose=purpose)
    monkeypatch.setenv("CTLOOP_IMAGE", DEFAULT_IMAGE)  # given explicitly: still unpullable
    with pytest.raises(ConfigError, match="placeholder"):
        resolve_image(None, None, purpose=purpose)


@pytest.mark.parametrize("purpose", ["compile", "trigger", "local"])
def test_other_purposes_accept_the_placeholder(purpose):
    assert resolve_image(None, None, purpose=purpose) == DEFAULT_IMAGE


@pytest.mark.parametrize(
    ("flag", "spec", "env", "source"),
    [
        ("ctloop", None, "", "--image"),
        (None, None, "registry.example.com/ml/ctloop:latest", "CTLOOP_IMAGE"),
        (None, "registry.example.com/ml/ctloop", "", "platform.image in ctloop.yaml"),
        ("registry.example.com/ml/ct loop:1", None, "", "--image"),
    ],
)
def test_bad_references_name_their_source(flag, spec, env, source, monkeypatch):
    if env:
        monkeypatch.setenv("CTLOOP_IMAGE", env)
    with pytest.raises(ConfigError, match=rf"^{source} '"):
        resolve_image(flag, spec, purpose="compile")


def test_digests_and_ports_are_references():
    digest = "registry.example.com:5000/ml/ctloop@sha256:" + "a" * 64
    assert resolve_image(digest, None, purpose="upload") == digest
    with pytest.raises(ConfigError, match="tag or digest"):
        resolve_image("registry.example.com:5000/ml/ctloop", None, purpose="upload")
