"""Pipeline arguments from the command line: ``--param NAME=VALUE`` for ``ctloop run --local``,
``ctloop schedule`` and ``ctloop trigger``.

A section parameter takes either a whole JSON object (``--param gate='{"tolerance": 0.02}'``) or
one field at a time with a dotted name (``--param gate.tolerance=0.02``,
``--param data.uri=data/credit.parquet``); VALUE is JSON when it parses as JSON, else text. Fields
not given keep their defaults; a name (or a field, whole and alone) given twice with different
values is refused, never decided by order. Every section is validated with its :mod:`ctloop.config` checks,
and a parameter the pipeline requires but nobody gave is refused before anything runs — a
scheduled run must not fail at night for a value that was never set.
"""

from __future__ import annotations

import difflib
import json
import math
import posixpath
import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import Any

from ctloop import config as C
from ctloop.errors import ConfigError, problem_list

# pipeline parameter -> its configuration section
SECTION_PARAMETERS: dict[str, type[C.Section]] = {"data": C.DataConfig, "training": C.TrainingConfig,
                                                  "gate": C.GateConfig, "drift": C.DriftConfig,
                                                  "rollout": C.RolloutConfig, "monitoring": C.MonitoringConfig,
                                                  "scoring": C.ScoringConfig}
TRAINING_PARAMETERS = "training_parameters"  # the monitoring pipeline's parameters of the runs it starts
# the continuous-training pipeline's parameters (what ``training_parameters`` may hold; model_name is the
# monitored model's when not given); tests/unit/test_hunt36_kfp_training_parameters.py keeps it in step
TRAINING_KEYS = {"model_name", "data", "training", "gate", "drift", "rollout", "tracking_uri"}
TRAINING_REQUIRED = ("data",)
# what a monitoring run's training_parameters hold at least, as the refusals show it
TRAINING_EXAMPLE = (f"e.g. --param '{TRAINING_PARAMETERS}={{\"data\": {{\"uri\": \"gs://bucket/credit.parquet\", "
                    '"target": "default", "time_column": "application_date"}}\'')
# text parameters a pipeline branches on: a value outside these takes the other branch silently
# (the rollout pipeline: ``dsl.If(action == "rollback")``, else a canary deploy)
CHOICES = {"action": ("deploy", "rollback")}


# the deepest a parameter's JSON value may nest: far beyond any configuration, and far below where
# ``json.loads`` (about 1,000 levels) and ctloop.config's recursive checks (about 500) raise RecursionError
MAX_NESTING = 100


def too_deep(value: Any) -> bool:
    """Whether ``value`` nests lists/objects deeper than :data:`MAX_NESTING`: walked without recursion,
    each list/object once per depth it is reached at (YAML aliases share one, or hold themselves)."""
    deepest: dict[int, int] = {}
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_NESTING:
            return True
        if deepest.get(id(item), -1) >= depth:
            continue
        deepest[id(item)] = depth
        stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _nesting_error(what: str) -> ConfigError:
    return ConfigError(f"{what}: the JSON value nests deeper than {MAX_NESTING} levels of lists/objects; give a "
                       "flatter value")


class _GivenInt(int):
    """A whole number given as ``NAME=VALUE``, with the text it was written as (``007``)."""

    text = ""


class _GivenFloat(float):
    """A number given as ``NAME=VALUE``, with the text it was written as (``2024.10``, ``1e3``)."""

    text = ""


def _given(value: Any, raw: str) -> Any:
    """``value`` (parsed from ``raw``) carrying ``raw`` when it is a number: a text parameter keeps
    what was written, not ``json.dumps`` of the number (``2024.10`` is not ``2024.1``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    out = (_GivenInt if isinstance(value, int) else _GivenFloat)(value)
    out.text = raw.strip()
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, _GivenInt):
        return int(value)
    if isinstance(value, _GivenFloat):
        return float(value)
    return value


def _deep_plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_plain(v) for v in value]
    return _plain(value)


def _whole(where: str) -> Any:
    """``json.loads``' ``parse_int`` for a value given at ``where`` ('--params', '--param NAME'): ``int``, and a whole
    number of more digits than Python converts (``sys.get_int_max_str_digits()``: ``ValueError``, a traceback) refused
    in one line, naming its own digits (a quoted string of digits or a long float is no such number)."""
    def parse(text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"{where}: {C.long_number(len(text.lstrip('-')))}") from None
    return parse


def loads_object(text: str, **kwargs: Any) -> Any:
    """``json.loads(text)`` (``--params``) whose top-level numbers carry the text they were written
    as, like ``--param`` values: a text parameter given ``{"model_name": 2024.10}`` is ``"2024.10"``,
    not ``json.dumps(2024.1)``. Numbers inside sections stay plain numbers."""
    whole = _whole("--params")
    try:
        data = json.loads(text, parse_int=lambda t: _given(whole(t), t), parse_float=lambda t: _given(float(t), t),
                          **kwargs)
    except RecursionError:
        raise _nesting_error("--params") from None
    if too_deep(data):
        raise _nesting_error("--params")
    if isinstance(data, dict):
        return {k: _deep_plain(v) if isinstance(v, dict | list) else v for k, v in data.items()}
    return _deep_plain(data)


def parse_pairs(pairs: list[str] | None, flag: str = "--param") -> dict[str, Any]:
    """``["a=1", "b={\\"x\\": 2}", "c=text", "gate.tolerance=0.02"]`` → values by (dotted) name."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{flag} {pair!r} must look like NAME=VALUE (VALUE may be JSON)")
        try:
            value = json.loads(raw, parse_int=_whole(f"{flag} {key.strip()}"))
        except RecursionError:
            raise _nesting_error(f"{flag} {key.strip()}") from None
        except json.JSONDecodeError as exc:
            if raw.lstrip().startswith(("{", "[")):
                meant = C.json_of_yaml(raw)  # {roc_auc: 0.7}: YAML's flow style, JSON wants "roc_auc"
                if not meant and (digits := C.too_many_digits(raw)):  # {max_iter: 1000…0}: PyYAML's ValueError
                    raise ConfigError(f"{flag} {key.strip()}: {C.long_number(digits)}") from None
                example = (f"did you mean {flag} '{key.strip()}={meant}'?" if meant else
                           f"quote it for the shell, e.g. {flag} '{key.strip()}={{\"tolerance\": 0.02}}'")
                raise ConfigError(f"{flag} {key.strip()}: {raw!r} looks like JSON but is not ({exc.msg} at "
                                  f"character {exc.pos}); {example}") from exc
            value = raw
        else:
            if too_deep(value):
                raise _nesting_error(f"{flag} {key.strip()}")
            value = _given(value, raw)
        name = key.strip()
        if name in out and _said(out[name]) != _said(value):
            # argparse's append keeps both, and the last one won without a word: which one was meant?
            at, first, then = _first_difference(out[name], value, name)
            raise ConfigError(f"{flag} {name}: given twice with different values ({at}{_shown(first)}, then "
                              f"{_shown(then)}{_hidden(first, then)}); give it once")
        out[name] = value
    for name, value in out.items():  # a field given whole (data={"uri": ...}) and by itself (data.uri=...)
        section, _, field = name.partition(".")
        whole = out.get(section) if field else None
        if isinstance(whole, dict) and field in whole and not _same_number(whole[field], value) \
                and _said(whole[field]) != _said(value):
            at, first, then = _first_difference(whole[field], value, name)
            raise ConfigError(f"{flag} {name}: given twice with different values ({at}{_shown(first)} in "
                              f"{flag} {section}, then {_shown(then)}{_hidden(first, then)}); give it once")
    return out


def _same_number(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are one number of one kind (``0.02`` and ``2e-2``; not ``1`` and ``1.0``)."""
    kinds = [int if isinstance(v, int) else float for v in (a, b)]
    return (all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
            and kinds[0] is kinds[1] and a == b)


def _said(value: Any) -> tuple[bool, str]:
    """A ``NAME=VALUE`` value as it was written: ``(text?, a number's text or JSON)``; ``1`` and
    ``1.0``, ``1`` and ``true`` (equal in Python) are different values."""
    if isinstance(value, _GivenInt | _GivenFloat):
        return False, value.text
    return isinstance(value, str), value if isinstance(value, str) else json.dumps(value, sort_keys=True)


_ABSENT = object()  # a key one of two sections has not


def _first_difference(a: Any, b: Any, name: str) -> tuple[str, Any, Any]:
    """``("at data.uri: ", a's, b's)``: where two values of ``name`` first differ, and their values
    there; ``("", a, b)`` when they differ as a whole."""
    where = name
    while True:
        if isinstance(a, dict) and isinstance(b, dict):
            key = next((k for k in [*a, *(k for k in b if k not in a)]
                        if k not in a or k not in b or _said(a[k]) != _said(b[k])), None)
            if key is None:
                break
            where, a, b = f"{where}.{key}", a.get(key, _ABSENT), b.get(key, _ABSENT)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            index = next((i for i, (x, y) in enumerate(zip(a, b, strict=True)) if _said(x) != _said(y)), None)
            if index is None:
                break
            where, a, b = f"{where}[{index}]", a[index], b[index]
        else:
            break
    if len(where) > 80:  # a 3,000-character column name, cut as _shown cuts a value
        where = f"{where[:40]}... ({len(where)} characters)"
    return (f"at {where}: " if where != name else ""), a, b


def _shown(value: Any) -> str:
    """A value for a message: a secret in any text of it masked (:func:`ctloop.storage._without_secrets`:
    an Azure SAS, a presigned URL's query, a password), a long one cut, with its length."""
    from ctloop.storage import _without_secrets

    if value is _ABSENT:
        return "(not given)"
    if isinstance(value, str):
        text = _without_secrets(_said(value)[1])
    else:
        text = _said(_masked(value))[1]
    return repr(text) if len(text) <= 80 else f"{text[:40]!r}... ({len(text)} characters)"


def _hidden(first: Any, then: Any) -> str:
    """What to add when two different values are shown alike: their kinds when only those differ
    (``seed=1``, then ``seed="1"``: "a number, then text"), else that the secrets they differ in are masked."""
    if _shown(first) != _shown(then):
        return ""
    if _said(first)[1] == _said(then)[1] or _kind(first) != _kind(then):
        return f": {_kind(first)}, then {_kind(then)}"
    return ": they differ in what is not shown"


def _kind(value: Any) -> str:
    """What ``value`` is, in a message's words."""
    if value is _ABSENT:
        return "not given"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return {dict: "an object", list: "a list"}.get(type(value), "text")


def _masked(value: Any) -> Any:
    """``value`` with :func:`ctloop.storage._without_secrets` of each text in it (lists, objects walked)."""
    from ctloop.storage import _without_secrets

    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return _without_secrets(value) if isinstance(value, str) else value


def _non_finite(value: Any, path: str) -> tuple[str, str] | None:
    """``(where, value)`` of the first NaN or infinity in ``value`` (lists/objects walked), ``None`` when
    there is none. Python's ``json`` reads ``NaN``, ``Infinity`` and ``1e400`` and writes them back as
    ``NaN``/``Infinity``, which is not JSON: kfp 2.17.0 sends the run's parameters with ``json.dumps``
    (``kfp_server_api`` ``rest.py``), and the API server's grpc-gateway (protojson) refuses the body, HTTP
    400 — for ``apply`` after the pipelines were uploaded. The section checks catch such a number where
    they read one; inside a list or a free-form mapping (``training.hyperparameters``) it went through."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return where, "NaN" if math.isnan(item) else ("Infinity" if item > 0 else "-Infinity")
        if isinstance(item, dict):
            stack.extend((v, f"{where}.{k}") for k, v in reversed(list(item.items())))
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(item))))
    return None


MAX_EXACT_INT = 2**53
"""The largest whole number up to which a double holds every one (IEEE 754 binary64: a 53-bit significand): KFP's
API reads a JSON number into one (google/protobuf/struct.proto ``Value.number_value``, ``double``), so 2**53 + 1
arrived as 2**53 and 18446744073709551615 as 18446744073709551616, without a word."""


def _beyond_double(value: Any, path: str) -> tuple[str, str, bool] | None:
    """``(where, digits, beyond_range)`` of the first whole number in ``value`` a double does not hold exactly (above
    :data:`MAX_EXACT_INT`, ``random_state: 18446744073709551615``; ``beyond_range`` past 1.8e308, ``max_iter:
    1000…0`` of 400 digits), its digits cut when long; ``None`` when there is none. Python's ``json`` writes its
    digits, and KFP's API reads a number into a double (google.golang.org/protobuf ``encoding/protojson/decode.go``:
    rounded, or out of range, HTTP 400), after ``apply`` uploaded the pipelines; sections bound their own numbers, a
    free-form mapping (``training.hyperparameters``) did not."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) > MAX_EXACT_INT:
            digits = str(abs(item))
            shown = digits if len(digits) <= 20 else f"{digits[:12]}… ({len(digits)} digits)"
            return where, f"{'-' * (item < 0)}{shown}", abs(item) > 1.7976931348623157e308
        if isinstance(item, dict):
            stack.extend((v, f"{where}.{k}") for k, v in reversed(list(item.items())))
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(item))))
    return None


def _non_text_key(value: Any, path: str) -> str:
    """Where a mapping of ``value`` has a key that is no text, said in one line, else ``""``: KFP's JSON
    keys are text, and ``json.dumps`` wrote ``~:`` as the key "null" (a column 'null') and failed on a date
    (``TypeError``) or, sorting keys, on a number beside text."""
    from ctloop.contract import not_text_key

    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if not isinstance(k, str):
                    return f"{where}: the key {not_text_key(k)}"
                stack.append((v, f"{where}.{k}"))
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
    return ""


def _inputs(pipeline_func: Any) -> dict[str, Any]:
    return dict(pipeline_func.component_spec.inputs or {})


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _refused(errors: list[str], section: str) -> bool:
    """Whether ``errors`` refuse ``section`` or one of its fields: the checks across sections then
    leave it out (a refused ``training`` has no task to judge by; its own error says why)."""
    return any(e.startswith((f"{section}:", f"{section}.")) for e in errors)


VOLUMES = "--mount-pvc CLAIM:PATH, platform.pvc_mounts"  # how schedule/trigger mount a volume; apply: the latter


def _relative_paths(args: dict[str, Any], volumes: str = VOLUMES, mounts: list[str] | None = None) -> list[str]:
    """A relative local path in a location field (``data.uri: data/credit.parquet``, each field
    checked by :func:`ctloop.config.storage_location`) of a run or schedule on KFP: a task runs in
    its own pod, from the image's working directory, where the path names nothing — valid here, the
    run failed on the cluster (reading) or wrote into the pod, lost with it (an output). An absolute
    path is kept when a volume is mounted there (``--mount-pvc``, ``platform.pvc_mounts``): ``mounts``,
    the paths the command mounts, refuses one under none of them (its pod has no such file, or
    writes it into its own disk, lost with the pod); None: not judged (the mounts are not known).
    ``volumes``: how the command at hand mounts one."""
    out = []
    todo = [(name, value, SECTION_PARAMETERS[name]) for name, value in args.items()
            if name in SECTION_PARAMETERS and isinstance(value, dict)]
    nested = args.get(TRAINING_PARAMETERS)
    if isinstance(nested, dict):
        todo += [(f"{TRAINING_PARAMETERS}.{name}", value, SECTION_PARAMETERS[name]) for name, value in nested.items()
                 if name in SECTION_PARAMETERS and isinstance(value, dict)]
    for where, value, section in todo:
        for f in section.fields():
            given = value.get(f.name)
            if (f.metadata.get("check") is not C.storage_location or not isinstance(given, str)
                    or C.storage_location(given) is not None):  # no location: its section said why
                continue
            if given.strip() and _is_relative(given):
                out.append(f"{where}.{f.name}: {given!r} is a relative local path, which names nothing in the pod a "
                           "KFP task runs in; give an object-store URI (gs://, s3://, az://) or an absolute path on "
                           f"a volume every task mounts ({volumes})")
            elif given.strip() and mounts is not None and (path := _local_path(given)) and not mounted(path, mounts):
                out.append(f"{where}.{f.name}: {given!r} is a local path on no volume the KFP tasks mount "
                           f"({'mounted: ' + ', '.join(mounts) if mounts else 'none is mounted'}): a task's pod has "
                           "no such file, and one written there is lost with the pod; mount the volume holding it "
                           f"({volumes}) or give an object-store URI (gs://, s3://, az://)")
    return out


def _local_path(given: str) -> str:
    """The absolute local path ``given`` names (``/mnt/x.csv``, ``file:///mnt/x.csv``), else ``""``
    (an object store, a relative path, a ``$(VAR)`` Kubernetes fills in)."""
    from ctloop import storage

    try:
        loc = storage.parse(given)
    except ConfigError:
        return ""
    return loc.key if loc.scheme == "file" and loc.key.startswith("/") else ""


def mounted(path: str, mounts: list[str]) -> bool:
    """Whether the absolute ``path`` lies on a volume mounted at one of ``mounts`` (``..`` resolved:
    ``/mnt/data/../etc/x`` is not under ``/mnt/data``; ``//mnt/data/x`` is)."""
    target = _normal(path)
    for mount in mounts:
        root = _normal(mount)
        if target == root or target.startswith(root.rstrip("/") + "/"):
            return True
    return False


def _normal(path: str) -> str:
    """``path`` with ``..`` resolved and its leading slashes collapsed: ``normpath`` keeps two
    (``//mnt/data``, POSIX leaves them to the system), and Linux reads them as one."""
    return posixpath.normpath("/" + path.lstrip("/")) if path.startswith("/") else posixpath.normpath(path)


def _is_relative(given: str) -> bool:
    """``given`` is a local location relative to the working directory, as storage reads it: a plain
    ``data/x.csv`` and a ``file:data/x.csv`` alike (only ``file:/...`` is a file URI)."""
    from ctloop import storage

    try:
        loc = storage.parse(given)
    except ConfigError:  # storage_location took it; a refusal here is said when it is read
        return False
    return loc.scheme == "file" and not loc.key.startswith("/")


# Linux MAX_ARG_STRLEN (include/uapi/linux/binfmts.h: 32 pages of 4 KiB), the longest single argument
# exec takes, its terminating NUL included
MAX_ARG_STRLEN = 131_072


def go_number(number: float) -> str:
    """``number`` as Go's ``encoding/json`` writes a float64 (``floatEncoder.encode``, Go 1.24
    ``src/encoding/json/encode.go``): the shortest digits, in ``'f'`` format from 1e-6 up to below
    1e21 (``10000000000000000``, ``1``, ``0.00001``), else ``'e'`` with ``e-07`` cleaned to ``e-7``.
    KFP carries every number as a protobuf double (``structpb.Value``), an int too; Python writes
    ``1e+16``, ``1.0`` and ``1e-05``."""
    try:
        f = float(number)
    except OverflowError:  # an int beyond a double: KFP's API refuses it anyway
        return str(number)
    if not math.isfinite(f):
        return repr(f)
    if f != 0 and (abs(f) < 1e-6 or abs(f) >= 1e21):
        text = repr(f)  # Python's repr is 'e' format below 1e-4 and from 1e16: the same shortest digits
        mantissa, _, exponent = text.partition("e")
        sign, digits = exponent[0], exponent[1:].lstrip("0")
        return f"{mantissa}e{sign}{digits.zfill(2) if sign == '+' else digits}"
    from decimal import Decimal

    return format(Decimal(repr(f)).normalize(), "f")


def go_json_bytes(value: Any) -> int:
    """``value`` as Go's ``encoding/json.Marshal`` writes it (compact, keys sorted, UTF-8 as is,
    ``<``, ``>``, ``&``, U+2028, U+2029 escaped as ``\\u003c``..., a number as :func:`go_number`),
    in bytes."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True, default=str)
    numbers = 0  # what Go writes of the numbers more than Python does
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            numbers += len(go_number(item)) - len(json.dumps(item))
    return (len(text.encode("utf-8", "surrogatepass")) + 5 * sum(text.count(c) for c in "<>&")
            + 3 * (text.count("\u2028") + text.count("\u2029")) + numbers)


def runtime_config_problem(args: dict[str, Any]) -> str:
    """Why the run parameters ``args`` cannot reach a KFP run, else ``""``. kubeflow/pipelines 2.17.0
    hands all of them to the root DAG driver as one command-line argument: ``argocompiler/dag.go``
    marshals the run's runtime config with ``stablyMarshalJSON`` (protojson, then Go's
    ``encoding/json``) into the ``runtime-config`` parameter, which the ``system-dag-driver``
    template passes as ``--runtime_config`` (testdata ``hello_world.yaml``). Its Argo, v4.0.5
    (``manifests/kustomize/third-party/argo/base/kustomization.yaml``), moves an argument longer than
    :data:`MAX_ARG_STRLEN` bytes into a file and passes ``@/tmp/argo_arg_N.txt`` instead
    (``workflow/controller/workflowpod.go``, ``cmd/argoexec/commands/emissary.go``), which the KFP
    2.17.0 driver reads only for ``--component`` (``backend/src/v2/cmd/driver/main.go``): it fails
    with "KFP driver: failed to unmarshal runtime config". One of exactly :data:`MAX_ARG_STRLEN`
    bytes stays an argument, which Linux refuses (its NUL counted: "argument list too long"). KFP
    takes the run or schedule and every run fails at its first pod. The bytes counted are a lower
    bound: ``{"parameterValues": ...}`` as Go writes it."""
    total = go_json_bytes({"parameterValues": args})
    if total < MAX_ARG_STRLEN:
        return ""
    where, value = "", args
    while isinstance(value, dict) and value:  # down the largest value: data, data.contract, ...
        key = max(value, key=lambda k: go_json_bytes(value[k]))
        where, value = f"{where}.{key}" if where else str(key), value[key]
    return (f"{where or 'the parameters'}: the run parameters are {total:,} bytes as KFP passes them "
            f"({where} {go_json_bytes(value):,} of them), and KFP 2.17 hands them to the run's first pod as one "
            f"argument, which takes at most {MAX_ARG_STRLEN - 1:,} bytes (Argo moves a longer one into a file the "
            "KFP driver does not read): every run would fail to start (\"KFP driver: failed to unmarshal runtime "
            "config\") — fix: keep the large value in a file (gs://, s3://, az://) and pass its URI")


def lone_surrogate(value: Any, what: str) -> str:
    """Where in ``value`` (``what``: its parameter; objects and lists walked, keys too) a text holds a
    lone UTF-16 surrogate, said in one line, else ``""``: a byte that was not UTF-8 on the command
    line (Python reads it as U+DC80-U+DCFF) or a ``\\ud800`` escape in a file. The kfp client sends it
    as a ``\\udc..`` escape, which KFP 2.17's API server refuses (google.golang.org/protobuf
    ``internal/encoding/json/decode_string.go``: "invalid escape code"), after ``schedule`` uploaded
    the pipeline."""
    for item, where in _texts(value, what):
        at = next((i for i, c in enumerate(item) if 0xD800 <= ord(c) <= 0xDFFF), None)
        if at is not None:
            code = ord(item[at])
            was = (f"the byte 0x{code - 0xDC00:02X}, not UTF-8 (text of another encoding?)"
                   if 0xDC80 <= code <= 0xDCFF else f"a lone surrogate U+{code:04X}, no character")
            return (f"{where}: character {at + 1} is {was}, which KFP's API refuses (HTTP 400 'invalid escape "
                    "code') — fix: give the value as UTF-8 text")
    return ""


def _texts(value: Any, what: str) -> Iterator[tuple[str, str]]:
    """Every text in ``value`` (objects and lists walked, keys too) with where it is (``what``: the
    parameter; ``what.field``, ``what[1]``, ``what (a key)``)."""
    stack: list[tuple[Any, str]] = [(value, what)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield item, where
        elif isinstance(item, dict):
            stack.extend((k, f"{where} (a key)") for k in item)
            stack.extend((v, f"{where}.{k}") for k, v in item.items())
        elif isinstance(item, list | tuple):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))


def doubled_dollar(value: Any, what: str) -> str:
    """Where in ``value`` (``what``: its parameter; objects and lists walked, keys too) a text holds
    ``$$``, said in one line, else ``""``. kubeflow/pipelines 2.17.0 ``backend/src/v2/driver``
    puts a task's parameters into its container's arguments (``--executor_input``, the launcher's
    command), and the kubelet expands those: ``$$`` becomes ``$`` (Kubernetes
    ``third_party/forked/golang/expansion``), so the task receives another value than the one given
    (``$(VAR)`` of the container's environment is expanded on purpose: ``$(MLFLOW_TRACKING_URI)``)."""
    for item, where in _texts(value, what):
        if "$$" in item:
            return (f"{where}: character {item.index('$$') + 1} starts '$$', which Kubernetes turns into '$' in the "
                    "arguments KFP starts each task with: the task would receive another value — fix: write it "
                    "without '$$' (e.g. keep it in a file and pass its URI)")
    return ""


# the parameters whose $(VAR) the kubelet is meant to expand (the tracking store's URI from the
# settings: $(MLFLOW_TRACKING_URI)); their $(VAR) are judged by ctloop.cli.ops._check_tracking
EXPANDED = frozenset({"tracking_uri", f"{TRAINING_PARAMETERS}.tracking_uri"})
# ... and of the settings ConfigMap's tracking URI only (ctloop.ops.settings: config_env's tracking_uri):
# a tracking_uri of $(AWS_SECRET_ACCESS_KEY) or $(MLFLOW_TRACKING_TOKEN) would make every task open a
# secret as its store, and name it in its errors
TRACKING_ENV = "MLFLOW_TRACKING_URI"


def defined_variable(value: Any, what: str, defined: AbstractSet[str]) -> str:
    """Where in ``value`` (``what``: its parameter; objects and lists walked, keys too) a text holds a
    ``$(NAME)`` the task's container defines (``defined``), said in one line, else ``""`` — but
    :data:`TRACKING_ENV` in :data:`EXPANDED`. The kubelet expands such a reference
    in the arguments KFP starts each task with (Kubernetes ``third_party/forked/golang/expansion``; kubeflow/pipelines 2.17.0
    ``backend/src/v2/driver`` puts the parameters there), so the task would receive the variable's
    value — a credential of the settings Secret, a pod name — instead of the text KFP shows and
    records.

    A name in ``defined`` by its shape only (a service link's, :meth:`~ctloop.ops.settings.TaskEnv.by_shape`)
    is refused too, saying which Service would make it one: ctloop cannot know the namespace's Services
    (``defined``'s ``by_shape``, when it has one: ctloop.ops.settings is of a layer above this module)."""
    by_shape = getattr(defined, "by_shape", None)
    for item, where in _texts(value, what):
        for match in re.finditer(r"(?<!\$)\$\(([^)]*)\)", item):
            name = match.group(1)
            if name in defined and (where not in EXPANDED or name != TRACKING_ENV):
                starts = f"{where}: character {match.start() + 1} starts '$({name})'"
                if services := by_shape(name) if by_shape is not None else ():
                    more = f" (or {', '.join(repr(s) for s in services[1:])})" if services[1:] else ""
                    fix = (f"give the Service's DNS name instead, e.g. http://{services[0]}.<namespace>.svc:5000 "
                           f"(its port; mlflow server's default is 5000): tracking_uri takes no '$(' but the "
                           f"settings' $({TRACKING_ENV})" if where in EXPANDED else
                           "rename the column or reword the value so that it holds no '$(' (the kubelet's '$$(' "
                           "escape is no way out: ctloop refuses '$$', which KFP and Argo pass on unchanged, so KFP "
                           "would show and record '$$(' while the task receives '$(')")
                    return (f"{starts}, which has the shape of a Kubernetes service link (<SERVICE>_SERVICE_HOST, "
                            f"<SERVICE>_SERVICE_PORT, <SERVICE>_PORT...): if a Service {services[0]!r}{more} exists "
                            "in the profile's namespace, the kubelet replaces it with that Service's address in the "
                            "arguments KFP starts each task with, and ctloop cannot tell whether one does — fix: "
                            + fix)
                return (f"{starts}, which Kubernetes "
                        "replaces with that variable of the task's container in the arguments KFP starts each "
                        "task with: the task would receive its value, not this text — fix: write it without "
                        f"'$(' (only tracking_uri takes one, on purpose: $({TRACKING_ENV}))")
    return ""


def _model_name_problem(value: str, where: str) -> list[str]:
    """What is wrong with ``model_name`` given as ``value`` (at ``where``), by the rule of a model's name in
    ctloop.yaml (:func:`ctloop.config.model_name`: it names the InferenceService and the schedules, and
    MLflow registers it): ``Credit_X`` was taken here and refused there."""
    problem = C.model_name(value.strip() and value)
    shown = repr(value) if len(value) <= 80 else f"{value[:40]!r}... ({len(value)} characters)"
    return [f"{where}: {problem}, got {shown}; e.g. model_name=credit-default"] if problem else []


def pipeline_arguments(pipeline_func: Any, values: dict[str, Any], *, require: bool = True,
                       for_kfp: bool = True, volumes: str = VOLUMES,
                       mounts: list[str] | None = None,
                       defined: AbstractSet[str] | None = None) -> dict[str, Any]:
    """Arguments of ``pipeline_func`` from ``values`` (see the module doc); a ConfigError lists every
    problem. With ``require``, parameters without a default must be given. ``for_kfp`` (a run, schedule
    or apply on KFP): a character KFP's database cannot store is refused too
    (:func:`~ctloop.ops.platform.refuse_astral`); a local run (``for_kfp`` false) never stores one.
    ``volumes``: how the command mounts a volume, named when a relative local path is refused;
    ``mounts``: the paths it mounts volumes at, when known: an absolute local path under none is
    refused too (:func:`_relative_paths`); ``defined``: the environment variables the tasks' containers
    define, when known: a ``$(NAME)`` of one outside tracking_uri is refused too (:func:`defined_variable`)."""
    inputs = _inputs(pipeline_func)
    known = sorted(inputs)
    dotted = sorted(f"{p}.{f.name}" for p, s in SECTION_PARAMETERS.items() if p in inputs for f in s.fields())
    args: dict[str, Any] = {}
    errors: list[str] = []
    for key, value in values.items():
        name, _, field = key.partition(".")
        if name not in inputs:
            errors.append(f"unknown pipeline parameter {key!r}{_suggest(key, known + dotted)}; parameters: "
                          f"{', '.join(known)}")
        elif field:
            if name not in SECTION_PARAMETERS:
                errors.append(f"{key}: {name!r} is not a section; pass {name}=VALUE")
                continue
            section = args.setdefault(name, {})
            if not isinstance(section, dict):
                errors.append(f"{key}: {name} was also given whole; give one or the other")
                continue
            if field not in {f.name for f in SECTION_PARAMETERS[name].fields()}:
                fields = [f.name for f in SECTION_PARAMETERS[name].fields()]
                errors.append(f"{key}: {name} has no field {field!r}{_suggest(field, fields)}; fields: "
                              f"{', '.join(fields)}")
                continue
            kind = next(f.type for f in SECTION_PARAMETERS[name].fields() if f.name == field)
            if kind in ("str", str) and isinstance(value, _GivenInt | _GivenFloat):
                value = value.text  # a text field given in digits (data.target=2024): as written
            section[field] = _plain(value)
        else:
            if getattr(inputs[name], "type", "") == "String" and not isinstance(value, str):
                # version=2 parsed as JSON: the text given (2024.10 as written), as KFP wants it
                value = value.text if isinstance(value, _GivenInt | _GivenFloat) else json.dumps(value)
            value = _plain(value)
            if name in args and isinstance(args[name], dict) and isinstance(value, dict):
                args[name] = {**value, **args[name]}
            else:
                args[name] = value
    parsed: dict[str, Any] = {}  # the sections given whole or by field, for the checks across them
    metric_checks: list[tuple[Any, Any, str]] = []  # (training, gate, where): the gate's metrics against the task
    for name, value in args.items():
        section = SECTION_PARAMETERS.get(name)
        if section is not None:
            if not isinstance(value, dict):
                errors.append(f"{name}: expected a JSON object of {section.__name__} fields, got {value!r}")
            else:
                parsed[name] = section.parse(value, name, errors)
        elif name in CHOICES and value not in CHOICES[name]:
            errors.append(f"{name}: {value!r} is not one of {', '.join(CHOICES[name])}{_suggest(str(value), list(CHOICES[name]))}"
                          f" — the pipeline would take its {CHOICES[name][0]!r} branch")
        elif name == "model_name" and isinstance(value, str):  # no nightly run failing on it
            errors.extend(_model_name_problem(value, name))
        elif name == TRAINING_PARAMETERS and isinstance(value, dict):
            # what a fired rule starts: KFP refuses a run without a required input or with an unknown one
            subs: dict[str, Any] = {}
            for sub, sub_value in value.items():
                if sub not in TRAINING_KEYS:
                    errors.append(f"{name}.{sub}: not a parameter of continuous-training"
                                  f"{_suggest(sub, sorted(TRAINING_KEYS))}; parameters: {', '.join(sorted(TRAINING_KEYS))}")
                elif sub in SECTION_PARAMETERS:
                    subs[sub] = SECTION_PARAMETERS[sub].parse(sub_value, f"{name}.{sub}", errors)
                elif sub == "model_name" and isinstance(sub_value, str):
                    errors.extend(_model_name_problem(sub_value, f"{name}.{sub}"))
            # a training section given but refused has no task to judge by (its own error says why)
            if (subs.get("data") is not None and subs.get("gate") is not None
                    and not _refused(errors, f"{name}.training")):
                task = subs["training"].task if subs.get("training") is not None else ""
                errors.extend(C.check_gate_columns(subs["data"], subs["gate"], task=task, path=name))
            if subs.get("gate") is not None and not _refused(errors, f"{name}.training"):
                metric_checks.append((subs.get("training") or C.TrainingConfig(), subs["gate"], name))
            for sub in TRAINING_REQUIRED:
                if sub not in value:
                    errors.append(f"{name}.{sub}: required by the continuous-training run a fired rule starts; "
                                  f"{TRAINING_EXAMPLE}")
        elif name == TRAINING_PARAMETERS:
            errors.append(f"{name}: expected a JSON object of continuous-training parameters, got {value!r}")
    if parsed.get("data") is not None and parsed.get("gate") is not None and not _refused(errors, "training"):
        task = parsed["training"].task if parsed.get("training") is not None else ""
        errors.extend(C.check_gate_columns(parsed["data"], parsed["gate"], task=task))
    if parsed.get("gate") is not None and not _refused(errors, "training"):
        metric_checks.append((parsed.get("training") or C.TrainingConfig(), parsed["gate"], ""))
    if for_kfp:  # a section already refused is not judged further (one problem at a time of it)
        errors.extend([e for e in _relative_paths(args, volumes, mounts)
                       if not any(said.startswith(e.partition(".")[0] + ".") for said in errors)])
    for name, value in args.items():
        said = any(e.startswith((f"{name}:", f"{name}.")) for e in errors)
        if not said and for_kfp:
            from ctloop.ops.platform import refuse_astral, refuse_credentials

            try:
                refuse_astral(value, name)
                refuse_credentials(value, name)
            except ConfigError as exc:
                errors.append(str(exc))
                said = True
            if not said and (why := lone_surrogate(value, name) or doubled_dollar(value, name)
                             or defined_variable(value, name, defined or frozenset())):
                errors.append(why)
                said = True
        if not said and (why := _non_text_key(value, name)):
            errors.append(why)
            said = True
        if not said and (where := _beyond_double(value, name)):
            beyond = ("a JSON number KFP reads (a double, at most 1.8e308)" if where[2] else "the whole numbers KFP "
                      f"keeps exact (it reads a JSON number as a double: at most 2**53 = {MAX_EXACT_INT})")
            errors.append(f"{where[0]}: {where[1]} is beyond {beyond} — give a smaller number")
            said = True
        if not said and (where := _non_finite(value, name)):
            # kfp 2.17.0 kfp/local/executor_input_utils.py: json_format.MessageToDict raises on a NaN
            why = ("KFP refuses the request" if for_kfp else
                   "kfp.local cannot hand it to a task: protobuf's JSON refuses it")
            errors.append(f"{where[0]}: {where[1]} is not a JSON number (JSON has no NaN or infinity, and {why}) "
                          "— give a finite number")
    # a gate metric of another task: else evaluate_model refused it, after training (a gate refused above: once)
    for training, gate, where in metric_checks:
        if not _refused(errors, where or "gate"):
            errors.extend(C.check_metrics(training, gate, path=where))
    if require:
        for name, spec in inputs.items():
            if name not in args and not getattr(spec, "optional", False) and getattr(spec, "default", None) is None:
                section = SECTION_PARAMETERS.get(name)
                hint = (f"; e.g. --param {name}.{section.required()[0]}=..." if section and section.required()
                        else f": the continuous-training run a fired rule starts; {TRAINING_EXAMPLE}"
                        if name == TRAINING_PARAMETERS else f"; e.g. --param {name}=...")
                errors.append(f"{name}: required by the pipeline and not given{hint}")
    if errors:
        raise problem_list(errors, header=f"{len(errors)} problems:")
    args = {name: C.nulls_as_off(value) for name, value in args.items()}  # KFP carries no null in a dict
    if for_kfp and (why := runtime_config_problem(args)):
        raise ConfigError(why)
    return args


__all__ = ["MAX_NESTING", "too_deep", "SECTION_PARAMETERS", "loads_object", "parse_pairs", "pipeline_arguments"]
