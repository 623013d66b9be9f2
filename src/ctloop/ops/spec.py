"""``ctloop.yaml``: one versioned file declaring a team's continuous-training setup.

::

    apiVersion: ctloop.dev/v1alpha2
    kind: ContinuousTraining
    metadata: {name: team-credit}   # optional: marks this spec's schedules (see below)
    kfp: {host: https://kfp.example.com/pipeline, namespace: team-a, experiment: credit-ct}
    platform: {image: registry.example.com/ml/ctloop:0.1.0, resources: {train_model: {cpu_limit: "8"}}}
    defaults: {training: {estimator: hist_gradient_boosting}}   # merged into every model
    models:
      - name: credit-default
        data: {uri: gs://bucket/credit.parquet, target: default, time_column: application_date}
        gate: {thresholds: {roc_auc: 0.72}}
        schedule: {cron: "0 0 3 * * *"}
        monitoring: {log_root: gs://bucket/inference-log, schedule: {cron: "0 5 * * * *"}}
        scoring: {data: gs://bucket/applications/, output: gs://bucket/scores, schedule: {cron: "0 0 2 * * *"}}

Every section is a :mod:`ctloop.config` section, validated with the same checks as the pipelines'
parameters; validation reports every problem with its path and a fix in one pass
(``models[1].schedule.cron: ...``); unknown keys get a did-you-mean. A ``ctloop.dev/v1alpha1``
file (the flat layout of ctloop 0.1) is converted on load, with a note per moved key.
``metadata.name`` (a DNS-1123 label, unique among the specs applied to one KFP namespace) is
written into every schedule ``apply`` creates (``ctloop-spec:<name>``): the schedules of a model
removed from the spec are then found by it (named by ``apply``, retired by ``apply --prune``),
and no other spec's are. Without it a spec knows its schedules only by its current models' names.
:func:`pipeline_parameters`, :func:`monitoring_parameters` and :func:`scoring_parameters` map a
model to the parameters of the ``continuous-training``, ``monitoring`` and ``batch-scoring``
pipelines — the one place where that mapping lives.
"""

from __future__ import annotations

import copy
import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctloop import config as C
from ctloop.errors import ConfigError, problem_list

API_VERSION = "ctloop.dev/v1alpha2"
LEGACY_API_VERSION = "ctloop.dev/v1alpha1"
KIND = "ContinuousTraining"
MAX_NODES = 100_000  # values a spec may expand to (YAML aliases can make a small file enormous)
MAX_BYTES = 4_000_000  # a spec's size: past it PyYAML (pure Python) would parse for minutes
ROOT_KEYS = ("apiVersion", "kind", "metadata", "kfp", "platform", "defaults", "models")
METADATA_KEYS = ("name",)
MODEL_SECTIONS: dict[str, type[C.Section]] = {"data": C.DataConfig, "training": C.TrainingConfig,
                                              "gate": C.GateConfig, "drift": C.DriftConfig,
                                              "rollout": C.RolloutConfig, "monitoring": C.MonitoringConfig,
                                              "scoring": C.ScoringConfig, "schedule": C.ScheduleConfig}
OPTIONAL_SECTIONS = ("rollout", "monitoring", "scoring", "schedule")  # absent = that pipeline is not set up
MODEL_KEYS = ("name", "tracking_uri", *MODEL_SECTIONS)


@dataclass
class ModelSpec:
    name: str
    tracking_uri: str = ""
    sections: dict[str, Any] = field(default_factory=dict)  # section name -> parsed section (or None)
    monitoring_schedule: C.ScheduleConfig | None = None
    scoring_schedule: C.ScheduleConfig | None = None

    def section(self, name: str) -> Any:
        value = self.sections.get(name)
        if value is None and name not in OPTIONAL_SECTIONS:
            return MODEL_SECTIONS[name].from_dict({})
        return value

    @property
    def schedule(self) -> C.ScheduleConfig | None:
        return self.sections.get("schedule")


@dataclass
class Spec:
    kfp: C.KfpConfig
    platform: C.PlatformConfig
    models: list[ModelSpec] = field(default_factory=list)
    path: str = ""
    notes: list[str] = field(default_factory=list)  # e.g. keys moved from a v1alpha1 file
    name: str = ""  # metadata.name: marks the schedules apply creates (empty: none)


# --------------------------------------------------------------------------- v1alpha1
_LEGACY_MODEL_MOVES = {"target": "data", "time_column": "data", "window": "data", "current_window": "data",
                       "holdout_fraction": "data", "recency_half_life": "data", "task": "training",
                       "auto_promote": "rollout"}
_LEGACY_KFP_MOVES = ("image", "service_account", "pvc_mounts")


def _convert_model(model: Any, where: str, notes: list[str]) -> Any:
    if not isinstance(model, dict):
        return model
    out = {k: copy.deepcopy(v) for k, v in model.items() if k not in _LEGACY_MODEL_MOVES and k != "estimator"}
    for key, section in _LEGACY_MODEL_MOVES.items():
        if key in model:
            if section == "rollout" and not model.get("rollout"):
                out.setdefault("rollout", {})
            out.setdefault(section, {})
            if isinstance(out[section], dict):
                out[section][key] = model[key]
            notes.append(f"{where}.{key} → {where}.{section}.{key}")
    estimator = model.get("estimator")
    if isinstance(estimator, dict):
        training = out.setdefault("training", {})
        if isinstance(training, dict):
            for old, new in (("name", "estimator"), ("hyperparameters", "hyperparameters"),
                             ("search_iterations", "search_iterations")):
                if old in estimator:
                    training[new] = estimator[old]
        notes.append(f"{where}.estimator → {where}.training (estimator.name → training.estimator)")
    drift = out.get("drift")
    if isinstance(drift, dict) and isinstance(drift.get("threshold"), int | float) and drift["threshold"] < 0:
        drift["threshold"] = None  # v1alpha1 wrote -1 for "the method's default"
    return out


def convert_v1alpha1(doc: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A ``ctloop.dev/v1alpha1`` document in the v1alpha2 layout, and what moved."""
    notes: list[str] = []
    out = {k: copy.deepcopy(v) for k, v in doc.items() if k not in ("kfp", "models", "defaults")}
    out["apiVersion"] = API_VERSION
    kfp = dict(doc.get("kfp") or {}) if isinstance(doc.get("kfp"), dict) else doc.get("kfp")
    if isinstance(kfp, dict):
        moved = {k: kfp.pop(k) for k in _LEGACY_KFP_MOVES if k in kfp}
        if moved:
            out["platform"] = moved
            notes.extend(f"kfp.{k} → platform.{k}" for k in moved)
    if kfp is not None:
        out["kfp"] = kfp
    if "defaults" in doc:
        out["defaults"] = _convert_model(doc["defaults"], "defaults", notes)
    if "models" in doc:
        models = doc["models"]
        out["models"] = ([_convert_model(m, f"models[{i}]", notes) for i, m in enumerate(models)]
                         if isinstance(models, list) else models)
    return out, notes


# --------------------------------------------------------------------------- parsing
def _expanded_size(value: Any, limit: int) -> int:
    """How many values ``value`` expands to (aliases counted every time they are used), up to limit+1."""
    sizes: dict[int, int] = {}

    def size(v: Any) -> int:
        if not isinstance(v, dict | list):
            return 1
        if id(v) in sizes:
            return sizes[id(v)]
        children = v.values() if isinstance(v, dict) else v
        total = 1
        for child in children:
            total += size(child)
            if total > limit:
                break
        sizes[id(v)] = min(total, limit + 1)
        return sizes[id(v)]

    return size(value)


def _merge(defaults: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    """A model over the defaults: sections (mappings) merge one level deep, the model wins."""
    out = copy.deepcopy(defaults)
    for key, value in model.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = copy.deepcopy(value)
    return out


def _unknown(key: str, allowed: tuple[str, ...], where: str) -> str:
    close = difflib.get_close_matches(str(key), list(allowed), n=1)
    return f"{where}: unknown key; " + (f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}")


def _model(raw: Any, where: str, errors: list[str]) -> ModelSpec | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: expected a mapping, got {type(raw).__name__} {raw!r}; e.g. {{name: credit-default, "
                      "data: {uri: ..., target: ..., time_column: ...}, gate: {thresholds: {roc_auc: 0.7}}}")
        return None
    for key in raw:
        if key not in MODEL_KEYS:
            errors.append(_unknown(key, MODEL_KEYS, f"{where}.{key}"))
    name = raw.get("name")
    problem = (C.model_name(name) if isinstance(name, str) else "is required" if name is None
               else "expected text (quote it: YAML reads it as "
               + {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "a mapping"}.get(
                   type(name), type(name).__name__) + ")")
    if problem:
        errors.append(f"{where}.name: {problem}, got {raw.get('name')!r}; e.g. name: credit-default")
    tracking = raw.get("tracking_uri", "")
    if not isinstance(tracking, str):
        errors.append(f"{where}.tracking_uri: expected text, got {tracking!r}")
    spec = ModelSpec(name=str(raw.get("name") or ""), tracking_uri=tracking if isinstance(tracking, str) else "")
    for name, section in MODEL_SECTIONS.items():
        value = raw.get(name)
        if name in OPTIONAL_SECTIONS and not value:
            if name in raw and value not in (None, {}):
                errors.append(f"{where}.{name}: expected a mapping, got {value!r}")
            continue
        if name in ("monitoring", "scoring") and isinstance(value, dict) and "schedule" in value:
            value = dict(value)
            schedule = C.ScheduleConfig.parse(value.pop("schedule"), f"{where}.{name}.schedule", errors)
            setattr(spec, f"{name}_schedule", schedule)
        spec.sections[name] = section.parse(value, f"{where}.{name}", errors)
    training, gate = spec.sections.get("training"), spec.sections.get("gate")
    if training is not None and gate is not None:
        errors.extend(C.check_metrics(training, gate, require_thresholds=True, path=where))
    # a training section given but refused has no task to judge by (its own error says why)
    if spec.sections.get("data") is not None and gate is not None and (training is not None or not raw.get("training")):
        errors.extend(C.check_gate_columns(spec.sections["data"], gate, path=where,
                                           task=training.task if training is not None else ""))
    monitoring = spec.sections.get("monitoring")
    if training is not None and monitoring is not None:
        errors.extend(C.check_monitoring_metric(training, monitoring, path=where))
    return spec


def _metadata_name(metadata: Any, errors: list[str]) -> str:
    if metadata is None:
        return ""
    if not isinstance(metadata, dict):
        errors.append(f"metadata: expected a mapping, got {metadata!r}; e.g. metadata: {{name: team-credit}}")
        return ""
    for key in metadata:
        if key not in METADATA_KEYS:
            errors.append(_unknown(key, METADATA_KEYS, f"metadata.{key}"))
    name = metadata.get("name", "")
    if not isinstance(name, str) or (name and not (len(name) <= 63 and C.K8S_LABEL.match(name))):
        errors.append(f"metadata.name: must be a DNS-1123 label (lower-case letters, digits and '-', at most 63), "
                      f"got {name!r}; e.g. metadata: {{name: team-credit}}")
        return ""
    return name


def parse_spec(data: Any, path: str = "") -> Spec:
    """Validate a loaded spec; raises one ConfigError listing every problem with its path."""
    errors: list[str] = []
    notes: list[str] = []
    from ctloop.ops.params import too_deep

    if too_deep(data):  # the checks below recurse (a RecursionError from about 500 levels; forever in a cycle)
        raise _too_deep_error(path)
    if _expanded_size(data, MAX_NODES) > MAX_NODES:
        raise ConfigError(f"{path or 'spec'}: expands to more than {MAX_NODES} values (YAML aliases?): refusing it")
    if not isinstance(data, dict):
        raise ConfigError(f"{path or 'spec'}: expected a mapping with apiVersion, kind and models (see "
                          f"examples/ctloop.yaml), got {type(data).__name__}")
    errors.extend(_unexpanded_variables(data))
    if data.get("apiVersion") == LEGACY_API_VERSION:
        data, notes = convert_v1alpha1(data)
    for key in data:
        if key not in ROOT_KEYS:
            errors.append(_unknown(key, ROOT_KEYS, str(key)))
    if data.get("apiVersion") != API_VERSION:
        errors.append(f"apiVersion: expected {API_VERSION!r} (or the older {LEGACY_API_VERSION!r}), got "
                      f"{data.get('apiVersion')!r}")
    if data.get("kind") != KIND:
        errors.append(f"kind: expected {KIND!r}, got {data.get('kind')!r}")
    name = _metadata_name(data.get("metadata"), errors)
    kfp = C.KfpConfig.parse(data.get("kfp"), "kfp", errors) or C.KfpConfig()
    if isinstance(kfp.experiment, str) and kfp.experiment:
        from ctloop.ops.platform import check_name

        try:  # refused here, before apply uploads anything (KFP refused it only at the experiment's create)
            check_name(kfp.experiment, "kfp.experiment", "credit-ct", "experiment")
        except ConfigError as exc:
            errors.append(str(exc))
    platform = C.PlatformConfig.parse(data.get("platform"), "platform", errors) or C.PlatformConfig()
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        errors.append(f"defaults: expected a mapping of model keys, got {defaults!r}")
        defaults = {}
    if "name" in defaults:
        errors.append("defaults.name: every model needs its own name; move it into models[]")
    for key in defaults:
        if key not in MODEL_KEYS:
            errors.append(_unknown(key, MODEL_KEYS, f"defaults.{key}"))
    models_raw = data.get("models")
    if not isinstance(models_raw, list) or not models_raw:
        errors.append("models: required, a non-empty list of models; e.g. models: [{name: credit-default, "
                      "data: {uri: ..., target: ..., time_column: ...}, gate: {thresholds: {roc_auc: 0.7}}}]")
        models_raw = models_raw if isinstance(models_raw, list) else []
    models: list[ModelSpec] = []
    seen: set[str] = set()
    for i, raw in enumerate(models_raw):
        merged = _merge({k: v for k, v in defaults.items() if k in MODEL_KEYS and k != "name"}, raw) \
            if isinstance(raw, dict) else raw
        model = _model(merged, f"models[{i}]", errors)
        if model is None:
            continue
        if model.name and model.name in seen:
            errors.append(f"models[{i}].name: {model.name!r} is declared twice; model names must be unique")
        seen.add(model.name)
        models.append(model)
    if errors:
        where = f"{path}: " if path else ""
        raise problem_list(errors, header=f"{where}{len(errors)} problem(s) in the spec:", prefix=where, listed=True)
    return Spec(kfp=kfp, platform=platform, models=models, path=path, notes=notes, name=name)


# ${NAME}, ${NAME:-default} anywhere in a text value; $NAME (capitals) at the start of a text value too,
# except inside data.contract: there '$USD' is a value (an allowed currency code, a ticker), not a variable
_VARIABLE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:[-=?+:][^}]*)?\}")
_BARE_VARIABLE = re.compile(r"^\$[A-Z_][A-Z0-9_]+")


def _unexpanded_variables(data: Any) -> list[str]:
    """An environment variable written in a text value (``uri: ${DATA_BUCKET}/credit.parquet``), as
    Helm, docker compose or a shell would expand it: ctloop reads the file as it is, and the value was
    that text — a relative local path for a data URI, valid here, failing the nightly run on a
    cluster; an experiment named ``$KFP_EXPERIMENT``, made by apply. The bare ``$NAME`` is a value only
    in a data contract (``allowed: ['$USD']``, a description). One line per value, naming where and
    the variable (not the value: it may hold a secret)."""
    problems: list[str] = []
    # (value, where, the key it is under, inside a data contract)
    stack: list[tuple[Any, str, str, bool]] = [(data, "", "", False)]
    while stack:
        item, where, key, contract = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k), str(k),
                          contract or (key == "data" and k == "contract" and isinstance(v, dict | list)))
                         for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]", key, contract) for i, v in reversed(list(enumerate(item))))
        elif isinstance(item, str) and ((found := _VARIABLE.search(item)) or (
                not contract and (found := _BARE_VARIABLE.search(item)))):
            problems.append(f"{where}: {found[0]} is not expanded: ctloop reads ctloop.yaml as written, with no "
                            "environment variables, so the value would hold that text — write the value, or "
                            "expand the file first (envsubst < ctloop.yaml.in > ctloop.yaml)")
    return problems


class _RepeatedKey(Exception):
    def __init__(self, key: Any, line: int, first: int):
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


class _LongNumber(Exception):
    """A plain integer of more digits than Python converts (``sys.get_int_max_str_digits``, 4300): PyYAML's
    ``int()`` raised ValueError out of the loader, a traceback."""

    def __init__(self, digits: int, line: int, key: str):
        super().__init__(digits)
        self.digits, self.line, self.key = digits, line, key


class _NotTextKey(Exception):
    """A column's name (a key of ``columns:`` or ``column_thresholds:``) that YAML reads as no text, with the
    text as written: the advice to quote it must quote that, not YAML's reading (``1_000`` is 1000)."""

    def __init__(self, key: Any, written: str, line: int, mapping: str):
        super().__init__(written)
        self.key, self.written, self.line, self.mapping = key, written, line, mapping


# mappings whose keys are column names
_COLUMN_MAPPINGS = ("columns: ", "column_thresholds: ")


class _Yaml11Number(Exception):
    """A plain scalar that YAML 1.1 (PyYAML) reads as a number other than what YAML 1.2 and JSON read."""

    def __init__(self, text: str, line: int, reading: str, key: str):
        super().__init__(text)
        self.text, self.line, self.reading, self.key = text, line, reading, key


_BOOL_TAG = re.compile(r"(?i)^(yes|no|on|off|true|false)$")


def _as_text(node: Any, words: re.Pattern[str]) -> None:
    """Keep a plain scalar that YAML 1.1 resolved to a boolean as the text written, if it is one
    of ``words`` (before it is constructed)."""
    if node.tag == "tag:yaml.org,2002:bool" and getattr(node, "style", None) is None and words.match(node.value):
        node.tag = "tag:yaml.org,2002:str"


def _unique_keys_loader() -> type:
    """A SafeLoader that refuses a key given twice in one mapping (YAML keeps the last without a
    word: a second ``target:`` pasted under the first would train on the other column). Keys a merge
    (``<<: *anchor``) brings in may still be given again: that is how a merge is overridden."""
    import yaml

    class Loader(yaml.SafeLoader):
        def construct_document(self, node: Any) -> Any:
            # on the composed tree, before anything is built: constructing a mapping flattens its
            # merges into the merged node itself, whose keys would then look given twice
            todo, visited = [node], set()
            keys: dict[int, str] = {}  # a value node's key, to name it
            while todo:
                current = todo.pop()
                if id(current) in visited:
                    continue  # an alias: the anchored node is checked once
                visited.add(id(current))
                if isinstance(current, yaml.MappingNode):
                    seen: dict[Any, int] = {}
                    for key_node, value_node in current.value:
                        todo += [key_node, value_node]
                        keys[id(value_node)] = f"{key_node.value}: " if isinstance(key_node, yaml.ScalarNode) else ""
                        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                            continue
                        _as_text(key_node, _BOOL_TAG)  # a key is a name: `no:` is the column "no"
                        if key_node.value == "allowed" and isinstance(value_node, yaml.SequenceNode):
                            for item in value_node.value:  # the words as written: a text column holds
                                _as_text(item, _BOOL_TAG)  # them so; a true/false column maps them back
                        key = self.construct_object(key_node)
                        line = key_node.start_mark.line + 1
                        if not isinstance(key, str) and keys.get(id(current)) in _COLUMN_MAPPINGS:
                            raise _NotTextKey(key, key_node.value, line, keys[id(current)])
                        if key in seen:
                            raise _RepeatedKey(key, line, seen[key])
                        seen[key] = line
                elif isinstance(current, yaml.SequenceNode):
                    todo += current.value
                elif current.tag == "tag:yaml.org,2002:int" and sys.get_int_max_str_digits() and \
                        len(current.value) > sys.get_int_max_str_digits():
                    raise _LongNumber(len(current.value), current.start_mark.line + 1, keys.get(id(current), ""))
                elif (reading := C.yaml11_reading(current)) is not None and reading.misread:
                    # ``seed: 010`` trained with seed 8, ``min_labels: 1:30`` read 90, and a text
                    # field said "got 90" of what was written ``1:30``
                    raise _Yaml11Number(current.value, current.start_mark.line + 1, reading.says,
                                        keys.get(id(current), ""))
            return super().construct_document(node)

    # YAML 1.2 (and JSON) numbers in scientific notation that YAML 1.1 (PyYAML) reads as text: 1e-3,
    # 1.0e9, 1.5E5 (1.1 wants a point and a signed exponent). A hyperparameter ``C: 1e-3`` reached
    # scikit-learn as the string '1e-3'. Resolved after PyYAML's own int and float patterns.
    Loader.add_implicit_resolver("tag:yaml.org,2002:float",
                                 re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
                                 list("-+0123456789."))
    return Loader


# YAML 1.2 section 5.2: a YAML processor reads UTF-8 and UTF-16 (and UTF-32, for JSON), told apart by the
# byte-order mark; Windows PowerShell 5 (`Get-Content ... > ctloop.yaml`, `Out-File`) writes UTF-16 with one
_YAML_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
              (b"\xfe\xff", "utf-16"), (b"\xef\xbb\xbf", "utf-8-sig"))


def _spec_text(data: bytes) -> str:
    """The text of a spec file: UTF-8, or the encoding its byte-order mark names (before, a UTF-16 file
    was "not a text file")."""
    codec = next((name for bom, name in _YAML_BOMS if data.startswith(bom)), "utf-8")
    return data.decode(codec)


def load_spec(path: str | Path) -> Spec:
    import yaml

    p = Path(path)
    try:
        if not p.exists():
            raise ConfigError(f"spec file {p} does not exist (see examples/ctloop.yaml)")
        if p.is_dir():
            raise ConfigError(f"spec file {p} is a directory; give the ctloop.yaml file")
        size = p.stat().st_size
        if size <= MAX_BYTES:  # a device or pipe says 0 (-f /dev/zero read until the kernel killed it): read
            with p.open("rb") as f:  # one byte past the bound, and refuse what is longer
                data = f.read(MAX_BYTES + 1)
            size = max(size, len(data))
        if size > MAX_BYTES:
            held = f"holds {size / 1e6:.0f} MB, more than" if size > MAX_BYTES + 1 else "holds more than"
            raise ConfigError(f"spec file {p} {held} a spec's {MAX_BYTES / 1e6:.0f} MB: is it the right file?")
        text = _spec_text(data)
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{p} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on line {line}, a file "
                          "saved in another encoding?): save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"spec file {p}: cannot read it: {exc.strerror or exc}") from exc
    try:
        data = yaml.load(text, Loader=_unique_keys_loader())  # noqa: S506 - a SafeLoader
    except _RepeatedKey as exc:
        raise ConfigError(f"{p} line {exc.line}: {exc.key!r} is given twice in one mapping (first on line "
                          f"{exc.first}): YAML would keep only the last; remove one") from None
    except _NotTextKey as exc:
        from ctloop.contract import not_text_key

        raise ConfigError(f"{p} line {exc.line}: {exc.mapping}{not_text_key(exc.key, exc.written)}") from None
    except _LongNumber as exc:
        raise ConfigError(f"{p} line {exc.line}: {exc.key}{C.long_number(exc.digits)}") from None
    except _Yaml11Number as exc:
        raise ConfigError(f"{p} line {exc.line}: {exc.key}{exc.text} is {exc.reading}: write the number meant without a "
                          f"leading 0 or colon, or quote '{exc.text}' for text") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p} is not valid YAML: {' '.join(str(exc).split())}") from exc
    except RecursionError:  # PyYAML's composer and constructor recurse once per level
        raise _too_deep_error(p) from None
    return parse_spec(data, str(p))


def _too_deep_error(path: Any) -> ConfigError:
    from ctloop.ops.params import MAX_NESTING

    return ConfigError(f"{path or 'spec'}: a value nests deeper than {MAX_NESTING} levels of lists/mappings (or "
                       "holds itself through a YAML alias); no spec needs that: is it the right file?")


# --------------------------------------------------------------------------- pipeline parameters
def pipeline_parameters(model: ModelSpec) -> dict[str, Any]:
    """The ``continuous-training`` pipeline parameters for one declared model."""
    params: dict[str, Any] = {"model_name": model.name, "tracking_uri": model.tracking_uri}
    for name in ("data", "training", "gate", "drift", "rollout"):
        section = model.section(name) if name != "rollout" else (model.sections.get("rollout") or C.RolloutConfig())
        params[name] = C.nulls_as_off(section.to_dict())
    return params


def monitoring_parameters(model: ModelSpec, spec: Spec) -> dict[str, Any]:
    """The ``monitoring`` pipeline parameters for one declared model (it needs a ``monitoring`` section)."""
    monitoring = model.sections.get("monitoring")
    if monitoring is None:
        raise ConfigError(f"model {model.name!r} has no monitoring section: add monitoring: {{log_root: ...}}")
    return {"model_name": model.name, "monitoring": C.nulls_as_off(monitoring.to_dict()),
            "training_parameters": pipeline_parameters(model), "experiment": spec.kfp.experiment,
            "tracking_uri": model.tracking_uri}


def scoring_parameters(model: ModelSpec) -> dict[str, Any]:
    """The ``batch-scoring`` pipeline parameters for one declared model (it needs a ``scoring`` section)."""
    scoring = model.sections.get("scoring")
    if scoring is None:
        raise ConfigError(f"model {model.name!r} has no scoring section: add scoring: {{data: ..., output: ...}}")
    return {"model_name": model.name, "scoring": C.nulls_as_off(scoring.to_dict()), "tracking_uri": model.tracking_uri}


__all__ = ["API_VERSION", "LEGACY_API_VERSION", "KIND", "Spec", "ModelSpec", "parse_spec", "load_spec",
           "convert_v1alpha1", "pipeline_parameters", "monitoring_parameters", "scoring_parameters"]
