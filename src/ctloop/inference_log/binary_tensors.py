"""The Open Inference Protocol's binary tensor data extension, decoded back into JSON tensors.

A v2 client (tritonclient, KServe's ``InferenceRESTClient``) may send a JSON header followed by
raw tensor bytes, with ``Inference-Header-Content-Length: <bytes of the JSON>`` and each binary
tensor marked by ``parameters.binary_data_size``; KServe's v2 server reads such requests
(``InferRequest.from_bytes``, ``python/kserve/kserve/protocol/infer_type.py`` at v0.20.0) and
answers the same way when binary outputs are asked for (``InferResponse.to_rest``). KServe's agent
logs both bodies as they are, but not that header: ``pkg/logger/handler.go`` (v0.20.0) copies only
the ``logger.metadataHeaders`` of the request, and no header of the response. So the JSON's end
is found by parsing it (:func:`split`), and the bytes after it are handed out to the tensors with
a ``binary_data_size``, in order, as KServe does:

* request inputs: a tensor with ``data`` keeps it and takes no bytes (``from_bytes`` reads
  ``data`` first); response outputs: ``binary_data_size`` wins (``InferResponse.from_bytes``);
* ``BOOL`` one byte each (non-zero is true); ``INT8`` … ``UINT64``, ``FP16``/``FP32``/``FP64``
  little-endian, row-major; ``BYTES`` elements each a 4-byte little-endian length and that many
  bytes (``serialize_byte_tensor``): UTF-8 text as it is, as a JSON body carries it (so one element
  is stored alike from either format), other bytes (an encoded image, which Triton takes; KServe's
  own ``set_data_from_numpy(binary_data=False)`` refuses them) as the data URL
  :data:`BINARY_ELEMENT` + their base64 (JSON holds text only). A UTF-8 element that itself starts
  with that prefix reads like such a stored element: the two cannot be told apart.

The decoded tensor gets its values as ``data`` and loses ``binary_data_size`` (what KServe's
``from_bytes`` leaves), so the rest of the sink sees an ordinary JSON v2 body. Anything that does
not add up (a size past the body's end, bytes left over, a byte count that is not the shape's
element count times the element size, an unknown datatype) is a :class:`BinaryTensorError`
naming the tensor and what is wrong. Pure functions, no I/O.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

import orjson

from ctloop.errors import InferenceLogError

# element format (struct, little-endian) and size of each fixed-size datatype
# (``to_np_dtype``, python/kserve/kserve/utils/numpy_codec.py at v0.20.0)
FIXED = {"BOOL": ("B", 1), "INT8": ("b", 1), "INT16": ("h", 2), "INT32": ("i", 4), "INT64": ("q", 8),
         "UINT8": ("B", 1), "UINT16": ("H", 2), "UINT32": ("I", 4), "UINT64": ("Q", 8),
         "FP16": ("e", 2), "FP32": ("f", 4), "FP64": ("d", 8)}
DATATYPES = (*FIXED, "BYTES")
# a BYTES element that is no UTF-8 text (an encoded image, which Triton's BYTES inputs take; KServe's
# Python server refuses it, ``InferInput.set_data_from_numpy(binary_data=False)`` at v0.20.0), stored as
# an RFC 2397 data URL of its bytes: JSON and Parquet strings hold text only. A UTF-8 element is its
# text, as in a JSON body, even one that starts with "data:": the text
# "data:application/octet-stream;base64,/9j/" reads like the stored bytes ff d8 ff (documented)
BINARY_ELEMENT = "data:application/octet-stream;base64,"


class BinaryTensorError(InferenceLogError, ValueError):
    """A body whose binary tensor data does not add up (the message names the tensor)."""


class TooManyValues(BinaryTensorError):
    """Binary tensor data that would decode into more values than the sink takes: the sink's
    memory goes by values (~300 bytes each at the join and flush), and one byte of a binary
    ``INT8``/``BOOL`` tensor is a whole value. ``count``: the values the shapes hold."""

    def __init__(self, message: str, count: int):
        super().__init__(message)
        self.count = count


def split(body: bytes) -> tuple[dict[str, Any], bytes] | None:
    """``(header, tail)``: the JSON object the body starts with, parsed, and the bytes after it;
    None when the body does not start with a whole JSON object (it is no binary tensor body).

    The end is found on the body read as latin-1 (one character per byte, so the index is a byte
    offset; JSON's own syntax is ASCII), then the header is parsed again as the UTF-8 it must be:
    a header that is not is a :class:`BinaryTensorError`."""
    if body[:64].lstrip(b" \t\r\n")[:1] != b"{":
        return None
    text = body.decode("latin-1")
    start = len(text) - len(text.lstrip(" \t\r\n"))
    try:
        _, end = json.JSONDecoder().raw_decode(text, start)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not body[end:].strip(b" \t\r\n"):
        return None  # JSON and nothing after it: no binary data (NaN, which Python's parser takes)
    try:
        header = orjson.loads(body[:end])
    except orjson.JSONDecodeError as exc:
        raise BinaryTensorError(f"the JSON header ({end} bytes) before {len(body) - end} bytes of binary data is "
                                f"not UTF-8 JSON: {exc}") from exc
    return header, body[end:]


def has_binary(payload: Any, kind: str) -> bool:
    """Whether any tensor of ``payload`` (a request's inputs, a response's outputs) has a
    ``binary_data_size`` it would read (see the module docstring)."""
    tensors = payload.get("inputs" if kind == "request" else "outputs") if isinstance(payload, dict) else None
    return isinstance(tensors, list) and any(_size_of(t, kind) is not None for t in tensors)


def _size_of(tensor: Any, kind: str) -> Any:
    if not isinstance(tensor, dict) or (kind == "request" and "data" in tensor):
        return None
    params = tensor.get("parameters")
    return params.get("binary_data_size") if isinstance(params, dict) else None


def decode(payload: dict[str, Any], tail: bytes, kind: str, max_values: int | None = None) -> dict[str, Any]:
    """``payload`` with each binary tensor's values from ``tail`` as its ``data`` (a new dict;
    ``payload`` is not changed). Raises :class:`BinaryTensorError`, :class:`TooManyValues` when
    the binary tensors' shapes hold more than ``max_values`` values (checked before decoding)."""
    key = "inputs" if kind == "request" else "outputs"
    tensors = payload.get(key)
    if not isinstance(tensors, list):
        raise BinaryTensorError(f"{len(tail)} bytes of binary data follow the JSON, but it has no '{key}' list "
                                "of tensors to give them to")
    if max_values is not None:
        shapes = [t.get("shape") for t in tensors if _size_of(t, kind) is not None]
        count = sum(math.prod(s) for s in shapes if isinstance(s, list) and all(type(d) is int for d in s))
        if count > max_values:
            _check_sizes(tensors, tail, kind, key)  # a shape its bytes do not fit: that error, not the size
            raise TooManyValues(f"its binary tensors hold {count} values, more than the {max_values} the sink takes",
                                count)
    offset, out = 0, []
    for i, tensor in enumerate(tensors):
        sized = _sized(tensor, kind, f"{key}[{i}]", offset, tail)
        if sized is None:
            out.append(tensor)
            continue
        where, size = sized
        values = decode_tensor(where, tensor.get("datatype"), tensor.get("shape"), tail[offset:offset + size])
        offset += size
        params = {k: v for k, v in tensor["parameters"].items() if k != "binary_data_size"}
        decoded = {k: v for k, v in tensor.items() if k != "parameters"}
        if params:
            decoded["parameters"] = params
        decoded["data"] = values
        out.append(decoded)
    if offset != len(tail):
        raise BinaryTensorError(f"{len(tail) - offset} bytes follow the last binary tensor: the "
                                f"binary_data_size of the {key} add up to {offset} of the {len(tail)} bytes after the JSON")
    return {**payload, key: out}


def _sized(tensor: Any, kind: str, position: str, offset: int, tail: bytes) -> tuple[str, int] | None:
    """``(where, binary_data_size)`` of a binary tensor (``where`` names it for errors) whose
    size is a byte count within the ``tail`` left after ``offset``; None for a tensor sent as JSON."""
    size = _size_of(tensor, kind)
    if size is None:
        return None
    where = f"{position} {str(tensor.get('name', ''))[:64]!r}"
    if type(size) is not int or size < 0:
        raise BinaryTensorError(f"{where}: parameters.binary_data_size {size!r} is not a byte count")
    if offset + size > len(tail):
        raise BinaryTensorError(f"{where}: binary_data_size {size} runs past the end of the body "
                                f"({len(tail) - offset} bytes of binary data left)")
    return where, size


def _check_sizes(tensors: list[Any], tail: bytes, kind: str, key: str) -> None:
    """The checks of :func:`decode` that need no decoding (a few per tensor): each binary
    tensor's ``binary_data_size`` within the bytes, its shape and datatype valid, a fixed-width
    tensor's size its shape's count times the width, and no bytes left over. Raises
    :class:`BinaryTensorError` naming the tensor, as decoding would."""
    offset = 0
    for i, tensor in enumerate(tensors):
        sized = _sized(tensor, kind, f"{key}[{i}]", offset, tail)
        if sized is None:
            continue
        where, size = sized
        shape, datatype = tensor.get("shape"), tensor.get("datatype")
        if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
            raise BinaryTensorError(f"{where}: shape {shape!r} is not a list of non-negative integers")
        if datatype != "BYTES":
            if not (isinstance(datatype, str) and datatype in FIXED):  # a list or object is unhashable
                raise BinaryTensorError(f"{where}: datatype {str(datatype)[:32]!r} is not one of {', '.join(DATATYPES)}")
            count, width = math.prod(shape), FIXED[datatype][1]
            if size != count * width:
                raise BinaryTensorError(f"{where}: {size} bytes of {datatype} data for shape {shape} "
                                        f"(expected {count} x {width} = {count * width})")
        offset += size
    if offset != len(tail):
        raise BinaryTensorError(f"{len(tail) - offset} bytes follow the last binary tensor: the "
                                f"binary_data_size of the {key} add up to {offset} of the {len(tail)} bytes after the JSON")


def decode_tensor(where: str, datatype: Any, shape: Any, chunk: bytes) -> list[Any]:
    """The values (row-major, flat) of one tensor of ``datatype`` and ``shape`` from its bytes."""
    if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
        raise BinaryTensorError(f"{where}: shape {shape!r} is not a list of non-negative integers")
    count = math.prod(shape)
    if datatype == "BYTES":
        return _bytes_elements(where, chunk, count)
    if not (isinstance(datatype, str) and datatype in FIXED):  # a list or object is unhashable
        raise BinaryTensorError(f"{where}: datatype {str(datatype)[:32]!r} is not one of {', '.join(DATATYPES)}")
    code, width = FIXED[datatype]
    if len(chunk) != count * width:
        raise BinaryTensorError(f"{where}: {len(chunk)} bytes of {datatype} data for shape {shape} "
                                f"(expected {count} x {width} = {count * width})")
    values = list(struct.unpack(f"<{count}{code}", chunk))
    if datatype == "BOOL":
        return [v != 0 for v in values]
    return values


def _bytes_elements(where: str, chunk: bytes, count: int) -> list[str]:
    out, offset, end = [], 0, len(chunk)
    unpack = struct.unpack_from
    while offset < end:
        if offset + 4 > end:
            raise BinaryTensorError(f"{where}: BYTES element {len(out)} has a cut length prefix "
                                    f"({end - offset} of 4 bytes)")
        (length,) = unpack("<I", chunk, offset)
        offset += 4
        if offset + length > end:
            raise BinaryTensorError(f"{where}: BYTES element {len(out)} of {length} bytes runs past the "
                                    f"tensor's binary_data_size ({end - offset} bytes left)")
        element = chunk[offset:offset + length]
        try:
            out.append(element.decode("utf-8"))
        except UnicodeDecodeError:  # an encoded image (Triton's BYTES inputs): kept, as a data URL
            out.append(BINARY_ELEMENT + base64.b64encode(element).decode("ascii"))
        offset += length
    if len(out) != count:
        raise BinaryTensorError(f"{where}: {len(out)} BYTES elements for a shape of {count}")
    return out


__all__ = ["BinaryTensorError", "TooManyValues", "BINARY_ELEMENT", "DATATYPES", "FIXED", "decode", "decode_tensor", "has_binary", "split"]
