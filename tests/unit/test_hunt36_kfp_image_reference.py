"""An image that no kubelet can pull is refused when compiling, not by every task at night.

``--image``/``CTLOOP_IMAGE``/``platform.image`` was checked for a tag or digest only:
``registry.example.com/ML/ctloop:0.1.0`` (upper case in the repository path) or ``ctloop:0.1.0+local``
(``+`` in a tag) was compiled into every executor and uploaded; the kubelet parses image names with
distribution/reference (``regexp.go``, v0.6.0: path components ``[a-z0-9]+`` joined by ``.``, ``_``,
``__`` or dashes; tags ``[\\w][\\w.-]{0,127}``; digests ``algorithm:hex{32,}``; names at most 255
characters, ``reference.go`` ``NameTotalLengthMax``) and fails each task pod with InvalidImageName.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.compiler import compile_pipeline
from ctloop.errors import ConfigError
from ctloop.pipelines import all_pipelines

DIGEST = "sha256:" + "0123456789abcdef" * 4
BAD = ["registry.example.com/ML/ctloop:0.1.0", "ghcr.io/MyOrg/ctloop:1.0", "registry.example.com/ml/ctloop:0.1.0+local",
       "registry.example.com/ml//ctloop:0.1.0", "registry.example.com/ml/ctloop-:0.1.0",
       "registry.example.com/ml/ctloop:" + "1" * 129, "registry.example.com/ml/ctloop@sha256:abc",
       "registry.example.com/ml/ctloop:.1", "r.example.com/" + "a" * 250 + ":1",
       # Docker Hub paths (no '.', ':' or localhost in the first component): ParseNormalizedNamed
       # refuses upper case there (distribution/reference normalize.go, ErrNameNotCanonical path)
       "Ml/ctloop:0.1.0", "Team/ctloop:1", "Ctloop:1"]
GOOD = ["registry.example.com/ml/ctloop:0.1.0", "Registry.Example.com:5000/ml/ctloop:v0.1.0-rc.1",
        "localhost:5000/ctloop:0.1.0", "ctloop:0.1.0", "registry.example.com/ml/ctloop@" + DIGEST,
        "registry.example.com/ml/ctloop:0.1.0@" + DIGEST, "[fd00::1]:5000/ml/ct__loop:1", "a.b/c.d/e-f--g:1_x",
        "team/ctloop:1", "Localhost:5000/x:1"]


@pytest.fixture(scope="module")
def pipeline():
    return all_pipelines()["batch-scoring"]


@pytest.mark.parametrize("image", BAD)
def test_an_image_kubelet_cannot_parse_is_refused(pipeline, tmp_path, image):
    with pytest.raises(ConfigError, match="InvalidImageName"):
        compile_pipeline(pipeline, tmp_path / "p.yaml", image=image)
    assert not (tmp_path / "p.yaml").exists()  # refused before compiling


@pytest.mark.parametrize("image", GOOD)
def test_a_valid_image_reference_compiles(pipeline, tmp_path, image):
    path = compile_pipeline(pipeline, tmp_path / "p.yaml", image=image)
    assert image in path.read_text()


def test_compile_says_it_in_one_line(tmp_path, capsys):
    assert main(["compile", "--output-dir", str(tmp_path / "out"), "--image", BAD[0]]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and "InvalidImageName" in err, err
