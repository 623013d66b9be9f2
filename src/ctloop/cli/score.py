"""``ctloop score``: score a table with a registered model's ``champion`` (or another alias), in
chunks of bounded memory, as the ``batch-scoring`` pipeline does (docs/batch-scoring.md).

    ctloop score --model-name credit-default --data data/applications.parquet --output out/scores

Progress goes to stderr (rows so far, rows/s); the summary to stdout.
"""

from __future__ import annotations

import argparse
import sys

EXAMPLES = """examples:
  ctloop score --model-name credit-default --data data/applications.parquet --output out/scores
  ctloop score --model-name credit-default --data 's3://bucket/applications/*.parquet' --output s3://bucket/scores \\
      --id-column application_id --log-root s3://bucket/inference-log --batch-rows 50000
"""
PROGRESS_EVERY_S = 2.0


def _score(args: argparse.Namespace) -> int:
    from ctloop.components.score.core import score_batch
    from ctloop.config import ScoringConfig, from_arguments
    from ctloop.scoring import every, new_run_id

    scoring = from_arguments(ScoringConfig, args)
    progress = None if args.quiet else every(PROGRESS_EVERY_S, lambda line: print(line, file=sys.stderr, flush=True))
    result = score_batch(args.model_name, scoring, run_id=args.run_id or new_run_id(),
                         tracking_uri=args.tracking_uri or "", progress=progress,
                         parameter="--tracking-uri")
    print(result.summary())
    print(f"wrote {len(result.files)} file(s) to {scoring.output.rstrip('/')}/ (part-{result.run_id}-*.parquet)")
    if result.log_files:
        print(f"logged {result.logged_rows:,} rows under {scoring.log_root.rstrip('/')}/model={result.model_name}/")
    return 0


def run_id(text: str) -> str:
    """An argparse ``type``: a run id as ``ctloop.scoring`` takes it (it names the output files), or
    ``""`` (a new one): ``--run-id ../x`` is refused naming the flag, before anything is opened."""
    from ctloop.scoring import RUN_ID

    if text and not RUN_ID.match(text):
        from ctloop.cli.argtypes import _shown

        raise argparse.ArgumentTypeError(f"must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or "
                                         f"digit, got {_shown(text)}")
    return text


def register(subparsers) -> None:
    from ctloop.cli.argtypes import (
        location,
        optional_location,
        output_location,
        registered_model,
        section_field,
        tracking_uri,
    )
    from ctloop.config import ScoringConfig, add_arguments

    p = subparsers.add_parser(
        "score", help="score a table with a registered model's champion, in chunks (batch scoring)",
        description="Score a table with the version behind a registry alias (default champion), verified against "
        "its recorded sha256, in chunks of --batch-rows rows; predictions go to --output with the model version "
        "and a run id, and with --log-root into the inference log (monitoring and late labels).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-name", required=True, type=registered_model(kubernetes=True),
                   help="registered model name (lower-case letters, digits and '-', as the pipelines name it)")
    add_arguments(p, ScoringConfig, arg_types={"data": location, "output": output_location, "log_root": optional_location,
                                               "alias": section_field(ScoringConfig, "alias")})
    p.add_argument("--tracking-uri", type=tracking_uri, help="MLflow tracking URI (default: MLFLOW_TRACKING_URI)")
    p.add_argument("--run-id", default="", type=run_id, help="run id written with every prediction and in the file names "
                   "(default: score-<UTC time>-<hex>)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.set_defaults(handler=_score)
