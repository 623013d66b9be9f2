"""``ctloop run --local``, ``ctloop backtest``, ``ctloop demo``, ``ctloop generate-data``."""

from __future__ import annotations

import argparse
import contextlib
import copy
import functools
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ctloop.errors import ConfigError

# Section fields that name local files or directories: relative to where `ctloop run --local` runs.
# the synthetic dataset is built in memory (peak ~0.55 KiB a row measured at 100k/400k rows: 5M
# rows ~3 GB); far beyond it numpy's ArrayMemoryError (a traceback) rather than a dataset
MAX_SYNTHETIC_ROWS = 5_000_000

LOCAL_PATHS = {"data": ("uri",), "scoring": ("data", "output", "log_root"),
               "monitoring": ("log_root", "labels_root"), "rollout": ("inference_log_root", "labels_root")}


def local_path(text: str, name: str) -> str | None:
    """The path on this machine that ``text`` (a path or a ``file:`` URI) names; None for another
    scheme. A file URI's authority is its host (RFC 8089 section 2): empty or ``localhost`` is this
    machine; any other (``file://build/x``, meant as build/x) is refused, naming ``name`` and
    ``text``, rather than dropped (it named /x)."""
    from urllib.parse import urlsplit

    from ctloop.storage import parse

    if re.match(r"^file:", text, re.IGNORECASE) and (host := urlsplit(text).netloc) and host.lower() != "localhost":
        raise ConfigError(f"{name} {text}: a file URI names a file of this machine as file:///abs/path (or "
                          f"file://localhost/abs/path), and {host!r} is another host, not part of the path; "
                          "give file:///abs/path or a plain path")
    loc = parse(text)
    return loc.key if loc.scheme == "file" else None


def absolute_paths(params: dict, names: dict[str, str] | None = None) -> dict:
    """Make the relative local paths of :data:`LOCAL_PATHS` in the pipeline arguments ``params``
    absolute (in place; a ``file:`` URI becomes its absolute path, one of another host is refused:
    :func:`local_path`; URIs of other schemes stay as they are); returns ``params``. ``names``: what
    the refusal calls ``section.key`` (``{"data.uri": "--data"}``); default ``section.key``."""
    for section, keys in LOCAL_PATHS.items():
        values = params.get(section)
        for key in keys if isinstance(values, dict) else ():
            name = (names or {}).get(f"{section}.{key}", f"{section}.{key}")
            if values.get(key) and (path := local_path(str(values[key]), name)) is not None:  # others: checked
                values[key] = str(Path(path).resolve())
    return params


def _check_data(params: dict, *, flag: str) -> None:
    """Refuse, before the run starts (and writes its outputs), a training table the first step
    could never read: an unknown scheme, a local path that does not exist or is empty, a name
    whose format cannot be told (no ``data.format``), a directory without data files or of files
    whose format cannot be told (``ctloop.storage.directory_table``)."""
    from ctloop.errors import CtloopError, DataSourceError
    from ctloop.storage import directory_parts, directory_table, parse, table_format

    data = params.get("data")
    uri = data.get("uri") if isinstance(data, dict) else None
    if not isinstance(uri, str) or not uri:
        return
    try:
        loc = parse(uri)
        path = Path(loc.key) if loc.scheme == "file" else None
        if path is not None:
            if not path.exists():
                raise ConfigError("no such file or directory")
            if path.is_file() and path.stat().st_size == 0:
                raise ConfigError("the file is empty")
        if path is not None and path.is_dir():  # part files (Spark, Hive, Dask): as the first step lists them
            try:
                directory_table(uri, data.get("format") or None)
            except DataSourceError as exc:
                raise ConfigError(str(exc)) from None
            return
        try:
            kind = table_format(uri, data.get("format") or None)
        except ConfigError as exc:
            if path is None and not data.get("format"):  # an object store's prefix of part files, listed
                try:
                    if directory_parts(uri):
                        return
                except CtloopError:  # unreachable, refused: the name's problem is the one to say
                    raise exc from None
            raise
        if path is not None and path.is_file():
            _check_head(path, kind)
    except ConfigError as exc:
        from ctloop.storage import _without_secrets

        raise ConfigError(f"{flag} {_without_secrets(uri)!r}: {exc}") from None


def _check_head(path: Path, kind: str) -> None:
    """A local file whose first bytes are no ``kind`` table (a binary file named ``.csv``, a
    ``.parquet`` that is not Parquet): refused here, from a few KiB, instead of failing the run's
    first step after it wrote its outputs."""
    from ctloop.storage import GZIP_MAGIC

    with path.open("rb") as fh:
        head = fh.read(4096)
    if head[:2] == GZIP_MAGIC:
        return  # compressed: the reader says what is inside
    if kind == "parquet":
        if head[:4] != b"PAR1":
            raise ConfigError("not a Parquet file (it does not start with PAR1)")
        return
    from ctloop.errors import DataSourceError
    from ctloop.storage import refuse_other_encoding

    try:
        refuse_other_encoding(str(path), head)  # another encoding's byte-order mark, named
    except DataSourceError as exc:
        raise ConfigError(str(exc).removeprefix(f"{path} ").removeprefix(f"{path}: ")) from None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not merely a character cut at the end of the head
            raise ConfigError(f"not a UTF-8 CSV file (byte {head[exc.start]:#04x} at offset {exc.start})") from None
        text = head[:exc.start].decode("utf-8")
    if "\x00" in text:
        raise ConfigError(f"not a text CSV file (a NUL byte at offset {text.index(chr(0))})")


def _run(args: argparse.Namespace) -> int:
    from ctloop.local import run_pipeline_locally, summarize_ct_run, summarize_rollout
    from ctloop.ops.params import parse_pairs, pipeline_arguments
    from ctloop.pipelines import all_pipelines

    if not args.local:
        raise ConfigError(
            "only --local runs are started by `ctloop run`; on a cluster use `ctloop upload` and "
            "`ctloop schedule` (or `ctloop apply -f ctloop.yaml`)"
        )
    from ctloop.config import PlatformConfig

    # no step retries locally: they exist for a cluster's transient failures; here a failed step
    # (a bad input, say) would wait 30 s + 60 s of backoff before the run reports it
    pipelines = all_pipelines(PlatformConfig(retries=0))
    if args.pipeline not in pipelines:
        import difflib

        close = difflib.get_close_matches(args.pipeline, sorted(pipelines), n=1)
        raise ConfigError(f"--pipeline: unknown pipeline {args.pipeline!r}; "
                          + (f"did you mean {close[0]!r}?" if close else f"choose one of {', '.join(sorted(pipelines))}"))
    func = pipelines[args.pipeline]
    values = parse_pairs(args.param)
    if args.data:
        _one_table(args.data, values)
        values["data.uri"] = args.data
    if "tracking_uri" in values:  # the --tracking-uri flag's argparse check, for the same URI given as --param
        _check_tracking_param(values["tracking_uri"])
    workdir = _local_dir(args.workdir).resolve()
    if "tracking_uri" in (func.component_spec.inputs or {}):
        if not args.tracking_uri and "tracking_uri" not in values:
            _check_registry_path(workdir, args.workdir)
        values.setdefault("tracking_uri", args.tracking_uri or f"sqlite:///{workdir / 'mlflow.db'}")
    params = pipeline_arguments(func, values, for_kfp=False)  # nothing stored in KFP's database
    # a file URI of another host refused first (absolute_paths raises; nothing is changed before)
    absolute_paths(copy.deepcopy(params), {"data.uri": "--data" if args.data else "--param data.uri"})
    _check_data(params, flag="--data" if args.data else "--param data.uri")
    absolute_paths(params)  # tasks run in their own working directories
    print(f"running pipeline {args.pipeline} locally (kfp.local, subprocess runner) in {workdir}")
    run = run_pipeline_locally(func, params, workdir=workdir, verbose=args.verbose, warm=not args.cold)
    print(f"\n{args.pipeline}: {'SUCCEEDED' if run.succeeded else 'FAILED'} in {run.seconds:.1f} s")
    if args.pipeline == "continuous-training":
        for line in summarize_ct_run(run):
            print("  " + line)
    elif args.pipeline == "rollout":
        for line in summarize_rollout(run, version=str(params.get("version", "?"))):
            print("  " + line)
    print(f"  outputs   {run.run_dir}\n  full log  {run.log_file}")
    if not run.succeeded:
        print(f"error: {run.error}")
        return failed_run_exit(run.error)
    return 0


def _one_table(data: str, values: dict) -> None:
    """``--data`` is a shortcut for ``--param data.uri``: both given with different tables (or a whole
    ``--param data='{"uri": ...}'``) is refused, naming both — before, ``--data`` won without a word
    over the one written out, and the run trained on a table its user may not have meant."""
    from ctloop.storage import _without_secrets

    section = values.get("data")
    for flag, given in (("--param data.uri", values.get("data.uri")),
                        ("--param data", section.get("uri") if isinstance(section, dict) else None)):
        if given is not None and given != data:
            raise ConfigError(f"--data {_without_secrets(data)!r} and {flag} {_without_secrets(str(given))!r} name "
                              "two training tables; give one of them")


def _check_tracking_param(value: object) -> None:
    """``--param tracking_uri=URI`` by the rule of ``--tracking-uri`` (:func:`ctloop.cli.argtypes.
    tracking_uri`): ``nosuch://x`` ran the pipeline, wrote its outputs and failed its first MLflow
    step with ``UnsupportedModelRegistryStoreURIException``."""
    from ctloop.cli.argtypes import tracking_uri

    if not isinstance(value, str):
        raise ConfigError(f"--param tracking_uri: must be text (a URI or a path), got {value!r}")
    try:
        tracking_uri(value)
    except argparse.ArgumentTypeError as exc:
        raise ConfigError(f"--param tracking_uri: {exc}") from None


def failed_run_exit(error: str) -> int:
    """The exit code of a local run that failed with ``error`` (the exception line that ended its
    first failed task): 2 when a task refused its input or settings with a ctloop error (a
    :class:`ctloop.errors.CtloopError`, wherever its class is defined: ``ctloop.errors.
    DataValidationError: …``, ``ctloop.registry._ForeignLock: …``), as every other command exits
    for one; 1 for anything else (a crash, a killed task)."""
    import importlib

    from ctloop import errors

    named = re.match(r"(ctloop(?:\.\w+)*)\.(\w+):", error)  # the exception that ended the task
    if named is None:
        return 1
    try:
        kind = getattr(importlib.import_module(named[1]), named[2], None)
    except ImportError:
        return 1
    return 2 if isinstance(kind, type) and issubclass(kind, errors.CtloopError) else 1


def _check_registry_path(workdir: Path, given: str, flag: str = "--workdir", hint: str = "") -> None:
    """:func:`ctloop.local.check_registry_path` of the workdir ``flag`` gave as ``given``."""
    from ctloop.local import check_registry_path

    check_registry_path(workdir, f"{flag} {given}", hint or f"choose another {flag}, or give --tracking-uri")


def _local_dir(text: str, flag: str = "--workdir") -> Path:
    """``--workdir`` as a local directory (a ``file://`` URI is its path). An object store is
    refused: the local runner writes its outputs, logs and sqlite registry on this machine (before,
    ``--workdir s3://b/w`` ran in a local directory ``s3:/b/w``)."""
    path = local_path(text, flag)
    if path is None:
        raise ConfigError(f"{flag} {text}: name a local directory; the local runner writes its outputs, logs and "
                          "sqlite registry on this machine")
    return Path(path)


def _backtest_config(args: argparse.Namespace):
    """The replay's settings: a model's sections of ``--config`` (data, training, gate, drift,
    monitoring), else the flags; flags given explicitly override the file. Returns the config, the
    table's URI and its format (the model's ``data.format`` for its own ``data.uri``; empty: from
    the name)."""
    from ctloop.backtest import BACKTEST_GATE, BACKTEST_THRESHOLDS, MIN_LABELS, BacktestConfig
    from ctloop.config import (
        DriftConfig,
        GateConfig,
        MonitoringRules,
        TrainingConfig,
        from_arguments,
    )
    sections: dict = {}
    data_uri, target, time_column, window, holdout, min_labels = (args.data, args.target, args.time_column,
                                                                  args.window, None, MIN_LABELS)
    recency = ""  # data.recency_half_life of --config
    time_format = getattr(args, "data__time_format", None)  # --time-format; None: not given
    rules = MonitoringRules()
    realized_metric = ""  # monitoring.metric of --config (empty: the task's default, as monitor_model resolves it)
    data_format = ""  # data.format of --config: how prepare_data reads a name without .csv/.parquet
    text_columns: tuple[str, ...] = ()  # data.contract's string and category columns (--config)
    if args.model and not args.config:
        raise ConfigError(f"--model {args.model!r} picks a model of --config, and no --config was given: give "
                          "--config ctloop.yaml, or leave --model out")
    if args.config:
        from ctloop.contract import DataContract
        from ctloop.ops.spec import load_spec

        spec = load_spec(args.config)
        names = [m.name for m in spec.models]
        if not args.model:
            raise ConfigError(f"--config {args.config} needs --model NAME, one of {', '.join(names)}")
        model = next((m for m in spec.models if m.name == args.model), None)
        if model is None:
            raise ConfigError(f"--model {args.model!r} is not in {args.config}; models: {', '.join(names)}")
        data = model.section("data")
        sections = {n: model.section(n).to_dict() for n in ("training", "gate", "drift")}
        if not data_uri:
            data_uri, data_format = data.uri, data.format
        target = target or data.target
        time_column, holdout = time_column or data.time_column, data.holdout_fraction
        recency = data.recency_half_life
        text_columns = DataContract.from_dict(data.contract or None).text_columns()  # as prepare_data reads them
        time_format = data.time_format if time_format is None else time_format
        monitoring = model.section("monitoring")
        if monitoring is not None:
            rules, min_labels, window = monitoring.rules, monitoring.min_labels, window or monitoring.window
            realized_metric = monitoring.metric
    if args.min_labels is not None:
        min_labels = args.min_labels
    for name, value in (("--data", data_uri), ("--target", target), ("--time-column", time_column),
                        ("--window", window)):
        if not value:
            raise ConfigError(f"{name} is required (or --config ctloop.yaml --model NAME with that setting)")
    training = from_arguments(TrainingConfig, args, base=sections.get("training"))
    if getattr(args, "gate__thresholds", None) == {}:  # else replaced by the backtest's bar, without a word
        fallback = (sections.get("gate") or {}).get("thresholds") or BACKTEST_THRESHOLDS.get(training.task)
        example = json.dumps(fallback or {"rmse": 10})
        where = ("the model's gate.thresholds in --config" if (sections.get("gate") or {}).get("thresholds")
                 else "the backtest's default, a bar at chance")
        leave = f", or leave --thresholds out ({where})" if fallback else ""  # a regression has no default
        raise ConfigError("--thresholds {}: a gate without thresholds approves no challenger (fail safe), so the "
                          f"replay would promote none: give one, e.g. --thresholds '{example}'{leave}")
    base = sections.get("gate") or {**BACKTEST_GATE, "thresholds": BACKTEST_THRESHOLDS.get(training.task, {})}
    gate = from_arguments(GateConfig, args, base=base)
    _check_gate_metrics(args, training, gate)
    cfg = BacktestConfig(target=target, time_column=time_column, window=window, policy=args.policy or "default",
                         train_window=args.train_window, label_delay=args.label_delay, training=training,
                         gate=gate if gate.thresholds else None,  # validate() says what is missing
                         drift=from_arguments(DriftConfig, args, base=sections.get("drift")), rules=rules,
                         min_labels=min_labels,
                         realized_metric=realized_metric, text_columns=text_columns)
    if holdout is not None:
        cfg.holdout_fraction = holdout
    cfg.recency_half_life = recency or ""
    cfg.time_format = time_format or ""
    return cfg, data_uri, data_format


def _check_gate_metrics(args: argparse.Namespace, training: Any, gate: Any) -> None:
    """The gate's metrics against the task (:func:`ctloop.config.check_metrics`, as
    ``BacktestConfig.validate`` checks them), a problem of a value given by flag said with the flag
    (``--thresholds: gate.thresholds.rmse: ...``), as :func:`ctloop.config.from_arguments` says its own."""
    from ctloop.config import check_metrics
    from ctloop.errors import problem_list

    flags = {f"gate.{name}": flag for name, flag in (("thresholds", "--thresholds"),
                                                      ("primary_metric", "--primary-metric"))
             if hasattr(args, f"gate__{name}")}
    problems = [next((f"{flag}: {line}" for path, flag in flags.items() if line.startswith((f"{path}:", f"{path}."))),
                     line) for line in check_metrics(training, gate)]
    if problems:
        raise problem_list(problems, header=f"{len(problems)} problems:")


def _policy(text: str) -> str:
    """argparse ``type`` of ``--policy``: a policy name (:func:`ctloop.backtest.check_policy`)."""
    from ctloop.backtest import POLICIES, check_policy

    try:
        return check_policy(text)
    except ConfigError:
        raise argparse.ArgumentTypeError(f"must be one of {', '.join(POLICIES)} or every:N (N >= 1), "
                                         f"got {text!r}") from None


def _policies(text: str) -> str:
    """argparse ``type`` of ``--compare``: a comma list of policy names, each once."""
    names = [p.strip() for p in text.split(",")]
    if not any(names):
        raise argparse.ArgumentTypeError(f"name one or more policies, e.g. never,always,every:4,default, got {text!r}")
    empty = [i for i, name in enumerate(names, 1) if not name]
    if empty:  # 'never,,' replayed never alone, as if the item left empty had named nothing
        raise argparse.ArgumentTypeError(f"item {empty[0]} of {len(names)} is empty: name a policy in each item, "
                                         f"e.g. never,always,every:4,default, got {text!r}")
    seen: dict[str, str] = {}  # policy -> the name it was first given as
    for name in names:
        policy = _policy(name)
        if policy in seen:  # every:2,every:02 replayed one schedule twice, shown as two policies
            both = f" ({seen[policy]!r} and {name!r})" if seen[policy] != name else ""
            raise argparse.ArgumentTypeError(f"names {policy} twice{both}: name each policy once, got {text!r}")
        seen[policy] = name
    return ",".join(seen)  # as the replays and the table name them (every:02 is every:2)


def _say(indent: str, message: str) -> None:
    """A progress line of ``ctloop backtest`` (module level: ``--compare``'s processes call it)."""
    print(indent + message, flush=True)


# what astype(str) writes for a gap: a missing label, not a class a CSV lost
GAP_TEXTS = frozenset({"nan", "<na>", "nat"})


def label_words_note(uri: str, data_format: str | None, frame: Any, target: str,
                     task: str = "classification") -> str:
    """Why labels of a CSV read as missing were words, not gaps, or "": ``pandas.read_csv`` reads
    ``'None'``, ``'NA'``, ``'NULL'``, ``'N/A'`` (its ``na_values`` default,
    :func:`ctloop.serving.payload.null_word`) as missing, so a class so named (no object, a region
    code) was left out as "row(s) without a 'target' value" — a whole class dropped, and a message
    the file contradicts. The label column is read again as written (a CSV only, and only when it
    has missing labels, and only for a classification whose other labels are text: a regression's
    ``NA``, ``NULL`` or ``#N/A`` is a missing number, as R's ``write.csv`` and SQL exports write
    it); ``'nan'`` and ``'<NA>'`` (what ``astype(str)`` writes for a gap) are gaps."""
    import io

    import pandas as pd

    from ctloop.serving.payload import null_word
    from ctloop.storage import csv_compression, directory_parts, read_bytes, table_format

    if task == "regression" or target not in frame.columns or not frame[target].isna().any():
        return ""
    # numbers, booleans, dates: the words are gaps; the file is read again (downloaded again) only for text
    if pd.api.types.infer_dtype(frame[target], skipna=True) not in ("string", "mixed", "mixed-integer"):
        return ""
    parts = directory_parts(uri) or [uri]  # a directory of part files: each of them (storage.read_table)
    if table_format(parts[0], data_format or None) == "parquet":
        return ""
    texts = []
    for part in parts:
        raw = read_bytes(part)
        try:
            texts.append(pd.read_csv(io.BytesIO(raw), compression=csv_compression(raw), usecols=[target], dtype=str,
                                     keep_default_na=False)[target])
        except (ValueError, pd.errors.ParserError):  # read_table read it; a second reading that fails says nothing
            return ""
        del raw
    text = pd.concat(texts, ignore_index=True) if len(texts) > 1 else texts[0]
    words = text[text.map(lambda v: null_word(v) and v.strip() != "" and v.strip().lower() not in GAP_TEXTS)]
    if words.empty:
        return ""
    counts = words.str.strip().value_counts()
    named = " or ".join(f"{w!r} ({n:,})" for w, n in counts.head(4).items())
    return (f"column {target!r}: {len(words):,} row(s) hold {named}, words a CSV reads as missing: they are left "
            "out as rows without a label; if they are classes, write them as other text (e.g. 'none') or store "
            "the table as Parquet (a string column keeps them)")


def _unused_time_format(frame: Any, cfg: Any, uri: str, given: str) -> None:
    """Warn when the time format (``--time-format`` or the model's ``data.time_format``) has nothing
    to read: the time column is stored as date-times already (a Parquet timestamp or date), so the format
    was not applied — it was silently ignored, and a user who gave it to fix day-first dates thought
    it had."""
    import pandas as pd

    column = cfg.time_column
    # a Parquet date32 column is object dtype holding datetime.date: to_datetime takes it as it is too
    if cfg.time_format and column in frame.columns and (
            pd.api.types.is_datetime64_any_dtype(frame[column])
            or pd.api.types.infer_dtype(frame[column], skipna=True) in ("date", "datetime", "datetime64")):
        import warnings

        warnings.warn(f"{given} {cfg.time_format!r} is not used: column {column!r} of {uri} holds date-times "
                      "already (a Parquet timestamp or date, not text written in a format); its times are read as stored",
                      UserWarning, stacklevel=2)


def _scored_note(reports: dict) -> list[str]:
    """Of how many windows each policy's mean is, when some window after the initial model was not scored (a
    window of one class, for a ROC AUC): one line when every policy left out the same windows, else one a
    policy. Without it a mean of 1 window of 10 (stop 60's krkp_one_class_days) read as a whole replay's: the
    table printed only the mean, the CSV's ``skipped_windows`` held the count."""
    said = {}
    for policy, r in reports.items():
        served = len(r.served())  # after the initial model's window: not one of "no initial model yet" (review 60 M2)
        if r.skipped and r.mean_metric is not None:  # a mean of n/a says why in its row
            said[policy] = (served - r.skipped, served, r.skipped, r.unscored())
    if not said:
        return []

    def line(scored: int, served: int, skipped: int, why: str) -> str:
        return (f"mean is of {scored} of the {served} window{'s' if served != 1 else ''} after the initial model; "
                f"{skipped} not scored: {why}")

    if len(said) == len(reports) and len(set(said.values())) == 1:
        return ["each " + line(*next(iter(said.values())))]
    return [f"{policy}: " + line(*v) for policy, v in said.items()]


def _backtest(args: argparse.Namespace) -> int:
    from ctloop.backtest import (
        compare,
        comparison_table,
        left_out_note,
        run_backtest,
        write_comparison,
        write_report,
    )
    from ctloop.storage import check_output_dir, read_table

    _check_flags(args)
    cfg, uri, data_format = _backtest_config(args)
    cfg.validate()
    check_output_dir(args.output, name="--output")  # before the replay, not after it
    _check_writable(args.output)  # a read-only directory, /proc: before the replay too
    policies = [p.strip() for p in args.compare.split(",") if p.strip()] if args.compare else []
    if args.min_labels is not None and "default" not in (policies or [cfg.policy]):
        import warnings

        warnings.warn(f"--min-labels {args.min_labels} has no effect: only the default policy's realized rules "
                      f"read it (policies: {', '.join(policies or [cfg.policy])})", UserWarning, stacklevel=2)
    frame = read_table(uri, data_format or None,  # time_column as written when its format is given
                       text_columns=(cfg.time_column,) if cfg.time_format else ())
    _unused_time_format(frame, cfg, uri, "--time-format" if getattr(args, "data__time_format", None) is not None
                        else "data.time_format")
    if words := label_words_note(uri, data_format, frame, cfg.target, cfg.training.task):
        import warnings

        warnings.warn(words, UserWarning, stacklevel=2)
    print(f"backtest of {uri}: {len(frame)} rows, window {cfg.window}, label delay {cfg.label_delay or '0'}, "
          + (f"policies {', '.join(policies)}" if policies else f"policy {cfg.policy}"))
    say = None if args.quiet else functools.partial(_say, "  ")  # a function the replays' processes can call
    if policies:
        from joblib import cpu_count  # the cores a container's CPU quota allows, not the host's

        jobs = args.jobs or min(len(set(policies)), cpu_count())
        with _sigterm_exits():  # the pool is shut down, then the process exits
            reports = compare(frame, cfg, policies, progress=say, jobs=jobs)
        with _output(args.output) as out:
            csv_path, js, png = (_shown(args.output, p) for p in write_comparison(reports, out))
        print()
        for row in comparison_table(reports):
            mean = f"n/a (no window scored: {reports[row['policy']].unscored()})" if row["mean_metric"] is None \
                else f"{row['mean_metric']:.4f}"
            pts, pct = row.get("delta_vs_always_pts"), row.get("delta_vs_always_pct")
            delta = (f"  {pts:+.2f} pts vs always" if pts is not None else
                     f"  {pct:+.1f} % vs always (lower is better)" if pct is not None else "")
            print(f"  {row['policy']:8s} mean {row['metric']} {mean}  retrains {row['retrains']:3d}  "
                  f"promotions {row['promotions']:3d}{delta}")
        for line in _scored_note(reports):
            print(f"  {line}")
        note = left_out_note(next(iter(reports.values())))
        if note and args.quiet:  # else said before the replays
            print(f"  {note}")
        print(f"table: {csv_path}\nreport: {js}\nplot:   {png}")
        return 0
    report = run_backtest(frame, cfg, progress=say)
    with _output(args.output) as out:
        js, png = (_shown(args.output, p) for p in write_report(report, out))
    mean = f"n/a (no window scored: {report.unscored()})" if report.mean_metric is None \
        else f"{report.mean_metric:.4f}"
    print(f"\nmean_metric ({report.metric}, row-weighted) = {mean}   retrains = {report.retrains}   "
          f"promotions = {report.promotions}   skipped windows = {report.skipped}")
    if args.quiet and left_out_note(report):  # else said before the replay
        print(left_out_note(report))
    print(f"report: {js}\nplot:   {png}")
    return 0


def _check_flags(args: argparse.Namespace) -> None:
    """Refuse flags that contradict each other, before anything is read: ``--policy`` with
    ``--compare`` (the replay is of the --compare policies; --policy was ignored without a word)
    and ``--jobs`` without ``--compare`` (one policy replays in one process; ignored too)."""
    if args.compare and args.policy is not None:
        raise ConfigError(f"--policy {args.policy} and --compare {args.compare}: --compare replays each policy it "
                          f"names and --policy would be ignored; leave --policy out (add {args.policy} to --compare "
                          "to replay it too)")
    if args.jobs is not None and not args.compare:
        raise ConfigError(f"--jobs {args.jobs} applies to --compare only (its policies replay side by side); one "
                          "policy replays in one process: leave --jobs out, or name policies with --compare")


def _check_writable(uri: str, flag: str = "--output") -> None:
    """Refuse, before the replay, a local output directory that cannot be created or written in
    (read-only, no permission, under /proc or /sys): a directory is made and removed in the
    nearest existing one. ``storage.check_output_dir`` refuses a file in the way; without this the
    replay ran for minutes, then its write was a traceback."""
    import tempfile

    from ctloop.storage import parse

    loc = parse(uri)
    if loc.scheme != "file":
        return  # an object store: written (and its bucket checked) when the replay is done
    path = Path(loc.key).absolute()
    nearest = next((p for p in (path, *path.parents) if p.is_dir()), None)
    if nearest is None:
        return
    try:
        Path(tempfile.mkdtemp(prefix=".ctloop-write-check-", dir=nearest)).rmdir()
    except OSError as exc:
        raise ConfigError(f"{flag} {uri}: cannot write in {nearest}: {exc.strerror or exc}; choose a writable "
                          "directory") from None


@contextlib.contextmanager
def _output(uri: str) -> Iterator[Path]:
    """The local directory the report files are written to: ``--output`` itself, or for an object
    store (gs://, s3://, az://) a temporary one uploaded there when the block ends, as ``ctloop
    drift`` writes (``storage.output_dir``; before, ``gs://b/x`` was written to a local directory
    ``gs:/b/x``). A write that fails (a full disk) is one line naming ``--output``."""
    from ctloop.errors import DataSourceError
    from ctloop.storage import output_dir

    try:
        with output_dir(uri) as out:
            yield out
    except OSError as exc:
        raise DataSourceError(f"--output {uri}: cannot write {exc.filename or uri}: {exc.strerror or exc}") from exc


def _shown(uri: str, path: Path) -> str:
    """Where a report file written under :func:`_output`'s directory is: ``--output``/name."""
    return f"{uri.rstrip('/')}/{path.name}"


def _generate(args: argparse.Namespace) -> int:
    from ctloop.storage import names_standard_output, write_table
    from ctloop.synthetic import describe_drift, make_credit_data

    if args.output.endswith("/"):  # else written, in Parquet (no suffix), to a file named without the slash
        raise ConfigError(f"--output {args.output} ends with a slash (a directory): name the file, e.g. "
                          f"{args.output}credit.parquet")
    frame = make_credit_data(n_rows=args.rows, seed=args.seed)
    write_table(frame, args.output)
    # --output /dev/stdout: the Parquet bytes alone there (the line was written on top of them), the rest on stderr
    print(f"wrote {len(frame)} rows to {args.output}\n{describe_drift()}",
          file=sys.stderr if names_standard_output(args.output) else sys.stdout)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ctloop.demo import run_demo

    workdir = _local_dir(args.workdir)
    # the demo's registry is sqlite under it (the demo takes no --tracking-uri)
    _check_registry_path(workdir.resolve(), args.workdir, hint="choose another --workdir")
    with _sigterm_exits():  # its backtest's process pool shut down, as backtest --compare's
        return run_demo(workdir, rows=args.rows, keep=args.keep)


def _sigterm_exits():
    """SIGTERM (a supervisor's stop) raises ``SystemExit(143)`` inside the block: ``compare``
    ends its replays and shuts its process pool down, and the process exits with the status a
    shell gives a SIGTERM. Killed as is, the pool's semaphores were left to multiprocessing's
    resource tracker, which printed "leaked semaphore objects" (python 3.11
    ``multiprocessing/resource_tracker.py``). A second SIGTERM kills at once (a pool shutdown may
    hang). :func:`ctloop.sigterm.sigterm_raises`."""
    import signal

    from ctloop.sigterm import sigterm_raises

    return sigterm_raises(SystemExit, then=signal.SIG_DFL)


def register(subparsers) -> None:
    from ctloop.backtest import BACKTEST_GATE, BACKTEST_THRESHOLDS, MIN_LABELS, POLICIES
    from ctloop.cli.argtypes import (
        int_at_least,
        int_between,
        location,
        optional_location,
        output_location,
        tracking_uri,
        values_may_lead_with_a_dash,
    )
    from ctloop.config import DataConfig, DriftConfig, GateConfig, TrainingConfig, add_arguments

    p = subparsers.add_parser(
        "run", help="run a pipeline locally with the KFP local runner",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog="""examples:
  ctloop generate-data --output data/credit.parquet
  ctloop run --local --data data/credit.parquet --param model_name=credit-default \\
      --param data.target=default --param data.time_column=application_date \\
      --param data.as_of=2025-05-01 --param 'gate.thresholds={"roc_auc": 0.7}'
  ctloop run --local --pipeline batch-scoring --param model_name=credit-default \\
      --param scoring.data=applications.parquet --param scoring.output=scores
  ctloop run --local --pipeline monitoring --param model_name=credit-default \\
      --param monitoring.log_root=logs --param monitoring.window=1h --param training_parameters='{}'
""")
    p.add_argument("--local", action="store_true", help="run on this machine (kfp.local subprocess runner)")
    p.add_argument("--pipeline", default="continuous-training", help="pipeline name (default: continuous-training)")
    p.add_argument("--data", type=location, help="shortcut for --param data.uri=URI (a local path or an object-store URI)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="pipeline parameter; a section takes JSON or one field at a time: --param "
                        "data.target=default --param gate.tolerance=0.02 (VALUE parsed as JSON when possible); "
                        "repeatable")
    p.add_argument("--tracking-uri", default="", type=tracking_uri,
                   help="MLflow tracking URI (default: sqlite under --workdir)")
    p.add_argument("--workdir", default=".", type=output_location, help="where local_outputs/, logs/ and mlflow.db go (default: .)")
    p.add_argument("--verbose", action="store_true", help="stream every task's full KFP output")
    p.add_argument("--cold", action="store_true",
                   help="start every task as a plain fresh process (default: fork tasks from a warm task "
                        "server that has the heavy libraries imported; see ctloop.taskserver)")
    p.set_defaults(handler=_run)
    values_may_lead_with_a_dash(p)

    b = subparsers.add_parser(
        "backtest", help="replay history window by window: prequential score, the retraining rules, retrain, gate",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog="""examples:
  ctloop backtest --config ctloop.yaml --model credit-default --window 7D --label-delay 3D
  ctloop backtest --config ctloop.yaml --model credit-default --window 7D --compare never,always,every:4,default
  ctloop backtest --data credit.parquet --target default --time-column application_date --window 30D

--config takes the model's data, training, gate, drift and monitoring sections (the policy
'default' replays its monitoring.rules); flags given explicitly override them.
""")
    b.add_argument("--config", default="", type=optional_location, help="ctloop.yaml: replay a declared model with its own sections")
    b.add_argument("--model", default="", help="the model of --config to replay")
    b.add_argument("--data", default="", type=optional_location, help="time-ordered table (CSV/Parquet, or a directory of "
                   "them as Spark writes it; local, gs://, s3:// or az://); default: the model's data.uri")
    b.add_argument("--target", default="", help="label column (default: the model's data.target)")
    b.add_argument("--time-column", default="", help="event-time column (default: the model's data.time_column)")
    b.add_argument("--window", default="", help="replay step, a duration such as 7D, 12h or 1000min "
                   "(default: the model's monitoring.window)")
    b.add_argument("--policy", default=None, type=_policy, metavar="{" + ",".join(POLICIES) + ",every:N}",
                   help="when to retrain: default = the monitoring rules (monitoring.rules); drift = feature "
                        "drift alone; always; never; every:N = a retrain every N windows, like a cron schedule "
                        "(default: default; not with --compare, which names the policies)")
    b.add_argument("--compare", default=None, metavar="POLICIES", type=_policies,
                   help="comma list, e.g. never,always,every:4,drift,default: one replay per policy, one table "
                        "(compare.csv/json) and one plot (compare.png)")
    b.add_argument("--jobs", type=int_at_least(1), default=None, metavar="N",
                   help="with --compare only: replay N policies at a time, each in its own process holding a "
                        "copy of the data (default: the cores the CPU quota allows, at most the policies)")
    b.add_argument("--label-delay", default="", help="labels arrive this long after the event, e.g. 2D "
                   "(default: at the end of the row's window)")
    b.add_argument("--train-window", default="", help="history a challenger trains on, e.g. 90D (default: "
                   "derived: the recent windows holding 3000 rows, 1 to 6 windows)")
    b.add_argument("--min-labels", type=int_at_least(1), default=None, metavar="N",
                   help=f"labelled rows a window needs before the realized rules judge it (default: the model's "
                        f"monitoring.min_labels, else {MIN_LABELS})")
    b.add_argument("--quiet", action="store_true", help="no progress line per window")
    add_arguments(b, DataConfig, ["time_format"])  # --time-format (default: the model's data.time_format)
    add_arguments(b, TrainingConfig, ["task", "estimator", "hyperparameters", "seed"])
    add_arguments(b, GateConfig, ["thresholds", "primary_metric", "tolerance", "bootstrap_rounds"],
                  defaults={**BACKTEST_GATE, "thresholds": BACKTEST_THRESHOLDS["classification"]})
    add_arguments(b, DriftConfig, ["share", "method", "threshold"], rename={"share": "drift_share",
                                                                            "method": "drift_method",
                                                                            "threshold": "drift_threshold"})
    b.add_argument("--output", default="backtest-output", type=output_location, help="directory for backtest.json and backtest.png")
    b.set_defaults(handler=_backtest)
    values_may_lead_with_a_dash(b)  # --label-delay -3D: refused by its own check, naming it

    g = subparsers.add_parser("generate-data", help="write the seeded synthetic drifting credit dataset")
    g.add_argument("--output", default="data/credit.parquet", type=output_location, help="CSV or Parquet path, local or gs://")
    g.add_argument("--rows", type=int_between(1, MAX_SYNTHETIC_ROWS), default=60000,
                   help=f"rows to generate (default 60000, at most {MAX_SYNTHETIC_ROWS})")
    g.add_argument("--seed", type=int_between(0, 2**32 - 1), default=7)
    g.set_defaults(handler=_generate)

    d = subparsers.add_parser("demo", help="the whole loop on synthetic data: local pipeline runs, then a backtest")
    d.add_argument("--workdir", default="demo-output", type=output_location, help="output directory (default demo-output)")
    d.add_argument("--rows", type=int_between(1, MAX_SYNTHETIC_ROWS), default=36000,
                   help=f"synthetic rows (default 36000, at most {MAX_SYNTHETIC_ROWS})")
    d.add_argument("--keep", action="store_true", help="keep an existing registry in --workdir instead of starting fresh")
    d.set_defaults(handler=_demo)
