"""safetensors files in pure Python: what tcc's runtime reads
(docs/safetensors.md), written without the `safetensors` package.

    | u64 N, little-endian | N bytes of JSON header | data |

The writer follows tcc's own (runtime/src/formats/SafetensorsWriter.cpp):
compact JSON with `__metadata__` first, tensors back to back in the order
given, the header padded with spaces to a multiple of 8 bytes, and the
file written through a temporary file renamed into place. The reader
checks what tcc's reader checks, so a test that loads a file here loads
one tcc would accept.
"""

import json
import struct
import sys

import torch

from . import dtypes
from .errors import TraceError
from .files import write_atomically

_MAX_HEADER = 100_000_000  # the reference implementation's limit

_ITEM_SIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4,
              "I8": 1, "U8": 1, "BOOL": 1}


class SafetensorsError(TraceError):
    pass


def _bytes(tensor):
    """Row-major little-endian bytes (NumPy has no bfloat16: reinterpret its
    bits as int16 first)."""
    t = tensor.detach().cpu().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    data = t.numpy().tobytes()
    if sys.byteorder != "little" and t.element_size() > 1:
        data = t.numpy().byteswap().tobytes()
    return data


def serialize(tensors, metadata=None):
    """The bytes of a safetensors file holding `tensors` (name -> tensor)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str)
                   for k, v in metadata.items()):
            raise SafetensorsError("safetensors metadata maps strings to strings")
        header["__metadata__"] = dict(sorted(metadata.items()))
    for name, tensor in tensors.items():
        if not name or name == "__metadata__":
            raise SafetensorsError(f"invalid tensor name {name!r}")
        st = dtypes.safetensors_name(tensor.dtype)
        if st is None:
            raise SafetensorsError(f"tensor '{name}': dtype {tensor.dtype} cannot "
                                   "be stored for tcc (convert it first)")
        data = _bytes(tensor)
        header[name] = {"dtype": st, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def save(tensors, path, metadata=None):
    """Writes `tensors` to `path` whole or not at all."""
    write_atomically(path, serialize(tensors, metadata))


def load(path):
    """(tensors by name in file order, metadata) of a safetensors file."""
    with open(path, "rb") as f:
        data = f.read()

    def fail(message):
        raise SafetensorsError(f"{path}: {message}")

    if len(data) < 8:
        fail("shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER or 8 + n > len(data):
        fail(f"header length {n} does not fit the file ({len(data)} bytes)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"),
                            object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as e:
        fail(f"header is not valid JSON: {e}")
    if not isinstance(header, dict):
        fail("header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    body = memoryview(data)[8 + n:]
    entries = sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    tensors, end = {}, 0
    for name, entry in entries:
        if set(entry) != {"dtype", "shape", "data_offsets"}:
            fail(f"tensor '{name}': expected dtype, shape and data_offsets")
        dt = dtypes.from_safetensors_name(entry["dtype"])
        if dt is None:
            fail(f"tensor '{name}': dtype {entry['dtype']} is not supported")
        begin, stop = entry["data_offsets"]
        count = 1
        for d in entry["shape"]:
            count *= d
        if begin != end:
            fail(f"tensor '{name}' starts at {begin}, not where the previous "
                 f"one ended ({end})")
        if stop - begin != count * _ITEM_SIZE[entry["dtype"]]:
            fail(f"tensor '{name}': {stop - begin} bytes for shape "
                 f"{entry['shape']} of {entry['dtype']}")
        raw = bytearray(body[begin:stop])
        if dt == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16) \
                if raw else torch.empty(0, dtype=dt)
        else:
            t = torch.frombuffer(raw, dtype=dt) if raw else torch.empty(0, dtype=dt)
        tensors[name] = t.reshape(entry["shape"])
        end = stop
    if end != len(body):
        fail(f"{len(body) - end} bytes after the last tensor")
    return tensors, metadata


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate keys")
    return dict(pairs)
