"""What the tests of ctloop's KFP commands share: the KFP API double started for a CLI run in an
isolated environment (no kubeconfig, no KFP_* variables, an image set), the run parameters
``ctloop trigger``/``schedule`` need, and the one-line error they must print."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.doubles.kfp_api import KfpApiDouble

IMAGE = "registry.example.com/ml/ctloop:0.1.0"
TRIGGER_PARAMS = ["--param", "model_name=credit", "--param", "data.uri=gs://bucket/credit.parquet",
                  "--param", "data.target=default", "--param", "data.time_column=application_date"]


@contextmanager
def kfp_for_cli(monkeypatch: Any, tmp_path: Any, **double: Any) -> Iterator[KfpApiDouble]:
    """A :class:`KfpApiDouble` (``double``: its options) for CLI runs in an isolated environment."""
    from tests.ops.test_platform import isolate_kfp_env

    isolate_kfp_env(monkeypatch, tmp_path)
    monkeypatch.setenv("CTLOOP_IMAGE", IMAGE)
    with KfpApiDouble(**double) as running:
        yield running


def one_error_line(capsys: Any) -> str:
    """The command's stderr: exactly one ``error: …`` line, no traceback."""
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]
