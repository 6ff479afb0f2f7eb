# RUN: %python %s
# RUN: env TCC_E2E_BACKEND=cpu %python %s
# Data movement and generators of `tcc eval` against NumPy, compared exactly
# (scatter_add, which adds, within a stated tolerance):
# constant, iota, broadcast, broadcast_in_dim, reshape, transpose, slice,
# concat, gather, scatter_add.

import numpy as np

from tcctest import NPDT, Suite, func, ty

s = Suite("data_movement")
rng = s.rng


def rand(shape, dt):
    if dt == "i1":
        return rng.integers(0, 2, shape).astype(bool)
    return np.asarray(rng.standard_normal(shape) * 100, NPDT[dt])


def one_input(op, case, shape, dt, body, out_shape, ref):
    """Model with input x of `shape` and one result y computed by `body`."""
    model = func([("x", ty(shape, dt))], body, [("y", "%y", ty(out_shape, dt))])
    x = rand(shape, dt)
    s.check(op, f"{dt} {case}", model, {"x": x}, {"y": np.asarray(ref(x))},
            "exact")


# constant
for value, t, want in [
        ("dense<[[1.5, -2.0], [3.0, 4.25]]>", "tensor<2x2xf32>",
         np.array([[1.5, -2.0], [3.0, 4.25]], np.float32)),
        ("dense<7>", "tensor<3xi64>", np.full(3, 7, np.int64)),
        ("dense<2.5>", "tensor<f64>", np.array(2.5)),
        ("dense<[true, false]>", "tensor<2xi1>", np.array([True, False])),
        ("dense<[-3, 2147483647]>", "tensor<2xi32>",
         np.array([-3, 2147483647], np.int32))]:
    model = func([], f"%y = tcc.constant {value} : {t}", [("y", "%y", t)])
    s.check("constant", t, model, {}, {"y": want}, "exact")

# iota
for shape, dim, dt in [((5,), 0, "i64"), ((4, 3), 0, "f32"), ((4, 3), 1, "f32"),
                       ((2, 3, 4), 2, "i32"), ((2, 3, 4), 1, "f64"),
                       ((1,), 0, "i32")]:
    t = ty(shape, dt)
    model = func([], f"%y = tcc.iota dim = {dim} : {t}", [("y", "%y", t)])
    idx = np.arange(shape[dim]).reshape([-1 if d == dim else 1
                                         for d in range(len(shape))])
    want = np.broadcast_to(idx, shape).astype(NPDT[dt])
    s.check("iota", f"{dt} {shape} dim={dim}", model, {}, {"y": want}, "exact")

# broadcast
for src, dst, dt in [((), (2, 3), "f64"), ((3, 1), (2, 3, 4), "f32"),
                     ((1,), (5,), "i32"), ((4,), (2, 3, 4), "i64"),
                     ((2, 1, 3), (2, 4, 3), "f32"), ((2, 3), (2, 3), "i1"),
                     ((1, 1), (1, 6), "f64")]:
    body = f"%y = tcc.broadcast %x : {ty(src, dt)} -> {ty(dst, dt)}"
    one_input("broadcast", f"{src}->{dst}", src, dt, body, dst,
              lambda x: np.broadcast_to(x, dst))

# broadcast_in_dim
for src, dims, dst, dt in [((8,), [0], (8, 16), "f32"),
                           ((1,), [1], (3, 4), "f64"),
                           ((2, 1), [0, 2], (2, 3, 5), "i64"),
                           ((), [], (3,), "f32"),
                           ((3, 4), [1, 2], (2, 3, 4), "i32"),
                           ((4,), [1], (2, 4, 3), "i1")]:
    body = (f"%y = tcc.broadcast_in_dim %x, dims = {dims} : "
            f"{ty(src, dt)} -> {ty(dst, dt)}")
    expanded = [1] * len(dst)
    for i, d in enumerate(dims):
        expanded[d] = src[i]
    one_input("broadcast_in_dim", f"{src}->{dst} dims={dims}", src, dt, body,
              dst, lambda x: np.broadcast_to(x.reshape(expanded), dst))

# reshape
for src, dst, dt in [((2, 3, 4), (6, 4), "f32"), ((), (1, 1), "f64"),
                     ((1,), (), "i64"), ((12,), (3, 1, 4), "i32"),
                     ((2, 6), (4, 3), "i1")]:
    body = f"%y = tcc.reshape %x : {ty(src, dt)} -> {ty(dst, dt)}"
    one_input("reshape", f"{src}->{dst}", src, dt, body, dst,
              lambda x: x.reshape(dst))

# transpose
for src, perm, dt in [((2, 3), [1, 0], "f32"), ((2, 3, 4), [2, 0, 1], "f64"),
                      ((2, 3, 4, 5), [1, 3, 0, 2], "i32"), ((), [], "f32"),
                      ((1, 5), [1, 0], "i64"), ((3, 1, 2), [0, 1, 2], "i1")]:
    dst = tuple(src[p] for p in perm)
    body = (f"%y = tcc.transpose %x, permutation = {perm} : "
            f"{ty(src, dt)} -> {ty(dst, dt)}")
    one_input("transpose", f"{src} perm={perm}", src, dt, body, dst,
              lambda x: np.transpose(x, perm))

# slice
for src, start, limit, stride, dt in [
        ((4, 8), [0, 2], [4, 8], [1, 2], "f32"),
        ((10,), [1], [9], [3], "f64"),
        ((3, 4, 5), [1, 0, 2], [3, 4, 5], [1, 3, 2], "i64"),
        ((3, 4), [0, 0], [3, 4], [1, 1], "i32"),
        ((6, 1), [5, 0], [6, 1], [4, 1], "i1"),
        ((), [], [], [], "f32"),
        ((5, 3), [2, 0], [2, 3], [1, 1], "f32")]:  # an empty result
    index = tuple(slice(a, b, c) for a, b, c in zip(start, limit, stride))
    dst = np.empty(src)[index].shape
    body = (f"%y = tcc.slice %x, start = {start}, limit = {limit}, stride = "
            f"{stride} : {ty(src, dt)} -> {ty(dst, dt)}")
    one_input("slice", f"{src} [{start}:{limit}:{stride}]", src, dt, body,
              dst, lambda x: x[index])

# concat
for shapes, dim, dt in [([(2, 3), (2, 5)], 1, "f32"),
                        ([(1, 4), (3, 4), (2, 4)], 0, "f64"),
                        ([(3,)], 0, "i64"), ([(2,), (1,)], 0, "i32"),
                        ([(2, 1, 3), (2, 2, 3)], 1, "i1")]:
    xs = [rand(shape, dt) for shape in shapes]
    want = np.concatenate(xs, dim)
    names = [f"x{i}" for i in range(len(xs))]
    in_types = ", ".join(ty(sh, dt) for sh in shapes)
    body = (f"%y = tcc.concat {', '.join('%' + n for n in names)} dim = {dim} "
            f": ({in_types}) -> {ty(want.shape, dt)}")
    model = func([(n, ty(sh, dt)) for n, sh in zip(names, shapes)], body,
                 [("y", "%y", ty(want.shape, dt))])
    s.check("concat", f"{dt} {shapes} dim={dim}", model, dict(zip(names, xs)),
            {"y": want}, "exact")

# gather
for table_shape, idx_shape, axis, dt, idt in [
        ((50, 16), (2, 8), 0, "f32", "i64"), ((4, 6), (3,), 1, "f64", "i64"),
        ((5,), (), 0, "f32", "i32"), ((3, 4, 5), (2, 2), 2, "i64", "i32"),
        ((3, 7), (), 1, "i32", "i64"), ((4, 2), (1, 3), 0, "i1", "i32")]:
    table = rand(table_shape, dt)
    idx = np.asarray(rng.integers(0, table_shape[axis], idx_shape), NPDT[idt])
    want = np.take(table, idx, axis)
    body = (f"%y = tcc.gather %t, %i axis = {axis} : ({ty(table_shape, dt)}, "
            f"{ty(idx_shape, idt)}) -> {ty(want.shape, dt)}")
    model = func([("t", ty(table_shape, dt)), ("i", ty(idx_shape, idt))], body,
                 [("y", "%y", ty(want.shape, dt))])
    s.check("gather", f"{dt} table={table_shape} indices={idx_shape}:{idt} "
            f"axis={axis}", model, {"t": table, "i": idx}, {"y": want}, "exact")

# scatter_add: the reference adds the rows in index order in f64 (NumPy's
# np.add.at), then rounds once; tcc rounds each sum to f32 (1e-5 relative
# covers a few dozen roundings). For f16 the reference is the same
# sequential sum, each step computed in f32 and rounded to f16, which is
# what the kernels do; the evaluator rounds from f64 once per step, so it
# may differ by an ulp where the f32 sum itself rounded.
for rows, count, cols, dt, idt in [(50, 64, 16, "f32", "i64"),
                                   (7, 5, 3, "f64", "i32"),
                                   (1, 9, 33, "f32", "i64"),
                                   (9, 1, 1, "f32", "i64"),
                                   (12, 40, 8, "f16", "i64")]:
    updates = np.asarray(rng.standard_normal((count, cols)), NPDT[dt])
    idx = np.asarray(rng.integers(0, rows, count), NPDT[idt])
    if dt == "f16":
        want = np.zeros((rows, cols), np.float16)
        for i, row in enumerate(idx):
            want[row] = (want[row].astype(np.float32) +
                         updates[i].astype(np.float32)).astype(np.float16)
        tol = "ulp:f16"
    else:
        table = np.zeros((rows, cols), np.float64)
        np.add.at(table, idx, updates.astype(np.float64))
        want, tol = table.astype(NPDT[dt]), dt
    body = (f"%y = tcc.scatter_add %u, %i rows = {rows} : "
            f"({ty((count, cols), dt)}, {ty((count,), idt)}) -> "
            f"{ty((rows, cols), dt)}")
    model = func([("u", ty((count, cols), dt)), ("i", ty((count,), idt))],
                 body, [("y", "%y", ty((rows, cols), dt))])
    s.check("scatter_add", f"{dt} rows={rows} indices={count}:{idt} "
            f"columns={cols}", model, {"u": updates, "i": idx}, {"y": want},
            tol)

s.finish()
