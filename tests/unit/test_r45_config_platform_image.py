"""``platform.image``: checked where it is the image used (fix45h: not while --image or CTLOOP_IMAGE
overrides it), and documented with its real precedence (``--image``, then ``CTLOOP_IMAGE``, win over it:
``ctloop.image.resolve_image``). It was documented as "empty = CTLOOP_IMAGE" (the environment read
only without it: the reverse of the code), and ``image: ctloop`` or ``image: repo/ctloop:latest``
passed ``apply --dry-run`` whenever CTLOOP_IMAGE was set (the spec's own value was never read,
which is right: it was not used)."""

from __future__ import annotations

import pytest

from ctloop.config import PlatformConfig, render_docs
from ctloop.errors import ConfigError
from ctloop.image import resolve_image
from ctloop.ops.spec import parse_spec


def _spec(image: str) -> dict:
    return {
        "apiVersion": "ctloop.dev/v1alpha2",
        "kind": "ContinuousTraining",
        "platform": {"image": image},
        "models": [
            {
                "name": "credit",
                "data": {"uri": "/tmp/x.parquet", "target": "y", "time_column": "t"},
                "gate": {"thresholds": {"roc_auc": 0.7}},
            }
        ],
    }


@pytest.mark.parametrize(
    ("image", "said"),
    [
        ("ctloop", "not a full image reference"),
        ("registry.example.com/ml/ctloop", "not a full image reference"),
        ("registry.example.com/ml/ctloop:latest", "'latest'"),
        ("registry.example.com/ml/ctloop:0.1 --privileged", "not a full image reference"),
    ],
    ids=["bare", "no-tag", "latest", "blank"],
)
def test_an_unpinned_image_is_refused_where_it_is_used(image, said, monkeypatch):
    # fix45h: checked by resolve_image when it is the one used, not while an override wins over it
    monkeypatch.delenv("CTLOOP_IMAGE", raising=False)
    spec = parse_spec(_spec(image), "ctloop.yaml")
    with pytest.raises(ConfigError) as exc:
        resolve_image(None, spec.platform.image or None, purpose="apply")
    line = str(exc.value)
    assert "platform.image" in line and said in line, line


@pytest.mark.parametrize(
    "image",
    [
        "",
        "registry.example.com/ml/ctloop:0.1.0",
        "registry.example.com:5000/ml/ctloop@sha256:" + "a" * 64,
    ],
)
def test_pinned_images_and_empty_pass(image):
    assert PlatformConfig.from_dict({"image": image}).image == image


def test_the_reference_states_the_precedence_of_the_code():
    line = next(row for row in render_docs().splitlines() if row.startswith("| `image` |"))
    assert "--image and then CTLOOP_IMAGE win over it" in line, line
    assert "empty = CTLOOP_IMAGE" not in line
