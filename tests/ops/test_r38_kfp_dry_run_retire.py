"""``ctloop apply --dry-run`` said an old schedule was "disabled and deleted" although it wrote nothing.

The plan of a changed model (``would-replace``) listed the schedule it would retire with the line of
a real apply, ``old schedule recurring-8: disabled and deleted (after the new one was created)``: a
reader of the plan (a CI job's review step) read a deletion that never happened. The plan now says
``would be``. The KFP API double (kubeflow/pipelines 2.17.0 answers) serves the real ``kfp.Client``.
"""

from __future__ import annotations

import pytest
import yaml

from ctloop.cli.ops import apply_spec
from ctloop.ops.platform import Platform
from ctloop.ops.spec import load_spec, parse_spec
from tests.doubles.kfp_cli import kfp_for_cli
from tests.helpers import REPO

pytestmark = [
    pytest.mark.filterwarnings("ignore:This client only works:FutureWarning"),
    pytest.mark.usefixtures("pipelines_memo"),  # pipelines built, measured, finished once per input (tests/ops/conftest.py)
]
EXAMPLE = REPO / "examples" / "ctloop.yaml"


def test_the_dry_run_plan_says_what_it_would_retire(monkeypatch, tmp_path):
    with kfp_for_cli(monkeypatch, tmp_path) as kfp:
        factory = lambda _: Platform(host=kfp.url)  # noqa: E731
        apply_spec(load_spec(EXAMPLE), platform_factory=factory, image=None, dry_run=False, out=lambda *_: None)
        (old,) = [rid for rid, r in kfp.state.recurring.items() if r["display_name"] == "ct-credit-default"]
        data = yaml.safe_load(EXAMPLE.read_text())
        data["models"][0]["schedule"]["cron"] = "0 0 5 * * *"
        lines: list[str] = []
        writes = len(kfp.writes())
        apply_spec(parse_spec(data), platform_factory=factory, image=None, dry_run=True, out=lines.append)
        assert len(kfp.writes()) == writes
        (said,) = [x for x in lines if old in x]
        assert "would be disabled and deleted" in said and "was created" not in said, said
