"""The `ctloop schedule` recipes of the docs pass the checks `ctloop schedule` makes before any call.

tests/unit/test_help.py only parses the README's and operations.md's commands; `ctloop schedule`
then checks the cron and the pipeline's parameters (`model_name` and `data` have no default)
before it contacts KFP. docs/operations.md's recipe `ctloop schedule --host ... --cron "0 0 3 * * *"
--param data.window=180D` was refused there (`data.uri`, `data.target`, `data.time_column`,
`model_name` required): a recipe copied from the docs must get past that point.
"""

from __future__ import annotations

import re
import shlex

import pytest

from ctloop.cli import build_parser
from ctloop.cli.ops import _pipeline_func
from ctloop.ops.cron import validate_cron
from ctloop.ops.params import parse_pairs, pipeline_arguments
from tests.helpers import REPO

PAGES = ["README.md", *sorted(p.relative_to(REPO).as_posix() for p in (REPO / "docs").glob("*.md"))]


def _schedule_commands() -> list[tuple[str, str]]:
    """``(page, command)`` for every ``ctloop schedule`` line of a fenced bash block (continuations
    joined, comments dropped; a line using a shell variable is left out: its value is not known)."""
    out = []
    for page in PAGES:
        for block in re.findall(r"```bash\n(.*?)```", (REPO / page).read_text(), re.S):
            for line in re.sub(r"\\\n\s*", " ", block).splitlines():
                for part in line.split("&&"):
                    part = part.split("  #")[0].strip()
                    if part.startswith("ctloop schedule ") and "$" not in part:
                        out.append((page, part))
    return out


COMMANDS = _schedule_commands()


def test_the_docs_have_schedule_recipes():
    assert {page for page, _ in COMMANDS} >= {"docs/operations.md", "docs/monitoring.md", "docs/batch-scoring.md"}


@pytest.mark.parametrize(("page", "command"), COMMANDS, ids=[f"{p}:{i}" for i, (p, _) in enumerate(COMMANDS)])
def test_documented_schedule_passes_the_checks_before_kfp(page, command):
    args = build_parser().parse_args(shlex.split(command)[1:])
    validate_cron(args.cron)
    pipeline_arguments(_pipeline_func(args.pipeline), parse_pairs(args.param))  # ConfigError when refused
