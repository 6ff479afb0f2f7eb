"""Writes the hostile and unsupported ONNX files that errors.test feeds to
`tcc import`, into the folder given as argv[1]."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(os.path.join(out, "models"), exist_ok=True)


def save(model, name, check=True):
    if check:
        onnx.checker.check_model(model)
    with open(os.path.join(out, name), "wb") as f:
        f.write(model.SerializeToString())


def model(nodes, inputs, outputs, initializers=(), opset=13):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def info(name, shape, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


relu = model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
             [info("x", [2, 3])], [info("y", [2, 3])])
save(relu, "relu.onnx")

with open(os.path.join(out, "garbage.onnx"), "wb") as f:
    f.write(b"\x0a\xff\xff\xff\xff\x0f this is not a protobuf")
open(os.path.join(out, "empty.onnx"), "wb").close()
data = relu.SerializeToString()
with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])

save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
           [info("x", [2, 3])], [info("y", [2, 3])], opset=11), "opset11.onnx")

# Unsupported ops, listed all at once: two standard ones and a custom domain.
unsupported = model(
    [helper.make_node("Relu", ["x"], ["a"], name="ok"),
     helper.make_node("TopK", ["a", "k"], ["v", "i"], name="topk", axis=1),
     helper.make_node("Einsum", ["v", "v"], ["e"], name="einsum_1", equation="ij,ij->ij"),
     helper.make_node("Einsum", ["e", "e"], ["f"], name="einsum_2", equation="ij,ij->ij"),
     helper.make_node("FancyOp", ["f"], ["y"], name="fancy", domain="com.example")],
    [info("x", [2, 3])], [info("y", [2, 2])],
    [numpy_helper.from_array(np.array([2], np.int64), "k")])
unsupported.opset_import.append(helper.make_opsetid("com.example", 1))
save(unsupported, "unsupported.onnx", check=False)


def external(location, name, offset=None, length=None, dims=(4,)):
    t = TensorProto()
    t.name, t.data_type = "w", TensorProto.FLOAT
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    entries = {"location": location}
    if offset is not None:
        entries["offset"] = str(offset)
    if length is not None:
        entries["length"] = str(length)
    for k, v in entries.items():
        e = t.external_data.add()
        e.key, e.value = k, v
    m = model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
              [info("x", list(dims))], [info("y", list(dims))], [t])
    save(m, os.path.join("models", name), check=False)


np.arange(4, dtype=np.float32).tofile(os.path.join(out, "models", "w.bin"))
np.arange(4, dtype=np.float32).tofile(os.path.join(out, "outside.bin"))
if not os.path.lexists(os.path.join(out, "models", "link.bin")):
    os.symlink(os.path.join(out, "outside.bin"),
               os.path.join(out, "models", "link.bin"))
external("../outside.bin", "escape.onnx")
external("/etc/passwd", "absolute.onnx")
external("missing.bin", "missing.onnx")
external("link.bin", "symlink.onnx")
external("w.bin", "past_end.onnx", offset=8)
external("w.bin", "bad_length.onnx", length=12)
external("w.bin", "good_external.onnx")

# raw_data shorter than the shape needs.
short = TensorProto()
short.name, short.data_type = "w", TensorProto.FLOAT
short.dims.append(4)
short.raw_data = b"\0" * 12
save(model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
           [info("x", [4])], [info("y", [4])], [short]), "short_raw.onnx",
     check=False)

# A symbolic batch dimension.
save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
           [info("x", ["batch", 3])], [info("y", ["batch", 3])]),
     "symbolic.onnx")

# A reshape whose shape is only known at run time.
save(model([helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape_at_runtime")],
           [info("x", [2, 3]), info("s", [2], TensorProto.INT64)],
           [info("y", [3, 2])]), "runtime_shape.onnx")

# Shapes that do not fit: the error names the node and the shapes.
save(model([helper.make_node("MatMul", ["x", "w"], ["y"], name="bad_matmul")],
           [info("x", [2, 3]), info("w", [4, 5])], [info("y", [2, 5])]),
     "bad_matmul.onnx")

# Indices known only at run time; one is out of range when run.
save(model([helper.make_node("Gather", ["x", "i"], ["y"], name="lookup")],
           [info("x", [5, 2]), info("i", [3], TensorProto.INT64)],
           [info("y", [3, 2])]), "gather.onnx")
np.save(os.path.join(out, "bad_index.npy"), np.array([0, 7, 1], np.int64))
np.save(os.path.join(out, "zeros4.npy"), np.zeros(4, np.float32))


# Static inputs and attributes that are wrong in ways the checker accepts.
def reshape_case(name, shape, dtype=np.int64):
    save(model([helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")],
               [info("x", [2, 3])], [info("y", [1])],
               [numpy_helper.from_array(np.array(shape, dtype), "s")]),
         name, check=False)


reshape_case("reshape_two_inferred.onnx", [-1, -1])
reshape_case("reshape_negative.onnx", [-2, 3])
reshape_case("reshape_copy.onnx", [0, 0, 0])
reshape_case("reshape_float_shape.onnx", [3.0, 2.0], np.float32)
save(model([helper.make_node("Squeeze", ["x", "a"], ["y"], name="squeeze")],
           [info("x", [2, 1])], [info("y", [1])],
           [numpy_helper.from_array(np.array([5], np.int64), "a")]),
     "squeeze_axis.onnx", check=False)
save(model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv")],
           [info("x", [1, 2, 8]), info("w", [4, 2, 3])], [info("y", [1])]),
     "conv1d.onnx", check=False)


def pool_case(name, **attributes):
    save(model([helper.make_node("MaxPool", ["x"], ["y"], name="pool",
                                 **attributes)],
               [info("x", [1, 2, 8, 8])], [info("y", [1])]),
         name, check=False)


pool_case("pool_kernel.onnx", kernel_shape=[3])
pool_case("pool_strides.onnx", kernel_shape=[3, 3], strides=[1, 1, 1])
pool_case("pool_pads.onnx", kernel_shape=[3, 3], pads=[1, 1])
pool_case("pool_auto_pad.onnx", kernel_shape=[3, 3], auto_pad="SIDEWAYS")
