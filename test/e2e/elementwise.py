# RUN: %python %s
# RUN: env TCC_E2E_BACKEND=cpu %python %s
# Elementwise ops of `tcc eval` (unary, binary, compare, select) in f64, f32,
# i64 and i32 against NumPy, and erf/sigmoid/silu against PyTorch.
# Tolerances: see test/lib/tcctest.py.

import numpy as np
import torch
import torch.nn.functional as F

from tcctest import NPDT, Suite, binary, func, ty, unary

s = Suite("elementwise")
rng = s.rng
SHAPES = [(), (1,), (3, 4), (2, 1, 5)]


def torch_ref(fn):
    return lambda x: fn(torch.from_numpy(np.asarray(x))).numpy()


def positive(shape, dt):
    return np.asarray(np.abs(rng.standard_normal(shape)) * 3 + 0.05, dt)


def normal(scale):
    return lambda shape, dt: np.asarray(rng.standard_normal(shape) * scale, dt)


# op -> (input generator, reference)
UNARY = {
    "neg": (normal(3), np.negative),
    "abs": (normal(3), np.abs),
    "exp": (normal(3), np.exp),
    "log": (positive, np.log),
    "sqrt": (positive, np.sqrt),
    "rsqrt": (positive, lambda x: (1 / np.sqrt(x)).astype(x.dtype)),
    "tanh": (normal(3), np.tanh),
    "erf": (normal(2), torch_ref(torch.erf)),
    "sigmoid": (normal(4), torch_ref(torch.sigmoid)),
    "relu": (normal(3), lambda x: np.maximum(x, 0).astype(x.dtype)),
    "silu": (normal(4), torch_ref(F.silu)),
}

for dt in ["f64", "f32"]:
    npdt = np.float64 if dt == "f64" else np.float32
    for op, (gen, ref) in UNARY.items():
        for shape in SHAPES:
            x = gen(shape, npdt)
            s.check(op, f"{dt} {shape}", unary(op, shape, dt), {"x": x},
                    {"y": ref(x)}, dt)
    # Large magnitudes: saturation without overflow to NaN.
    big = np.array([-800.0, -80.0, -20.0, 0.0, 20.0, 80.0, 800.0], npdt)
    for op, ref in [("sigmoid", UNARY["sigmoid"][1]), ("tanh", np.tanh),
                    ("silu", UNARY["silu"][1]), ("erf", UNARY["erf"][1])]:
        s.check(op, f"{dt} saturating", unary(op, big.shape, dt), {"x": big},
                {"y": ref(big)}, dt)


def trunc_div(x, y):
    q = np.abs(x) // np.abs(y)
    return (np.sign(x) * np.sign(y) * q).astype(x.dtype)


BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "max": np.maximum, "min": np.minimum, "pow": np.power,
}
for dt in ["f64", "f32"]:
    npdt = np.float64 if dt == "f64" else np.float32
    for op, ref in BINARY.items():
        for shape in SHAPES:
            x = (rng.standard_normal(shape) * 3).astype(npdt)
            y = (rng.standard_normal(shape) * 3).astype(npdt)
            if op == "div":
                y = np.where(np.abs(y) < 0.1, 0.5, y).astype(npdt)
            if op == "pow":
                x = positive(shape, npdt)
            s.check(op, f"{dt} {shape}", binary(op, shape, dt),
                    {"x": x, "y": y}, {"z": ref(x, y)}, dt)
    # pow of negative bases with integral exponents (NaN otherwise), x^0 = 1
    # and 0^-1 = inf.
    x = np.array([-2.0, -1.5, -0.5, 0.0, 0.0, 3.0, -8.0, 0.0], npdt)
    y = np.array([3.0, 2.0, -3.0, 0.0, 2.0, 0.0, 1 / 3, -1.0], npdt)
    with np.errstate(divide="ignore", invalid="ignore"):
        s.check("pow", f"{dt} negative base, zero", binary("pow", (8,), dt),
                {"x": x, "y": y}, {"z": np.power(x, y)}, dt)
    # max/min propagate NaN from either side.
    x = np.array([1.0, np.nan, 2.0, np.nan, -np.inf], npdt)
    y = np.array([np.nan, 1.0, -3.0, np.nan, 4.0], npdt)
    for op in ["max", "min"]:
        s.check(op, f"{dt} NaN", binary(op, (5,), dt), {"x": x, "y": y},
                {"z": BINARY[op](x, y)}, dt)

INT_UNARY = {"neg": np.negative, "abs": np.abs,
             "relu": lambda x: np.maximum(x, 0).astype(x.dtype)}
INT_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply,
              "div": trunc_div, "max": np.maximum, "min": np.minimum,
              "pow": np.power}
for dt in ["i64", "i32"]:
    npdt = np.int64 if dt == "i64" else np.int32
    for shape in SHAPES:
        x = rng.integers(-1000, 1000, shape).astype(npdt)
        for op, ref in INT_UNARY.items():
            s.check(op, f"{dt} {shape}", unary(op, shape, dt), {"x": x},
                    {"y": ref(x)}, "exact")
        for op, ref in INT_BINARY.items():
            x = rng.integers(-1000, 1000, shape).astype(npdt)
            y = rng.integers(-1000, 1000, shape).astype(npdt)
            if op == "div":
                y = np.where(y == 0, 7, y).astype(npdt)
            if op == "pow":
                x = rng.integers(-9, 10, shape).astype(npdt)
                y = rng.integers(0, 6, shape).astype(npdt)
            s.check(op, f"{dt} {shape}", binary(op, shape, dt),
                    {"x": x, "y": y}, {"z": ref(x, y)}, "exact")
    # Truncation toward zero in every sign combination.
    x = np.array([7, -7, 7, -7, 1, -1, 0, 6], npdt)
    y = np.array([2, 2, -2, -2, 3, 3, 5, -3], npdt)
    s.check("div", f"{dt} signs", binary("div", (8,), dt), {"x": x, "y": y},
            {"z": trunc_div(x, y)}, "exact")
# i32 arithmetic wraps modulo 2^32 as in NumPy.
lim = np.iinfo(np.int32)
x = np.array([lim.max, lim.min, 65536, lim.max], np.int32)
y = np.array([1, -1, 65536, lim.max], np.int32)
with np.errstate(over="ignore"):
    for op, ref in [("add", np.add), ("sub", np.subtract),
                    ("mul", np.multiply)]:
        s.check(op, "i32 wraparound", binary(op, (4,), "i32"), {"x": x, "y": y},
                {"z": ref(x, y)}, "exact")

# compare: small integers so that ties occur.
DIRS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less,
        "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal}


def compare_model(d, shape, dt):
    t = ty(shape, dt)
    return func([("x", t), ("y", t)], f"%z = tcc.compare {d}, %x, %y : {t}",
                [("z", "%z", ty(shape, "i1"))])


for dt in ["f64", "f32", "i64", "i32", "i1"]:
    for shape in [(), (4, 5)]:
        hi = 2 if dt == "i1" else 4
        x = rng.integers(-3 % hi, hi, shape).astype(NPDT[dt])
        y = rng.integers(-3 % hi, hi, shape).astype(NPDT[dt])
        if dt not in ("i1",):
            x = (rng.integers(-3, 4, shape) * (1.5 if dt[0] == "f" else 1)
                 ).astype(NPDT[dt])
            y = (rng.integers(-3, 4, shape) * (1.5 if dt[0] == "f" else 1)
                 ).astype(NPDT[dt])
        for d, ref in DIRS.items():
            s.check("compare", f"{d} {dt} {shape}", compare_model(d, shape, dt),
                    {"x": x, "y": y}, {"z": ref(x, y)}, "exact")
x = np.array([np.nan, 1.0, np.nan, np.inf, -0.0], np.float32)
y = np.array([1.0, np.nan, np.nan, np.inf, 0.0], np.float32)
with np.errstate(invalid="ignore"):
    for d, ref in DIRS.items():
        s.check("compare", f"{d} f32 NaN/inf/-0", compare_model(d, (5,), "f32"),
                {"x": x, "y": y}, {"z": ref(x, y)}, "exact")

# select
for dt in ["f64", "f32", "i64", "i32", "i1"]:
    for shape in [(), (1,), (3, 4)]:
        c = rng.integers(0, 2, shape).astype(bool)
        a = (rng.standard_normal(shape) * 5).astype(NPDT[dt])
        b = (rng.standard_normal(shape) * 5).astype(NPDT[dt])
        t, tc = ty(shape, dt), ty(shape, "i1")
        model = func([("c", tc), ("a", t), ("b", t)],
                     f"%r = tcc.select %c, %a, %b : {tc}, {t}",
                     [("r", "%r", t)])
        s.check("select", f"{dt} {shape}", model, {"c": c, "a": a, "b": b},
                {"r": np.where(c, a, b)}, "exact")

s.finish()
