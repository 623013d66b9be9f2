"""Every ``--param``/``--params`` example in ``ctloop schedule --help`` and ``ctloop trigger --help``
is accepted as it is written (``ctloop.ops.params.pipeline_arguments``, required parameters
included): ``--param window=90D`` (a ``data`` field), ``--param log_root=...`` (a ``monitoring``
field) and examples without ``data``'s required fields were each refused when copied.
"""

from __future__ import annotations

import json
import shlex

import pytest

from ctloop.cli.ops import SCHEDULE_EXAMPLES, TRIGGER_EXAMPLES
from ctloop.ops.params import parse_pairs, pipeline_arguments
from ctloop.pipelines import all_pipelines

LINES = [line for block in (SCHEDULE_EXAMPLES, TRIGGER_EXAMPLES)
         for line in block.split("\n", 1)[1].replace("\\\n", " ").splitlines() if line.strip()]


def test_the_examples_are_commands():
    assert len(LINES) == 7 and all(line.strip().startswith(("ctloop schedule", "ctloop trigger")) for line in LINES)


@pytest.mark.parametrize("line", LINES)
def test_each_example_is_accepted(line):
    argv = shlex.split(line, comments=True)
    pairs = [argv[i + 1] for i, a in enumerate(argv) if a == "--param"]
    given = json.loads(argv[argv.index("--params") + 1]) if "--params" in argv else {}
    pipeline = argv[argv.index("--pipeline") + 1] if "--pipeline" in argv else "continuous-training"
    pipeline_arguments(all_pipelines()[pipeline], {**given, **parse_pairs(pairs)})
