# RUN: %python %s
# RUN: env TCC_E2E_BACKEND=cpu %python %s
# tcc.cast rounds once, to nearest even, from the exact source value: values
# chosen so that rounding first to an intermediate type (f64 or f32) and then
# to the destination gives another answer. References: NumPy (correctly
# rounded) for f16 and f32 destinations, exact rational rounding for bf16.
# PyTorch's tensor.to() agrees with NumPy for i64 -> f32 but itself rounds
# twice (through f32) for f64 -> f16, f64 -> bf16 and i64 -> bf16.

from fractions import Fraction
import math

import numpy as np

from tcctest import Suite, func, ty

s = Suite("cast_rounding")


def round_bf16(value):
    """The bf16 nearest to the exact `value` (int or float), ties to even;
    normal range only."""
    v = Fraction(value)
    if v == 0:
        return 0.0
    e = math.floor(math.log2(abs(v)))
    if Fraction(2) ** e > abs(v):  # log2 rounded up at a power of two
        e -= 1
    ulp = Fraction(2) ** (e - 7)  # 8 significant bits
    return float(round(v / ulp) * ulp)  # Fraction rounds half to even


def check(case, src, dst, x, want):
    t_in, t_out = ty(x.shape, src), ty(x.shape, dst)
    model = func([("x", t_in)], f"%y = tcc.cast %x : {t_in} -> {t_out}",
                 [("y", "%y", t_out)])
    s.check("cast", f"{src}->{dst} {case}", model, {"x": x}, {"y": want},
            "exact")


# i64 -> f32: beyond 2^53 the value is not a double, so going through f64
# loses the bit that breaks the f32 tie.
x = np.array([2**60 + 2**36 + 1, -(2**60 + 2**36 + 1), 2**55 + 2**31 + 1,
              2**24 + 1], np.int64)
check("above 2^53", "i64", "f32", x, x.astype(np.float32))

# f64 -> f16: going through f32 turns a value just off an f16 tie into the tie.
x = np.array([1 + 2**-11 + 2**-40, -(1 + 2**-11 + 2**-40),
              1 + 3 * 2**-11 - 2**-40, 2**-25 + 2**-60, 1.5], np.float64)
check("near ties", "f64", "f16", x, x.astype(np.float16))

# f64 -> bf16 and i64 -> bf16 (bf16 results are written as f32).
x = np.array([1 + 2**-8 + 2**-40, 1 + 3 * 2**-8 - 2**-40, 3.0], np.float64)
check("near ties", "f64", "bf16", x,
      np.array([round_bf16(v) for v in x], np.float32))
x = np.array([2**60 + 2**52 + 1, 2**40 + 2**32 - 1, 12345], np.int64)
check("near ties", "i64", "bf16", x,
      np.array([round_bf16(int(v)) for v in x], np.float32))

s.finish()
