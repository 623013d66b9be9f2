"""The example ``ctloop.yaml`` and the manifests guide name the image of this ctloop release.

``examples/ctloop.yaml`` pins ``platform.image: registry.example.com/ml/ctloop:0.1.0`` by hand, and
``docs/manifests.md`` names ``?ref=v0.1.0`` and ``ctloop-serving:0.1.0``. Nothing tied them to the
package version: after a version bump, ``ctloop apply -f examples/ctloop.yaml`` refuses the example's
own image (``check_image_version``: its tag names another release, on which every compiled task
would stop), and the guide points at the previous release. The tests that apply the example set
``CTLOOP_IMAGE``, which wins over ``platform.image``, so they never saw it. A literal is kept (a
user copies the file; a template would not be valid YAML to copy): these tests fail when it drifts.
"""

from __future__ import annotations

import re

import yaml

from ctloop._version import __version__
from ctloop.image import check_image_reference, check_image_version
from tests.helpers import REPO

EXAMPLE = REPO / "examples" / "ctloop.yaml"
GUIDE = REPO / "docs" / "manifests.md"
# the quickstarts a user copies the image name from: every IMAGE=/CTLOOP_IMAGE= value in them, the dev-build
# tag `0.1.0-$(git rev-parse --short HEAD)` included (operations.md also shows another release's tag on
# purpose, in a refusal's real output, where no IMAGE= names it)
QUICKSTARTS = (REPO / "README.md", REPO / "docs" / "operations.md")
IMAGE_VALUE = re.compile(r"IMAGE=\S*ctloop:(\d+\.\d+\.\d+)")
VERSIONED = re.compile(
    r"ctloop(?:-serving)?:v?(\d+\.\d+\.\d+[0-9A-Za-z.+-]*)|\?ref=v(\d+\.\d+\.\d+)"
)


def test_the_example_image_is_this_release():
    image = yaml.safe_load(EXAMPLE.read_text())["platform"]["image"]
    source = "platform.image in examples/ctloop.yaml"
    assert check_image_version(check_image_reference(image, source), source) == image
    assert image.rsplit(":", 1)[1] == __version__


def test_every_versioned_reference_names_this_release():
    found = []
    for path in (EXAMPLE, GUIDE):
        for m in VERSIONED.finditer(path.read_text()):
            found.append((path.name, m.group(1) or m.group(2)))
    for path in QUICKSTARTS:
        lines = [(path.name, m.group(1)) for m in IMAGE_VALUE.finditer(path.read_text())]
        assert lines, path  # the quickstart still says it this way
        found += lines
    assert found  # the pattern still matches what the files say
    assert [f for f in found if f[1] != __version__] == []
