"""``platform.image`` is checked only where it is the image used (``ctloop.image.resolve_image``:
neither ``--image`` nor ``CTLOOP_IMAGE`` given); blank is "not given". Round 45 checked it where
ctloop.yaml is validated, so a file whose image ``--image``/``CTLOOP_IMAGE`` overrides, or that
``run --local --config`` and ``doctor -f`` read (they never use the image), was refused (exit 2)
where it had worked."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ctloop.cli import main
from ctloop.errors import ConfigError
from ctloop.image import IMAGE_ENV, resolve_image
from ctloop.ops.spec import load_spec

PINNED = "registry.example.com/ml/ctloop:build-7"  # a tag naming no release (fix45i judges those)


def _spec_file(tmp_path: Path, image: str) -> Path:
    path = tmp_path / "ctloop.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "ctloop.dev/v1alpha2",
                "kind": "ContinuousTraining",
                "platform": {"image": image},
                "models": [
                    {
                        "name": "credit",
                        "data": {
                            "uri": str(tmp_path / "x.parquet"),
                            "target": "y",
                            "time_column": "t",
                        },
                        "gate": {"thresholds": {"roc_auc": 0.7}},
                    }
                ],
            }
        )
    )
    return path


@pytest.mark.parametrize(
    "image",
    ["registry.example.com/ml/ctloop", "ctloop:latest", "   "],
    ids=["no-tag", "latest", "blank"],
)
def test_an_overridden_or_blank_image_does_not_refuse_the_file(image, tmp_path, monkeypatch):
    monkeypatch.setenv(IMAGE_ENV, PINNED)
    spec = load_spec(str(_spec_file(tmp_path, image)))
    assert resolve_image(None, spec.platform.image or None, purpose="apply") == PINNED
    monkeypatch.delenv(IMAGE_ENV)
    assert resolve_image(PINNED, spec.platform.image or None, purpose="apply") == PINNED


def test_apply_dry_run_uses_the_environment_image(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(IMAGE_ENV, PINNED)
    path = _spec_file(tmp_path, "registry.example.com/ml/ctloop")
    main(["apply", "-f", str(path), "--dry-run"])  # then stops at "no KFP host": none here
    out = capsys.readouterr()
    assert "valid (1 model(s))" in out.out, out.err
    assert "platform.image" not in out.err, out.err


def test_the_image_used_is_still_checked(tmp_path, monkeypatch):
    monkeypatch.delenv(IMAGE_ENV, raising=False)
    spec = load_spec(str(_spec_file(tmp_path, "registry.example.com/ml/ctloop")))
    with pytest.raises(
        ConfigError, match=r"platform\.image in ctloop\.yaml 'registry\.example\.com/ml/ctloop'"
    ):
        resolve_image(None, spec.platform.image or None, purpose="apply")
