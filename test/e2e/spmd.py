# RUN: %python %s
# A data-parallel step evaluated by `tcc eval` on a simulated mesh of 4
# devices, against NumPy on the global tensors. The function is per-device
# (`tcc.mesh = @m`): its declared argument types are one device's shard,
# while --input files hold the global tensors that the arguments' shardings
# split (batch over "dp"; the weight replicated). Each device computes its
# rows of y = x w and its part of the weight gradient x^T y; all_reduce sums
# (avg, max) the parts; dropout with the batch sharding draws the mask of the
# global element index, i.e. the single-device mask. The sharded results are
# joined back to global rows.

import numpy as np

from tcctest import Suite, dropout_keep_mask, func, ty

s = Suite("spmd")
rng = s.rng
DP, K, N, RATE, SEED = 4, 8, 3, 0.5, 11
BATCH = '#tcc.sharding<@m, [["dp"], []]>'
SPLIT = f"tcc.sharding = {BATCH}"


def model(dt, b):
    """The per-device step for a local batch of b rows."""
    x_t, w_t, y_t = ty((b, K), dt), ty((K, N), dt), ty((b, N), dt)
    g_t, scalar, row = ty((K, N), dt), ty((), dt), ty((K,), dt)
    body = f"""
%y = tcc.matmul %x, %w : ({x_t}, {w_t}) -> {y_t}
%gl = tcc.matmul %x, %y {{transpose_lhs}} : ({x_t}, {y_t}) -> {g_t}
%g = tcc.all_reduce sum %gl over @m ["dp"] : {g_t}
%sl = tcc.reduce sum %y dims = [0, 1] : {y_t} -> {scalar}
%sum = tcc.all_reduce sum %sl over @m ["dp"] : {scalar}
%ml = tcc.reduce mean %y dims = [0, 1] : {y_t} -> {scalar}
%mean = tcc.all_reduce avg %ml over @m ["dp"] : {scalar}
%xl = tcc.reduce max %x dims = [0] : {x_t} -> {row}
%xmax = tcc.all_reduce max %xl over @m ["dp"] : {row}
%d = tcc.dropout %y, %seed {{rate = {RATE} : f64, stream = 1 : i64,
                            sharding = {BATCH}}} : {y_t}, tensor<i64>"""
    return func([("x", x_t, SPLIT), ("w", w_t), ("seed", "tensor<i64>")], body,
                [("y", "%y", y_t, SPLIT), ("g", "%g", g_t),
                 ("sum", "%sum", scalar), ("mean", "%mean", scalar),
                 ("xmax", "%xmax", row), ("d", "%d", y_t, SPLIT)],
                attrs="tcc.mesh = @m", prelude=f"tcc.mesh @m(dp = {DP})")


# The second local batch (2 rows on 4 devices, global 8) does not divide by
# the mesh; only the global batch has to.
for dt, npdt, b in [("f64", np.float64, 4), ("f32", np.float32, 4),
                    ("f64", np.float64, 2)]:
    x = rng.standard_normal((DP * b, K)).astype(npdt)  # global batch
    w = rng.standard_normal((K, N)).astype(npdt)
    y = (x.astype(np.float64) @ w).astype(npdt)
    # Dropout draws the single-device mask: Philox indexed by global element.
    keep = dropout_keep_mask(y.size, SEED, 1, RATE).reshape(y.shape)
    want = {"y": y, "g": (x.T.astype(np.float64) @ y).astype(npdt),
            "sum": np.asarray(y.astype(np.float64).sum(), npdt),
            "mean": np.asarray(y.astype(np.float64).mean(), npdt),
            "xmax": x.max(0),
            "d": np.where(keep, y.astype(np.float64) / (1 - RATE), 0)
            .astype(npdt)}
    s.check("spmd", f"{dt} dp={DP} x={x.shape} (local {b}x{K}) split on dim 0,"
            f" w={w.shape} replicated: matmul, all_reduce sum/avg/max, "
            "dropout", model(dt, b),
            {"x": x, "w": w, "seed": np.array(SEED)}, want, dt)

s.finish()
