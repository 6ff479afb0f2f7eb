"""Writes damaged .npy files into the folder given as argv[1] (for
eval_corrupt_npy.test). Each is a valid float32[2, 3] array made wrong in one
way, or a header written by hand."""

import os
import struct
import sys

import numpy as np

out = sys.argv[1]


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def with_header(header, data=b"\0" * 24):
    """A version 1.0 file around `header`, padded as numpy pads it."""
    text = header.encode("latin1")
    text += b" " * (64 - (10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


np.save(os.path.join(out, "valid.npy"), np.ones((2, 3), np.float32))
with open(os.path.join(out, "valid.npy"), "rb") as f:
    valid = f.read()

write("truncated_data.npy", valid[:-5])
write("truncated_header.npy", valid[:40])
write("empty.npy", b"")
write("trailing.npy", valid + b"xyz")
write("text.npy", b"hello world\n")
write("dtype.npy", valid.replace(b"'descr': '<f4'", b"'descr': '<q9'"))
write("header.npy", with_header("not a dict"))
write("huge_shape.npy", with_header(
    "{'descr': '<f4', 'fortran_order': False, "
    "'shape': (4611686018427387904, 4), }"))
write("negative.npy", with_header(
    "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }"))
write("nested.npy", with_header(
    "{'descr': '<f4', 'fortran_order': False, 'shape': "
    + "(" * 5000 + ")" * 5000 + ", }"))
