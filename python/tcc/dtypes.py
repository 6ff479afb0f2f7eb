"""Element types: PyTorch dtypes, tcc's MLIR element types and safetensors'
dtype names, in one table so the three never disagree."""

import torch

# torch dtype -> (tcc element type, safetensors dtype). tcc's tensors hold
# only these (docs/contract.md); safetensors can carry a few more, but a
# weights file tcc writes only ever holds arguments of the traced function.
_TABLE = {
    torch.float64: ("f64", "F64"),
    torch.float32: ("f32", "F32"),
    torch.float16: ("f16", "F16"),
    torch.bfloat16: ("bf16", "BF16"),
    torch.int64: ("i64", "I64"),
    torch.int32: ("i32", "I32"),
    torch.bool: ("i1", "BOOL"),
}

_FROM_ELEMENT = {elem: dt for dt, (elem, _) in _TABLE.items()}
_FROM_SAFETENSORS = {st: dt for dt, (_, st) in _TABLE.items()}
# Safetensors dtypes tcc's reader accepts beyond its tensor element types
# (docs/safetensors.md); a file written by someone else may hold them.
_FROM_SAFETENSORS.update({"I8": torch.int8, "U8": torch.uint8})
_SAFETENSORS_NAME = {dt: st for st, dt in _FROM_SAFETENSORS.items()}

FLOAT_TYPES = ("f64", "f32", "f16", "bf16")
INT_TYPES = ("i64", "i32")


def is_supported(dtype):
    return dtype in _TABLE


def element_type(dtype):
    """The tcc element type of a torch dtype ("f32"), or None."""
    entry = _TABLE.get(dtype)
    return entry[0] if entry else None


def torch_dtype(element):
    """The torch dtype of a tcc element type name."""
    return _FROM_ELEMENT[element]


def safetensors_name(dtype):
    return _SAFETENSORS_NAME.get(dtype)


def from_safetensors_name(name):
    return _FROM_SAFETENSORS.get(name)


def is_float(element):
    return element in FLOAT_TYPES


def supported_names():
    return ", ".join(str(dt).replace("torch.", "") for dt in _TABLE)
