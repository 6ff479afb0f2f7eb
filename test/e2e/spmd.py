# RUN: %python %s
# A data-parallel step evaluated by `tcc eval` on a simulated mesh of 4
# devices, against NumPy on the global tensors. The function is per-device
# (`tcc.mesh = @m`): its declared argument types are one device's shard,
# while --input files hold the global tensors that the arguments' shardings
# split (batch over "dp"; the weight replicated). Each device computes its
# rows of y = x w and its part of the weight gradient x^T y; all_reduce sums
# (avg, max) the parts. The sharded result y is joined back to global rows.

import numpy as np

from tcctest import Suite, func, ty

s = Suite("spmd")
rng = s.rng
DP, B, K, N = 4, 16, 8, 3
b = B // DP
SPLIT = '#tcc.sharding<@m, [["dp"], []]>'


def model(dt):
    x_t, w_t, y_t = ty((b, K), dt), ty((K, N), dt), ty((b, N), dt)
    g_t, scalar = ty((K, N), dt), ty((), dt)
    body = f"""
%y = tcc.matmul %x, %w : ({x_t}, {w_t}) -> {y_t}
%gl = tcc.matmul %x, %y {{transpose_lhs}} : ({x_t}, {y_t}) -> {g_t}
%g = tcc.all_reduce sum %gl over @m ["dp"] : {g_t}
%sl = tcc.reduce sum %y dims = [0, 1] : {y_t} -> {scalar}
%sum = tcc.all_reduce sum %sl over @m ["dp"] : {scalar}
%ml = tcc.reduce mean %y dims = [0, 1] : {y_t} -> {scalar}
%mean = tcc.all_reduce avg %ml over @m ["dp"] : {scalar}
%xl = tcc.reduce max %x dims = [0] : {x_t} -> {ty((K,), dt)}
%xmax = tcc.all_reduce max %xl over @m ["dp"] : {ty((K,), dt)}"""
    split = f"tcc.sharding = {SPLIT}"
    return func([("x", x_t, split), ("w", w_t)], body,
                [("y", "%y", y_t, split), ("g", "%g", g_t),
                 ("sum", "%sum", scalar), ("mean", "%mean", scalar),
                 ("xmax", "%xmax", ty((K,), dt))],
                attrs="tcc.mesh = @m", prelude=f"tcc.mesh @m(dp = {DP})")

for dt, npdt in [("f64", np.float64), ("f32", np.float32)]:
    x = rng.standard_normal((B, K)).astype(npdt)  # global batch
    w = rng.standard_normal((K, N)).astype(npdt)
    y = (x.astype(np.float64) @ w).astype(npdt)
    want = {"y": y, "g": (x.T.astype(np.float64) @ y).astype(npdt),
            "sum": np.asarray(y.astype(np.float64).sum(), npdt),
            "mean": np.asarray(y.astype(np.float64).mean(), npdt),
            "xmax": x.max(0)}
    s.check("spmd", f"{dt} dp={DP} x={x.shape} split on dim 0, w={w.shape} "
            "replicated: matmul + all_reduce sum/avg/max", model(dt),
            {"x": x, "w": w}, want, dt)

s.finish()
