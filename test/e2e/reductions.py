# RUN: %python %s
# RUN: env TCC_E2E_BACKEND=cpu %python %s
# tcc.reduce (sum, mean, max, min, prod) of `tcc eval` against NumPy, in f64,
# f32 (tolerances of test/lib/tcctest.py) and i64/i32 (exact).

import numpy as np

from tcctest import NPDT, Suite, func, ty

s = Suite("reductions")
rng = s.rng
REF = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min,
       "prod": np.prod}
CASES = [((3, 4, 5), [1]), ((3, 4, 5), [0, 2]), ((3, 4, 5), [0, 1, 2]),
         ((3, 4, 5), []), ((3, 4, 5), [2, 0]), ((), []), ((1,), [0]),
         ((2, 1, 3), [1]), ((7, 33), [1]), ((6,), [0])]


def reduce_model(kind, shape, dims, keepdims, dt, out_shape):
    kd = " keepdims" if keepdims else ""
    body = (f"%y = tcc.reduce {kind} %x dims = {dims}{kd} : {ty(shape, dt)} -> "
            f"{ty(out_shape, dt)}")
    return func([("x", ty(shape, dt))], body, [("y", "%y", ty(out_shape, dt))])


def data(kind, shape, dt):
    if dt[0] == "i":
        lo, hi = (-3, 4) if kind == "prod" else (-1000, 1000)
        return np.asarray(rng.integers(lo, hi, shape), NPDT[dt])
    if kind == "prod":  # near 1, so that products neither vanish nor blow up
        return np.asarray(1 + 0.2 * rng.standard_normal(shape), NPDT[dt])
    return np.asarray(rng.standard_normal(shape) * 3, NPDT[dt])


for dt in ["f64", "f32", "i64", "i32"]:
    for kind, ref in REF.items():
        if kind == "mean" and dt[0] == "i":
            continue  # mean needs floats
        for shape, dims in CASES:
            for keepdims in [False, True]:
                x = data(kind, shape, dt)
                want = np.asarray(ref(x, axis=tuple(dims), keepdims=keepdims),
                                  NPDT[dt])
                model = reduce_model(kind, shape, dims, keepdims, dt,
                                     want.shape)
                kd = " keepdims" if keepdims else ""
                s.check("reduce", f"{kind} {dt} {shape} dims={dims}{kd}", model,
                        {"x": x}, {"y": want}, "exact" if dt[0] == "i" else dt)

# Large sums with cancellation, f32: compared with the f32 tolerance against
# the exact (f64) sum of the same f32 inputs.
x = (rng.standard_normal((4, 4096)) * 1e3).astype(np.float32)
s.check("reduce", "sum f32 4x4096 dims=[1] vs exact sum",
        reduce_model("sum", (4, 4096), [1], False, "f32", (4,)), {"x": x},
        {"y": x.astype(np.float64).sum(1).astype(np.float32)}, "f32")

# NaN propagates through max and min as in torch.amax/amin and np.max/min.
x = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, -6.0]])
for kind in ["max", "min", "sum"]:
    s.check("reduce", f"{kind} f64 NaN", reduce_model(kind, (2, 3), [1], False,
                                                     "f64", (2,)),
            {"x": x}, {"y": REF[kind](x, axis=1)}, "f64")

# Reducing an empty dimension gives the identity (NaN for mean: 0 / 0).
x = np.zeros((0, 3))
for kind, want in [("sum", np.zeros(3)), ("prod", np.ones(3)),
                   ("mean", np.full(3, np.nan))]:
    s.check("reduce", f"{kind} f64 (0, 3) dims=[0]",
            reduce_model(kind, (0, 3), [0], False, "f64", (3,)), {"x": x},
            {"y": want}, "f64")

s.finish()
