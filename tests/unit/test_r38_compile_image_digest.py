"""--image / CTLOOP_IMAGE / platform.image with a digest the kubelet cannot parse.

The kubelet parses an image with distribution/reference (``Parse``: a digest part goes through
``digest.Parse``), and opencontainers/go-digest v1.0.0 (``digest.go`` Validate, ``algorithm.go``)
takes only the algorithms sha256, sha384, sha512, each with exactly 64, 96, 128 lower-case hex
digits. ctloop checked the digest against the grammar only (``algorithm:hex{32,}``), so a digest cut
short (40 digits pasted from a git commit), in upper case or with another algorithm compiled and every
task of every run failed with InvalidImageName.
"""

from __future__ import annotations

import pytest

from ctloop.cli import main
from ctloop.compiler import compile_all
from ctloop.errors import ConfigError

REPO = "registry.example.com/ml/ctloop"


@pytest.mark.parametrize("digest", ["sha256:" + "b" * 40, "sha256:" + "A" * 64, "md5:" + "a" * 32,
                                    "sha512:" + "a" * 64, "sha384:" + "a" * 128])
def test_a_digest_the_kubelet_refuses_is_refused(tmp_path, digest):
    with pytest.raises(ConfigError, match="digest") as refused:
        compile_all(tmp_path, image=f"{REPO}@{digest}")
    assert digest in str(refused.value) and "\n" not in str(refused.value)
    assert not list(tmp_path.glob("*.yaml"))


def test_the_cli_says_it_in_one_line(tmp_path, capsys):
    assert main(["compile", "--output-dir", str(tmp_path), "--image", f"{REPO}@sha256:{'b' * 40}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "sha256" in err, err


@pytest.mark.parametrize("digest", ["sha256:" + "a" * 64, "sha384:" + "0" * 96, "sha512:" + "f" * 128])
def test_valid_digests_still_compile(tmp_path, digest):
    image = f"{REPO}:0.1.0@{digest}"
    paths = compile_all(tmp_path, image=image)
    assert all(image in p.read_text() for p in paths)
