"""Request payloads → feature frames and predictions → response bodies, for the ctloop serving
runtime. No kserve import.

Accepted (KServe v1 and v2 protocols):

* v1 ``{"instances": [{"income": 1.0, ...}, ...]}`` (rows as objects), or
  ``{"instances": [[1.0, "north", ...], ...]}`` (rows as lists in the model's feature order);
* v2 ``{"inputs": [{"name": "income", "shape": [n], "datatype": "FP64", "data": [...]}, ...]}``
  (one tensor per feature column), or one tensor of shape ``[n, k]`` holding the k features in the
  model's order, its data nested (``[[...], ...]``) or flat row-major.

Answered: v1 ``{"predictions": [...], "model_name": ..., "model_version": ...}`` and v2 outputs
with ``model_name``/``model_version``. The inference log sink reads ``model_version`` from the
logged response to tell the revisions of a canary apart (KServe's ``ce-source`` cannot).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from ctloop.errors import ServingError
from ctloop.storage import NumbersAsText, numbers_as_text, plain_missing


def _tensor_columns(tensor: dict[str, Any]) -> list[list[Any]]:
    """One v2 tensor → its columns: shape [n] or [n, 1] one column, [n, k] k columns."""
    name, data, shape = tensor.get("name"), tensor.get("data"), tensor.get("shape")
    if not isinstance(data, list):
        raise ServingError(f"input tensor {name!r}: 'data' must be a list")
    nested = bool(data) and isinstance(data[0], list)
    if (not isinstance(shape, list) or not 1 <= len(shape) <= 2
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
        raise ServingError(f"input tensor {name!r}: shape {_shown(shape)} is not [n] or [n, k] (whole numbers >= 0)")
    n, k = (shape[0], 1) if len(shape) == 1 else shape
    # the sizes are checked before any row is built: KServe passes a v2 REST tensor's shape as sent
    # (kserve v0.20.0 python/kserve/kserve/protocol/infer_type.py InferInput), and slicing
    # [10**15, 2] out of two values built empty rows until the pod ran out of memory
    if len(data) != (n if nested else n * k):
        raise ServingError(f"input tensor {name!r}: data does not match shape {_shown(shape)}")
    rows = data if nested else [data[i * k:(i + 1) * k] for i in range(n)] if k > 1 else [[v] for v in data]
    if any(not isinstance(r, list) or len(r) != k for r in rows):
        raise ServingError(f"input tensor {name!r}: data does not match shape {_shown(shape)}")
    return [[r[j] for r in rows] for j in range(k)]


def refuse_nan(name: str, data: Any) -> None:
    """A V2 JSON ``data`` list holding NaN: refused as V1 refuses it. NaN is no JSON number (RFC
    8259); KServe v0.20.0 parses a V1 body with orjson, which refuses it, but a V2 REST body with
    Starlette's ``json.loads``, which accepts it — the same value was refused on V1 and served as
    a missing value on V2. ``null`` is the missing value of both JSON protocols. Not for gRPC: its
    ``fp64_contents`` have no null, and NaN is how a missing value is sent there."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and item != item:
            raise ServingError(f"input tensor {name!r}: NaN is not a JSON number (RFC 8259); send null for a "
                               "missing value")


def tensor_text(name: str, datatype: str, data: Any) -> Any:
    """A V2 tensor's ``data`` as :func:`to_frame` reads it: the elements of a ``BYTES`` tensor as
    text. A JSON body carries them as strings; gRPC (``bytes_contents``) and binary tensors carry
    bytes (KServe v0.20.0 ``protocol/infer_type.py`` ``get_content``, ``deserialize_bytes_tensor``),
    which are read as UTF-8 — as bytes they were refused for every text feature."""
    if datatype != "BYTES":
        return data

    def text(value: Any) -> Any:
        if isinstance(value, list):
            return [text(v) for v in value]
        if isinstance(value, bytes | bytearray):
            try:
                return bytes(value).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ServingError(f"input tensor {name!r}: a BYTES element is not UTF-8 text ({exc.reason} at byte "
                                   f"{exc.start})") from exc
        return value

    return text(data)


def _json_text(value: Any) -> str:
    """``value`` as JSON text, shortened (a message shows what was sent, not Python's repr)."""
    import json

    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def instances(payload: Any) -> int:
    """How many instances a payload holds, as far as it can be told (at least 1): for counting
    refused requests in the same unit as served ones."""
    if isinstance(payload, dict):
        rows = payload.get("instances")
        if isinstance(rows, list):
            return max(len(rows), 1)
        tensors = payload.get("inputs")
        if isinstance(tensors, list) and tensors and isinstance(tensors[0], dict):
            shape, data = tensors[0].get("shape"), tensors[0].get("data")
            if (isinstance(shape, list) and shape and isinstance(shape[0], int) and not isinstance(shape[0], bool)
                    and shape[0] > 0):
                # no more than the values sent: a refused tensor's shape is only what it claims
                return min(shape[0], len(data)) if isinstance(data, list) and data else shape[0]
    return 1


def decode(body: Any) -> Any:
    """A V1 request body as KServe hands it to ``Model.predict``: already decoded (any JSON value:
    KServe v0.20.0 ``DataPlane.decode`` parses a JSON content type with orjson), or the raw bytes
    of another content type (``text/plain``), parsed here as orjson would — NaN and Infinity are
    not JSON numbers (RFC 8259), and ``application/json`` refuses them the same way."""
    if not isinstance(body, bytes | bytearray):
        return body
    import json

    def constant(name: str) -> Any:
        raise ServingError(f"the body is not JSON: {name} is not a JSON number (RFC 8259); send null for a "
                           "missing value")

    try:
        return json.loads(body, parse_constant=constant)
    except UnicodeDecodeError as exc:
        raise ServingError(f"the body is not JSON: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except ValueError as exc:
        raise ServingError(f"the body is not JSON: {exc}") from exc
    except RecursionError as exc:  # orjson stops at a depth of 1024 with a JSONDecodeError (KServe's 400)
        raise ServingError("the body is JSON nested too deep to read (orjson, which KServe reads "
                           "application/json with, allows 1024 levels)") from exc


def _is_flag(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and value != value)


def flag_features(text: Iterable[str], trained: Mapping[str, Iterable[object]]) -> tuple[list[str], list[str]]:
    """``(no_flags, flags)`` of the ``text`` features the fitted encoder learnt categories for
    (``trained``: :func:`ctloop.storage.trained_categories` of the model): ``no_flags`` hold no
    True/False among them (trained on text: a JSON ``true`` matches none), ``flags`` nothing else
    (a True/False column, ``train.core._bools_as_categories``: only ``true``/``false`` match —
    ``"true"``, ``"True"``, ``1`` or ``0`` matched none). :func:`to_frame` refuses what would
    match nothing in either; a feature whose categories mix both takes any single value."""
    no_flags: list[str] = []
    flags: list[str] = []
    for column in text:
        if column not in trained:
            continue
        known = [v for v in trained[column] if not _is_missing(v)]
        if not any(_is_flag(v) for v in known):
            no_flags.append(column)
        elif all(_is_flag(v) for v in known):
            flags.append(column)
    return no_flags, flags


def numbers_read_as_text(text: Iterable[str], trained: Mapping[str, Iterable[object]]) -> list[str]:
    """The ``text`` features whose numbers are read as text (:func:`ctloop.storage.numbers_as_text`):
    all but those whose trained categories (``trained``: :func:`ctloop.storage.trained_categories`)
    are numbers only — a category column of codes 1..5 (pandas ``category`` dtype, as a Parquet
    dictionary column reads back): its encoder learnt the number 1, and read as the text '1' every
    row was an unknown category, the feature ignored. The one rule of the serving runtime and batch
    scoring (``ctloop.scoring``)."""
    out = []
    for column in text:
        known = [v for v in trained.get(column, ()) if not _is_missing(v) and not _is_flag(v)]
        if not known or any(isinstance(v, str) for v in known):
            out.append(column)
    return out


# text written as a decimal number: '1', '01', '1.0', '-2.50', '1e3' (around spaces; no '1_000', no 'nan')
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def trained_codes(text: Iterable[str], trained: Mapping[str, Iterable[object]]) -> dict[str, dict[Decimal, list[object]]]:
    """The ``text`` features the one-hot encoder learnt codes held as numbers in (a category column of
    1..5: those :func:`numbers_read_as_text` leaves out), each with its codes by their exact decimal
    value (``{Decimal(1): [1], ...}``): what :func:`text_as_codes` reads text sent there as."""
    from ctloop.storage import _number_value

    wanted = set(numbers_read_as_text(text, trained))
    out: dict[str, dict[Decimal, list[object]]] = {}
    for column in text:
        known = [v for v in trained.get(column, ()) if not _is_missing(v) and not _is_flag(v)]
        if column in wanted or not known:
            continue
        codes: dict[Decimal, list[object]] = {}
        for code in known:
            codes.setdefault(_number_value(code), []).append(code.item() if isinstance(code, np.generic) else code)
        out[column] = codes
    return out


def null_word(value: Any) -> bool:
    """Whether ``value`` is text ``pandas.read_csv`` reads as missing: its ``na_values`` default
    (``'nan'``, ``'NaN'``, ``'<NA>'``, ``'None'``, ``'NULL'``, ``'NA'``, ``'N/A'``, ``''``: STR_NA_VALUES in
    pandas/_libs/parsers.pyx, pandas 2.3.3), around spaces, and ``'nan'`` in any case or sign — what
    ``astype(str)`` of a float column with a gap writes (``'nan'``), or of a nullable one (``'<NA>'``).
    The one list of "null words" of the gate (``evaluate.core._words_as_missing``) and of
    :func:`text_as_codes` (the serving runtime and batch scoring). ``'inf'`` is none: a word."""
    from pandas._libs.parsers import STR_NA_VALUES

    if not isinstance(value, str):
        return False
    text = value.strip()
    return text in STR_NA_VALUES or text.lstrip("+-").lower() == "nan"


@dataclass
class CodesAsText:
    """What :func:`text_as_codes` did to one column: ``read``, the text values read as the trained code
    of their value; ``gaps``, the null words read as missing (:func:`null_word`); ``unknown``, the
    values, text or numbers, that are no trained code (no code of that value, several, or no number:
    scored as an unknown category, the feature ignored) and the first of them, ``example``."""

    read: int = 0
    gaps: int = 0
    unknown: int = 0
    example: Any = None  # the first value that is no code

    def add(self, other: CodesAsText) -> None:
        self.read += other.read
        self.gaps += other.gaps
        self.unknown += other.unknown
        if self.example is None:
            self.example = other.example

    def problem(self, codes: Mapping[Decimal, list[object]]) -> str:
        """The first value that is no code and what it is not, e.g. ``'x', none of the codes 1, 2, 3 it
        was trained on (numbers)`` (``codes``: :func:`trained_codes` of the feature)."""
        shown = sorted((c for cs in codes.values() for c in cs), key=lambda c: (float(c), str(c)))  # type: ignore[arg-type]
        listed = ", ".join(str(c) for c in shown[:8]) + (", …" if len(shown) > 8 else "")
        return f"{_shown(self.example)}, none of the codes {listed} it was trained on (numbers)"


def text_as_codes(values: Any, codes: Mapping[Decimal, list[object]], counts: CodesAsText) -> Any:
    """``values`` (a pandas Series) of a feature the model learnt as codes held as numbers (``codes``:
    :func:`trained_codes`), as the serving runtime (:func:`to_frame`), batch scoring (``ctloop.scoring``)
    and the evaluation gate (``evaluate.core._numbers_as_served``) read them — one rule:

    * text written as a number (``'1'``, ``'01'``, ``' 1.0'``: a JSON string, a v2 BYTES tensor, a Parquet
      string column) is the code of its value when exactly one code has it (as text every row was an
      unknown category, the feature ignored without a word), counted in ``counts.read``;
    * a null word (:func:`null_word`: ``'nan'``, ``'<NA>'``, ``''``: ``astype(str)`` of a column with gaps)
      is missing (NaN), as the gate and ``pandas.read_csv`` read it, counted in ``counts.gaps``;
    * any other value, text (``'x'``, ``'9'``) or number (``9``, ``0``), that is no code is an unknown
      category: given as it is, which the one-hot encoder scores as it scores any unknown category (the
      feature ignored, or as its pooled infrequent values), as it does an unknown category of a text
      feature and a number that is no category there (:func:`ctloop.storage.numbers_as_text`); counted
      in ``counts.unknown`` (the runtime's
      ``ctloop_text_as_codes_total{outcome="unknown"}`` and a warning, batch scoring's note).

    Missing values and true/false as given (the callers refuse true/false there)."""
    import numbers

    from ctloop.storage import _number_value

    seen: dict[object, object] = {}

    def code_of(value: object) -> object:
        if _is_missing(value) or _is_flag(value):
            return value
        key = (type(value), value)
        if key not in seen:
            if isinstance(value, str):
                text = value.strip()
                if null_word(value):
                    seen[key] = _GAP
                else:
                    found = codes.get(Decimal(text), []) if _DECIMAL_TEXT.fullmatch(text) else []
                    seen[key] = found[0] if len(found) == 1 else _UNKNOWN
            elif isinstance(value, numbers.Number | Decimal):
                seen[key] = value if _number_value(value) in codes else _UNKNOWN
            else:
                seen[key] = _UNKNOWN
        code = seen[key]
        if code is _GAP:
            counts.gaps += 1
            return np.nan
        if code is _UNKNOWN:
            counts.unknown += 1
            if counts.example is None:
                counts.example = value.item() if isinstance(value, np.generic) else value
            return value
        if isinstance(value, str):
            counts.read += 1
        return code

    out = values.astype(object).map(code_of).astype(object)
    # numbers (a JSON int column, a Parquet int64 one) counted and kept as they are; text (object, string or
    # category dtype: a Parquet dictionary column) read
    return values if getattr(values.dtype, "kind", "O") in "iufc" else out


_GAP = object()
_UNKNOWN = object()


def to_frame(payload: dict[str, Any], features: list[str], numeric: list[str] | tuple[str, ...] = (),
             text: list[str] | tuple[str, ...] = (), categories: Mapping[str, Any] | None = None,
             counts: dict[str, NumbersAsText] | None = None, no_flags: Iterable[str] = (),
             flags: Iterable[str] = (), codes: Mapping[str, Mapping[Decimal, list[object]]] | None = None,
             read_codes: dict[str, CodesAsText] | None = None):
    """The feature frame of a v1/v2 payload, columns in the model's order.

    ``numeric`` columns must hold numbers (or null): a value such as ``"abc"`` raises a
    :class:`ServingError` naming the column, the instance and the value — a bad request (HTTP
    400), not a model failure counted against the serving revision. ``text``: the features the
    model was trained on as text (its meta's ``categorical``); a number sent for one is read as
    text (:func:`ctloop.storage.numbers_as_text`) — as the number it matched no category the
    one-hot encoder learnt, and the feature was ignored: the trained category of its value when
    exactly one has it (``categories``: feature → its :func:`ctloop.storage.number_categories`
    of the encoder's categories; 3 → '3.0', 1 → '01'), else its own text (3 → '3'). ``counts``
    (feature → :class:`ctloop.storage.NumbersAsText`) adds up what was read so. ``no_flags``: the
    text features whose trained categories hold no True/False (the runtime's, from the fitted
    encoder): a JSON ``true``/``false`` there matches no category — the one-hot encoder ignored the
    feature, a prediction without it — and is refused naming the feature (a column trained on
    True/False, ``train.core._bools_as_categories``, takes them). ``flags``: the text features
    trained on True/False alone: anything but ``true``/``false`` (or null) there — ``"true"``,
    ``"True"``, ``1``, ``0`` — matches no category either, and is refused the same way. Both
    from :func:`flag_features`. ``codes``: the features learnt as codes held as numbers
    (:func:`trained_codes`): text sent there (``"1"``, ``"01"``, a v2 BYTES tensor's ``b"1"``) is
    the code of its value, a null word (``"nan"``) missing, and a value that is no code — text or
    number alike — an unknown category (:func:`text_as_codes`), all counted in ``read_codes``.
    """
    try:
        return _to_frame(payload, features, numeric, text, categories, counts, set(no_flags), set(flags),
                         codes or {}, read_codes)
    except OverflowError as exc:  # an integer beyond float range (JSON allows any number of digits)
        raise ServingError(f"a number in the payload is too large for a float (over 1.8e308): {exc}") from exc


def _to_frame(payload, features, numeric, text, categories, counts, no_flags=frozenset(), flags=frozenset(),
              codes=None, read_codes=None):
    import pandas as pd

    if not isinstance(payload, dict):  # a JSON list, string, number or null: `in` failed or misread it
        got = "null" if payload is None else _json_text(payload)
        raise ServingError(f"the payload must be a JSON object with 'instances' (v1) or 'inputs' (v2); got {got}")
    if "instances" in payload:
        rows = payload["instances"]
        if not isinstance(rows, list) or not rows:
            raise ServingError("'instances' must be a non-empty list")
        as_objects = isinstance(rows[0], dict)
        odd = next((i for i, r in enumerate(rows) if not isinstance(r, dict if as_objects else list)), None)
        if odd is not None:  # a mix raised AttributeError deep in pandas: a 500 counted against the revision
            raise ServingError(f"'instances' must all be objects (feature: value) or all be lists of "
                               f"{len(features)} values; instance {odd} is {_shown(rows[odd])}")
        if as_objects:
            # every row names every feature (null: missing): pandas filled a key one row lacked with
            # NaN when another row had it, so a typo served that row without the feature — while
            # the same row alone was refused (missing feature)
            wanted = set(features)
            lacking = next(((i, r) for i, r in enumerate(rows) if not wanted <= r.keys()), None)
            if lacking is not None and len(rows) > 1:
                i, row = lacking
                gone = [f for f in features if f not in row]
                unknown = [k for k in row if k not in wanted]
                raise ServingError(f"instance {i} lacks feature(s) {gone}"
                                   + (f" (it has unknown key(s) {_shown(unknown)})" if unknown else "")
                                   + "; send null for a missing value")
            frame = pd.DataFrame(rows)
        else:
            if any(len(r) != len(features) for r in rows):
                raise ServingError(f"each instance needs {len(features)} values in this order: {', '.join(features)}")
            frame = pd.DataFrame(rows, columns=features)
    elif "inputs" in payload:
        tensors = payload["inputs"]
        if not isinstance(tensors, list) or not tensors or not all(
                isinstance(t, dict) and isinstance(t.get("name"), str) for t in tensors):
            raise ServingError(f"'inputs' must be a non-empty list of tensors, each an object with a "
                               f"'name' (text), 'shape' and 'data'; got {_shown(tensors)}")
        columns = {}
        for tensor in tensors:
            cols = _tensor_columns(tensor)
            names = [tensor["name"]] if len(cols) == 1 else features if len(cols) == len(features) else []
            if twice := [f for f in names if f in columns]:  # the later one silently replaced the first
                raise ServingError(f"input tensor {tensor['name']!r}: feature(s) {twice} already sent by another tensor")
            if len(cols) == 1:
                columns[tensor["name"]] = cols[0]
            elif len(cols) == len(features):  # one [n, k] tensor: the features in the model's order
                columns.update(zip(features, cols, strict=True))
            else:
                raise ServingError(f"input tensor {tensor['name']!r} has {len(cols)} columns; a [n, k] tensor needs "
                                   f"k = {len(features)} in this order: {', '.join(features)}")
        lengths = {len(c) for c in columns.values()}
        if len(lengths) > 1:  # pandas' "All arrays must be of the same length"
            raise ServingError("input tensors hold different numbers of instances: "
                               + ", ".join(f"{name!r} {len(c)}" for name, c in columns.items()))
        if lengths == {0}:  # as 'instances': [] is: the model's "0 sample(s)" was a 500 of the revision
            raise ServingError("'inputs' hold no instances (shape [0])")
        frame = pd.DataFrame(columns)
    else:
        raise ServingError("payload needs 'instances' (v1) or 'inputs' (v2)")
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise ServingError(f"missing feature(s) {missing}")
    frame = frame[features]
    numeric, text = set(numeric), set(text)
    for column in features:
        values = frame[column]
        if column in numeric:
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                as_numbers = values
                bad = pd.Series(False, index=values.index)
            else:  # text such as "1.5" (a BYTES tensor) is a number; "abc", true, [1] are not
                as_numbers = pd.to_numeric(values.where(~values.map(lambda v: isinstance(v, bool))),
                                           errors="coerce")
                bad = as_numbers.isna() & values.notna()
            bad |= as_numbers.isin([np.inf, -np.inf])  # "inf" parses; the model refuses infinity
            what = "a finite number"
        else:
            bad = values.map(lambda v: v is not None and not isinstance(v, str | int | float))
            if column in no_flags:  # true/false for a feature trained on text: no category has it
                bad |= values.map(_is_flag)
            elif column in flags:  # anything but true/false for a feature trained on them: none has it
                bad |= values.map(lambda v: not _is_flag(v) and not _is_missing(v))
            # a number for a feature trained as text: its text ('3'), which the encoder learnt
            if column in text and not bad.any():
                seen = NumbersAsText() if counts is not None else None
                as_numbers = numbers_as_text(values, (categories or {}).get(column), seen)
                if seen is not None and seen.numbers:
                    counts.setdefault(column, NumbersAsText()).add(seen)
            elif column in codes and not bad.any():  # text for codes learnt as numbers: the code of its value
                tally = CodesAsText()
                as_numbers = text_as_codes(values, codes[column], tally)
                if read_codes is not None and (tally.read or tally.gaps or tally.unknown):
                    read_codes.setdefault(column, CodesAsText()).add(tally)
            else:
                as_numbers = values
            what = (_codes_wanted(codes[column]) if column in no_flags and column in codes
                    else "a single value (text or number; it was trained on text, not true/false)" if column in no_flags
                    else "true or false (JSON booleans: it was trained on true/false, and no other value, not "
                         "even \"true\" or 1, matches them)" if column in flags
                    else "a single value (text or number)")
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            value = values.iloc[i].item() if isinstance(values.iloc[i], np.generic) else values.iloc[i]
            raise ServingError(f"feature {column!r} must be {what}; instance {i} has {value!r}"
                               + (f" ({int(bad.sum())} instances in all)" if bad.sum() > 1 else ""))
        if as_numbers is not values:
            frame = frame.assign(**{column: as_numbers})
    return plain_missing(frame)  # a JSON null in a text feature: NaN, as training read the gaps


def _codes_wanted(known: Mapping[Decimal, list[object]]) -> str:
    """What a feature trained on codes held as numbers (``known``: :func:`trained_codes`) takes, for the
    refusal of a JSON true/false there: a code, as a number or its text, e.g. ``1, 2, 3``."""
    shown = sorted(known)
    listed = ", ".join(str(v) for v in shown[:5]) + (", ..." if len(shown) > 5 else "")
    return (f"a code as a number or its text ({listed}; it was trained on codes held as numbers, and true/false "
            "is none of them)")


def v1_response(predictions: list[Any], model_name: str, model_version: str) -> dict[str, Any]:
    """``{"predictions": [...]}`` as before, plus which model and version answered."""
    return {"predictions": predictions, "model_name": model_name, "model_version": model_version}


def _datatype(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "BOOL"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "INT64"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "FP64"
    return "BYTES"


def v2_response(predictions: list[Any], model_name: str, model_version: str, response_id: str) -> dict[str, Any]:
    """The v2 REST response: one output tensor ``predictions`` of shape [n] or [n, k] (flat
    row-major data), ``model_version`` null when the version is not known."""
    if predictions and isinstance(predictions[0], list):
        shape = [len(predictions), len(predictions[0])]
        data = [v for row in predictions for v in row]
    else:
        shape, data = [len(predictions)], list(predictions)
    return {"id": response_id, "model_name": model_name, "model_version": model_version or None,
            "outputs": [{"name": "predictions", "shape": shape, "datatype": _datatype(data), "data": data}]}


__all__ = ["CodesAsText", "decode", "flag_features", "instances", "null_word", "refuse_nan", "tensor_text",
           "text_as_codes", "to_frame", "trained_codes", "v1_response", "v2_response"]
