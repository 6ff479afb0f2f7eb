"""A text emitter for one tcc function: SSA values, ops in their assembly
formats (docs/dialects/TccDialect.md), the signature with the contract's
attributes (docs/contract.md), and locations.

Ops are recorded, not printed at once, so that what the lowering leaves
unused (a transpose folded into a matmul flag, a constant of a dead branch)
is dropped before printing, and so that locations print as `#loc` aliases
at the end, as MLIR itself prints them. Result shapes that the dialect
infers are computed here too, by the dialect's rules; tcc-opt re-checks
every one when it parses the text.
"""

import json
import math
import re

import torch

from . import dtypes

# The mesh tcc.shard's hints name their axes in (sizes 1: --mesh sizes them).
HINT_MESH = "tcc_hints"


def tensor_type(shape, dtype):
    """tensor<2x3xf32>; a 0-d tensor is tensor<f32>."""
    return "tensor<" + "".join(f"{d}x" for d in shape) + dtype + ">"


def i64_array(values):
    return "array<i64" + (": " + ", ".join(str(int(v)) for v in values)
                          if len(values) else "") + ">"


def int_list(values):
    return "[" + ", ".join(str(int(v)) for v in values) + "]"


def float_literal(value):
    """A decimal MLIR float literal that parses back to `value` (MLIR wants
    a '.' in every float literal)."""
    text = repr(float(value))
    if "e" in text and "." not in text:
        text = text.replace("e", ".0e")
    elif "." not in text and "e" not in text:
        text += ".0"
    return text


def _float_bits(value, dtype):
    """The hexadecimal bit pattern MLIR accepts for non-finite floats."""
    t = torch.tensor([value], dtype=dtypes.torch_dtype(dtype))
    width = {"f64": 64, "f32": 32, "f16": 16, "bf16": 16}[dtype]
    as_int = {64: torch.int64, 32: torch.int32, 16: torch.int16}[width]
    bits = int(t.view(as_int).item()) & ((1 << width) - 1)
    return f"0x{bits:0{width // 4}X}"


def scalar_literal(value, dtype):
    """One element of a dense attribute of element type `dtype`."""
    if dtype == "i1":
        return "true" if value else "false"
    if dtypes.is_float(dtype):
        value = float(value)
        return float_literal(value) if math.isfinite(value) else _float_bits(
            value, dtype)
    return str(int(value))


class Value:
    """An SSA value: a statically shaped tensor."""
    __slots__ = ("name", "shape", "dtype", "op")

    def __init__(self, name, shape, dtype, op=None):
        self.name = name
        self.shape = tuple(int(d) for d in shape)
        self.dtype = dtype
        self.op = op  # the Op that defines it; None for arguments

    @property
    def type(self):
        return tensor_type(self.shape, self.dtype)

    @property
    def rank(self):
        return len(self.shape)

    def __repr__(self):
        return f"{self.name}: {self.type}"


class Op:
    """A recorded op: `text` is everything right of '=', with operand names
    already in it; `kind` and `info` let peepholes inspect producers."""
    __slots__ = ("kind", "results", "operands", "text", "loc", "info")

    def __init__(self, kind, operands, text, loc, info):
        self.kind, self.operands, self.text = kind, list(operands), text
        self.loc, self.info, self.results = loc, info, []


_NAME = re.compile(r"[^A-Za-z0-9_$.]")


class FunctionBuilder:
    """Builds `func.func @<name>` op by op."""

    def __init__(self, name="forward"):
        self.name = name
        self.arguments = []  # (Value, attribute text)
        self.ops = []
        self.results = []  # (Value, attribute text)
        self.loc = None  # location text given to each op recorded next
        self._names = set()

    # -- values --------------------------------------------------------------

    def _fresh(self, hint):
        base = _NAME.sub("_", hint or "v") or "v"
        if base[0].isdigit():
            base = "v" + base
        name, n = base, 0
        while name in self._names:
            n += 1
            name = f"{base}_{n}"
        self._names.add(name)
        return "%" + name

    def argument(self, hint, shape, dtype, attrs, position=None):
        value = Value(self._fresh(hint), shape, dtype)
        position = len(self.arguments) if position is None else position
        self.arguments.insert(position, (value, attrs))
        return value

    def result(self, value, attrs):
        self.results.append((value, attrs))

    def _op(self, kind, operands, text, result_types, hint=None, info=None):
        op = Op(kind, operands, text, self.loc, info or {})
        for i, (shape, dtype) in enumerate(result_types):
            suffix = "" if i == 0 else f"_{i}"
            op.results.append(Value(self._fresh((hint or kind) + suffix),
                                    shape, dtype, op))
        self.ops.append(op)
        return op.results[0] if len(op.results) == 1 else op.results

    # -- constants -----------------------------------------------------------

    def splat(self, value, shape, dtype, hint="cst"):
        t = tensor_type(shape, dtype)
        return self._op("constant", [],
                        f"tcc.constant dense<{scalar_literal(value, dtype)}> : {t}",
                        [(shape, dtype)], hint, {"splat": value})

    def dense(self, tensor, dtype, hint="cst"):
        """A constant holding `tensor`'s values (bytes in hexadecimal, which
        MLIR reads back exactly; i1 as a list of booleans)."""
        shape = tuple(tensor.shape)
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        # Equal bits, so that -0.0 and NaN payloads survive a splat too.
        bits = flat.view({8: torch.int64, 4: torch.int32, 2: torch.int16}[
            flat.element_size()]) if flat.is_floating_point() else flat
        if flat.numel() > 0 and bool((bits == bits[0]).all()):
            return self.splat(flat[0].item(), shape, dtype, hint)
        if flat.numel() == 0:
            body = ""
        elif dtype == "i1":
            def nest(t):
                if t.dim() == 0:
                    return "true" if bool(t) else "false"
                return "[" + ", ".join(nest(s) for s in t) + "]"
            body = nest(tensor.detach().cpu())
        else:
            if dtype == "bf16":
                flat = flat.view(torch.int16)
            body = '"0x' + flat.numpy().tobytes().hex().upper() + '"'
        return self._op("constant", [],
                        f"tcc.constant dense<{body}> : {tensor_type(shape, dtype)}",
                        [(shape, dtype)], hint)

    def iota(self, dim, shape, dtype, hint="iota"):
        return self._op("iota", [], f"tcc.iota dim = {dim} : {tensor_type(shape, dtype)}",
                        [(shape, dtype)], hint)

    # -- elementwise ---------------------------------------------------------

    def unary(self, kind, x, hint=None):
        return self._op(kind, [x], f"tcc.{kind} {x.name} : {x.type}",
                        [(x.shape, x.dtype)], hint)

    def gelu(self, x, approximate, hint=None):
        attr = " approximate = tanh" if approximate == "tanh" else ""
        return self._op("gelu", [x], f"tcc.gelu {x.name}{attr} : {x.type}",
                        [(x.shape, x.dtype)], hint)

    def binary(self, kind, a, b, hint=None):
        assert a.type == b.type, (kind, a, b)
        return self._op(kind, [a, b], f"tcc.{kind} {a.name}, {b.name} : {a.type}",
                        [(a.shape, a.dtype)], hint)

    def compare(self, direction, a, b, hint="cmp"):
        assert a.type == b.type, (direction, a, b)
        return self._op("compare", [a, b],
                        f"tcc.compare {direction}, {a.name}, {b.name} : {a.type}",
                        [(a.shape, "i1")], hint)

    def select(self, cond, on_true, on_false, hint="select"):
        assert on_true.type == on_false.type and cond.shape == on_true.shape
        return self._op("select", [cond, on_true, on_false],
                        f"tcc.select {cond.name}, {on_true.name}, {on_false.name} : "
                        f"{cond.type}, {on_true.type}", [(on_true.shape, on_true.dtype)],
                        hint)

    def cast(self, x, dtype, hint=None):
        if x.dtype == dtype:
            return x
        t = tensor_type(x.shape, dtype)
        return self._op("cast", [x], f"tcc.cast {x.name} : {x.type} -> {t}",
                        [(x.shape, dtype)], hint)

    def dropout(self, x, seed, rate, stream, hint=None):
        return self._op("dropout", [x, seed],
                        f"tcc.dropout {x.name}, {seed.name} {{rate = "
                        f"{float_literal(rate)} : f64, stream = {stream} : i64}} : "
                        f"{x.type}, {seed.type}", [(x.shape, x.dtype)], hint)

    # -- shapes --------------------------------------------------------------

    def broadcast(self, x, shape, hint=None):
        shape = tuple(shape)
        if x.shape == shape:
            return x
        t = tensor_type(shape, x.dtype)
        return self._op("broadcast", [x], f"tcc.broadcast {x.name} : {x.type} -> {t}",
                        [(shape, x.dtype)], hint)

    def broadcast_in_dim(self, x, dims, shape, hint=None):
        shape = tuple(shape)
        if x.shape == shape and list(dims) == list(range(x.rank)):
            return x
        t = tensor_type(shape, x.dtype)
        return self._op("broadcast_in_dim", [x],
                        f"tcc.broadcast_in_dim {x.name}, dims = {int_list(dims)} : "
                        f"{x.type} -> {t}", [(shape, x.dtype)], hint)

    def reshape(self, x, shape, hint=None):
        shape = tuple(shape)
        if x.shape == shape:
            return x
        t = tensor_type(shape, x.dtype)
        return self._op("reshape", [x], f"tcc.reshape {x.name} : {x.type} -> {t}",
                        [(shape, x.dtype)], hint)

    def transpose(self, x, perm, hint=None):
        perm = [int(p) for p in perm]
        if perm == list(range(x.rank)):
            return x
        shape = tuple(x.shape[p] for p in perm)
        t = tensor_type(shape, x.dtype)
        return self._op("transpose", [x],
                        f"tcc.transpose {x.name}, permutation = {int_list(perm)} : "
                        f"{x.type} -> {t}", [(shape, x.dtype)], hint, {"perm": perm})

    def slice(self, x, start, limit, stride, hint=None):
        if (list(start) == [0] * x.rank and list(limit) == list(x.shape)
                and list(stride) == [1] * x.rank):
            return x
        shape = tuple(max(0, -(-(l - s) // st)) for s, l, st in zip(start, limit, stride))
        t = tensor_type(shape, x.dtype)
        return self._op("slice", [x],
                        f"tcc.slice {x.name}, start = {int_list(start)}, limit = "
                        f"{int_list(limit)}, stride = {int_list(stride)} : {x.type} -> {t}",
                        [(shape, x.dtype)], hint)

    def concat(self, xs, dim, hint=None):
        if len(xs) == 1:
            return xs[0]
        shape = list(xs[0].shape)
        shape[dim] = sum(x.shape[dim] for x in xs)
        t = tensor_type(shape, xs[0].dtype)
        return self._op("concat", xs,
                        f"tcc.concat {', '.join(x.name for x in xs)} dim = {dim} : "
                        f"({', '.join(x.type for x in xs)}) -> {t}",
                        [(shape, xs[0].dtype)], hint)

    def gather(self, table, indices, axis, hint=None):
        shape = table.shape[:axis] + indices.shape + table.shape[axis + 1:]
        t = tensor_type(shape, table.dtype)
        return self._op("gather", [table, indices],
                        f"tcc.gather {table.name}, {indices.name} axis = {axis} : "
                        f"({table.type}, {indices.type}) -> {t}",
                        [(shape, table.dtype)], hint)

    # -- hints -----------------------------------------------------------------

    def annotate(self, x, spec, hint=None):
        """tcc.annotate of `x` with the sharding dims `spec` (JSON text,
        `[["tp"], []]`) over the hint mesh render() declares. Kept even
        when nothing reads it: it is about `x`."""
        axes = [a for dim in json.loads(spec) for a in dim]
        return self._op("annotate", [x],
                        f"tcc.annotate {x.name} {{sharding = #tcc.sharding<"
                        f"@{HINT_MESH}, {spec}>}} : {x.type}",
                        [(x.shape, x.dtype)], hint, {"axes": axes})

    # -- reductions and normalizations ---------------------------------------

    def reduce(self, kind, x, dims, keepdims, hint=None):
        dims = sorted(int(d) for d in dims)
        if not dims:
            return x
        shape = tuple(1 if i in dims else d for i, d in enumerate(x.shape)
                      if keepdims or i not in dims)
        t = tensor_type(shape, x.dtype)
        keep = " keepdims" if keepdims else ""
        return self._op("reduce", [x],
                        f"tcc.reduce {kind} {x.name} dims = {int_list(dims)}{keep} : "
                        f"{x.type} -> {t}", [(shape, x.dtype)], hint)

    def softmax(self, kind, x, dim, hint=None):
        return self._op(kind, [x], f"tcc.{kind} {x.name} dim = {dim} : {x.type}",
                        [(x.shape, x.dtype)], hint, {"dim": dim})

    def layer_norm(self, x, weight, bias, eps, hint=None):
        return self._op("layer_norm", [x, weight, bias],
                        f"tcc.layer_norm {x.name}, {weight.name}, {bias.name} "
                        f"{{epsilon = {float_literal(eps)} : f64}} : ({x.type}, "
                        f"{weight.type}, {bias.type}) -> {x.type}",
                        [(x.shape, x.dtype)], hint)

    def batch_norm(self, x, weight, bias, mean, var, eps, momentum, training,
                   hint=None):
        attrs = f"epsilon = {float_literal(eps)} : f64, momentum = " \
                f"{float_literal(momentum)} : f64" + (", training" if training else "")
        ins = [x, weight, bias, mean, var]
        stat = (mean.shape, mean.dtype)
        return self._op("batch_norm", ins,
                        f"tcc.batch_norm {', '.join(v.name for v in ins)} {{{attrs}}} : "
                        f"({', '.join(v.type for v in ins)}) -> ({x.type}, {mean.type}, "
                        f"{var.type})", [(x.shape, x.dtype), stat, stat], hint)

    # -- contractions and windows --------------------------------------------

    def matmul(self, a, b, transpose_lhs=False, transpose_rhs=False, hint=None):
        n = a.shape[-1] if transpose_lhs else a.shape[-2]
        m = b.shape[-2] if transpose_rhs else b.shape[-1]
        batch = tuple(torch.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
        shape = batch + (n, m)
        flags = [name for name, on in (("transpose_lhs", transpose_lhs),
                                       ("transpose_rhs", transpose_rhs)) if on]
        attr = f" {{{', '.join(flags)}}}" if flags else ""
        t = tensor_type(shape, a.dtype)
        return self._op("matmul", [a, b],
                        f"tcc.matmul {a.name}, {b.name}{attr} : ({a.type}, {b.type}) -> {t}",
                        [(shape, a.dtype)], hint)

    def conv2d(self, x, w, bias, stride, padding, dilation, groups, shape, hint=None):
        ins = [x, w] + ([bias] if bias is not None else [])
        attrs = [f"stride = {i64_array(stride)}", f"padding = {i64_array(padding)}",
                 f"dilation = {i64_array(dilation)}"]
        if groups != 1:
            attrs.append(f"groups = {groups} : i64")
        t = tensor_type(shape, x.dtype)
        return self._op("conv2d", ins,
                        f"tcc.conv2d {', '.join(v.name for v in ins)} {{{', '.join(attrs)}}}"
                        f" : ({', '.join(v.type for v in ins)}) -> {t}",
                        [(shape, x.dtype)], hint)

    def pool2d(self, kind, x, attrs, shape, hint=None):
        """kind: max_pool2d or avg_pool2d; attrs: [(name, value)] where a
        list value is an i64 array and True is a unit attribute."""
        parts = [name if value is True else f"{name} = {i64_array(value)}"
                 for name, value in attrs if value is not False]
        t = tensor_type(shape, x.dtype)
        return self._op(kind, [x],
                        f"tcc.{kind} {x.name} {{{', '.join(parts)}}} : {x.type} -> {t}",
                        [(shape, x.dtype)], hint)

    # -- losses --------------------------------------------------------------

    def cross_entropy(self, logits, labels, ignore_index, label_smoothing, hint=None):
        attrs = []
        if label_smoothing:
            attrs.append(f"label_smoothing = {float_literal(label_smoothing)} : f64")
        if ignore_index is not None:
            attrs.append(f"ignore_index = {int(ignore_index)} : i64")
        attr = f" {{{', '.join(attrs)}}}" if attrs else ""
        t = tensor_type((), logits.dtype)
        return self._op("cross_entropy", [logits, labels],
                        f"tcc.cross_entropy {logits.name}, {labels.name}{attr} : "
                        f"({logits.type}, {labels.type}) -> {t}", [((), logits.dtype)], hint)

    def mse_loss(self, x, target, hint=None):
        t = tensor_type((), x.dtype)
        return self._op("mse_loss", [x, target],
                        f"tcc.mse_loss {x.name}, {target.name} : ({x.type}, "
                        f"{target.type}) -> {t}", [((), x.dtype)], hint)

    # -- printing ------------------------------------------------------------

    def _live_ops(self):
        """The ops some result or hint depends on (every tcc op is pure)."""
        live = {id(v) for v, _ in self.results}
        keep = []
        for op in reversed(self.ops):
            if op.kind == "annotate" or any(id(r) in live for r in op.results):
                keep.append(op)
                live.update(id(v) for v in op.operands)
        return keep[::-1]

    def render(self, header=""):
        locs = {}

        def loc(text):
            if not text:
                return ""
            if text not in locs:
                locs[text] = f"#loc{len(locs)}"
            return " loc(" + locs[text] + ")"

        lines = [f"// {line}" if line else "//" for line in header.splitlines()]
        ops = self._live_ops()
        hints = [op for op in ops if op.kind == "annotate"]
        if hints:
            # tcc.shard's hints name axes; `tcc compile --mesh` sizes them.
            axes = dict.fromkeys(a for op in hints for a in op.info["axes"])
            lines.append(f"tcc.mesh @{HINT_MESH}("
                         + ", ".join(f"{a} = 1" for a in axes) + ")")
        args = ",\n    ".join(f"{v.name}: {v.type} {{{a}}}" for v, a in self.arguments)
        outs = ",\n        ".join(f"{v.type} {{{a}}}" for v, a in self.results)
        lines.append(f"func.func @{self.name}(\n    {args})\n    -> ({outs}) {{")
        for op in ops:
            names = ", ".join(r.name for r in op.results)
            lines.append(f"  {names} = {op.text}{loc(op.loc)}")
        values = ", ".join(v.name for v, _ in self.results)
        types = ", ".join(v.type for v, _ in self.results)
        lines.append(f"  return {values} : {types}")
        lines.append("}")
        for text, alias in locs.items():
            lines.append(f"{alias} = {text}")
        return "\n".join(lines) + "\n"
