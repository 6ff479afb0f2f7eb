# RUN: %python %s
# RUN: env TCC_E2E_BACKEND=cpu %python %s
# Neural-network ops of `tcc eval` against torch.nn.functional computing in
# the same dtype (f64, f32): matmul, layer_norm, batch_norm (train/eval with
# running statistics), softmax, log_softmax, cross_entropy, mse_loss, gelu.
# conv2d and pooling are in conv_pool.py. Tolerances: test/lib/tcctest.py.

import numpy as np
import torch
import torch.nn.functional as F

from tcctest import NPDT, Suite, func, ty

s = Suite("nn")
rng = s.rng


def randn(shape, dt, scale=1.0, offset=0.0):
    return np.asarray(rng.standard_normal(shape) * scale + offset, NPDT[dt])


def T(a):
    return torch.from_numpy(np.asarray(a))


for dt in ["f64", "f32"]:
    # matmul: (lhs, rhs, transpose_lhs, transpose_rhs)
    for a_shape, b_shape, tl, tr in [
            ((3, 4), (4, 5), 0, 0), ((1, 4), (4, 1), 0, 0),
            ((2, 3, 4), (4, 5), 0, 0), ((2, 1, 3, 4), (5, 4, 6), 0, 0),
            ((3, 4), (2, 4, 5), 0, 0), ((4, 3), (4, 5), 1, 0),
            ((2, 3, 4), (5, 4), 0, 1), ((2, 4, 3), (1, 5, 4), 1, 1),
            ((8, 256), (256, 8), 0, 0), ((1, 1), (1, 7), 0, 0)]:
        a, b = randn(a_shape, dt), randn(b_shape, dt)
        ta, tb = T(a), T(b)
        want = torch.matmul(ta.transpose(-1, -2) if tl else ta,
                            tb.transpose(-1, -2) if tr else tb).numpy()
        attrs = [n for n, f in [("transpose_lhs", tl), ("transpose_rhs", tr)]
                 if f]
        attr = f" {{{', '.join(attrs)}}}" if attrs else ""
        body = (f"%y = tcc.matmul %a, %b{attr} : ({ty(a_shape, dt)}, "
                f"{ty(b_shape, dt)}) -> {ty(want.shape, dt)}")
        model = func([("a", ty(a_shape, dt)), ("b", ty(b_shape, dt))], body,
                     [("y", "%y", ty(want.shape, dt))])
        s.check("matmul", f"{dt} {a_shape}x{b_shape} tl={tl} tr={tr}", model,
                {"a": a, "b": b}, {"y": want}, dt)

    # layer_norm: (input, normalized shape, epsilon, input offset)
    for x_shape, w_shape, eps, offset in [
            ((4, 8, 16), (16,), 1e-5, 0.0), ((2, 3, 4, 5), (4, 5), 1e-5, 0.0),
            ((5, 1), (1,), 1e-5, 0.0), ((3, 7), (7,), 1e-3, 0.0),
            ((6,), (6,), 1e-5, 0.0), ((4, 32), (32,), 1e-5, 100.0)]:
        x = randn(x_shape, dt, 2.0, offset)
        w, b = randn(w_shape, dt), randn(w_shape, dt)
        want = F.layer_norm(T(x), w_shape, T(w), T(b), eps).numpy()
        body = (f"%y = tcc.layer_norm %x, %w, %b {{epsilon = {eps:e} : f64}} : "
                f"({ty(x_shape, dt)}, {ty(w_shape, dt)}, {ty(w_shape, dt)}) -> "
                f"{ty(x_shape, dt)}")
        model = func([("x", ty(x_shape, dt)), ("w", ty(w_shape, dt)),
                      ("b", ty(w_shape, dt))], body,
                     [("y", "%y", ty(x_shape, dt))])
        s.check("layer_norm", f"{dt} {x_shape} w={w_shape} eps={eps} "
                f"offset={offset}", model, {"x": x, "w": w, "b": b},
                {"y": want}, dt)

    # batch_norm: (input, training, momentum, epsilon)
    for x_shape, training, momentum, eps in [
            ((8, 4, 6, 6), True, 0.1, 1e-5), ((5, 3), True, 0.3, 1e-3),
            ((4, 2, 5), True, 0.1, 1e-5), ((1, 3, 4, 4), True, 0.5, 1e-5),
            ((8, 4, 6, 6), False, 0.1, 1e-5), ((5, 3), False, 0.1, 1e-3)]:
        c = x_shape[1]
        x = randn(x_shape, dt, 2.0, 0.5)
        w, b, rm = randn((c,), dt), randn((c,), dt), randn((c,), dt)
        rv = np.asarray(np.abs(randn((c,), dt)) + 0.5, NPDT[dt])
        trm, trv = T(rm.copy()), T(rv.copy())
        out = F.batch_norm(T(x), trm, trv, T(w), T(b), training, momentum,
                           eps).numpy()
        v = ty((c,), dt)
        attrs = (f"epsilon = {eps:e} : f64, momentum = {momentum:e} : f64"
                 + (", training" if training else ""))
        body = (f"%y, %m, %v = tcc.batch_norm %x, %w, %b, %rm, %rv {{{attrs}}} "
                f": ({ty(x_shape, dt)}, {v}, {v}, {v}, {v}) -> "
                f"({ty(x_shape, dt)}, {v}, {v})")
        model = func([("x", ty(x_shape, dt)), ("w", v), ("b", v), ("rm", v),
                      ("rv", v)], body,
                     [("y", "%y", ty(x_shape, dt)), ("new_mean", "%m", v),
                      ("new_var", "%v", v)])
        mode = "train" if training else "eval"
        s.check("batch_norm", f"{dt} {mode} {x_shape} momentum={momentum} "
                f"eps={eps}", model, {"x": x, "w": w, "b": b, "rm": rm,
                                      "rv": rv},
                {"y": out, "new_mean": trm.numpy(), "new_var": trv.numpy()}, dt)

    # softmax, log_softmax: (shape, dim, scale, offset)
    for shape, dim, scale, offset in [
            ((4, 10), 1, 1.0, 0.0), ((4, 10), 0, 1.0, 0.0),
            ((2, 3, 5), 1, 3.0, 0.0), ((7,), 0, 1.0, 0.0),
            ((3, 1), 1, 1.0, 0.0),
            ((3, 6), 1, 1e4, 0.0), ((2, 5), 1, 10.0, 1e4),
            ((2, 5), 0, 10.0, -1e4)]:
        x = randn(shape, dt, scale, offset)
        for op, ref in [("softmax", torch.softmax),
                        ("log_softmax", torch.log_softmax)]:
            body = f"%y = tcc.{op} %x dim = {dim} : {ty(shape, dt)}"
            model = func([("x", ty(shape, dt))], body,
                         [("y", "%y", ty(shape, dt))])
            s.check(op, f"{dt} {shape} dim={dim} scale={scale:g} "
                    f"offset={offset:g}", model, {"x": x},
                    {"y": ref(T(x), dim).numpy()}, dt)
    # -inf entries (masked attention scores) get probability 0; a row of
    # only -inf is NaN, as in PyTorch.
    x = randn((3, 4), dt)
    x[0, 1] = x[2, 0] = x[2, 3] = -np.inf
    x[1, :] = -np.inf
    for op, ref in [("softmax", torch.softmax),
                    ("log_softmax", torch.log_softmax)]:
        model = func([("x", ty((3, 4), dt))],
                     f"%y = tcc.{op} %x dim = 1 : {ty((3, 4), dt)}",
                     [("y", "%y", ty((3, 4), dt))])
        s.check(op, f"{dt} -inf entries", model, {"x": x},
                {"y": ref(T(x), 1).numpy()}, dt)

    # cross_entropy: (N, C, label dtype, label_smoothing, ignore_index, scale)
    for n, c, ldt, smooth, ignore, scale in [
            (8, 10, "i64", 0.0, None, 1.0), (8, 10, "i64", 0.1, None, 1.0),
            (8, 10, "i64", 0.0, -100, 1.0), (8, 10, "i32", 0.2, -100, 1.0),
            (6, 5, "i64", 0.0, 3, 1.0), (6, 5, "i64", 0.15, 3, 1.0),
            (1, 4, "i32", 0.0, None, 1.0), (5, 1, "i64", 0.1, None, 1.0),
            (4, 7, "i64", 0.1, None, 100.0), (3, 4, "i64", 0.1, -1, 1.0)]:
        logits = randn((n, c), dt, scale)
        labels = rng.integers(0, c, (n,))
        if ignore is not None:
            labels[: max(1, n // 3)] = ignore  # some (or, for n=3, all) rows
            if n == 3:
                labels[:] = ignore
        labels = labels.astype(np.int64 if ldt == "i64" else np.int32)
        want = F.cross_entropy(
            T(logits), T(labels.astype(np.int64)), label_smoothing=smooth,
            ignore_index=-100 if ignore is None else ignore).numpy()
        attrs = [f"label_smoothing = {smooth:e} : f64"]
        if ignore is not None:
            attrs.append(f"ignore_index = {ignore} : i64")
        body = (f"%l = tcc.cross_entropy %x, %t {{{', '.join(attrs)}}} : "
                f"({ty((n, c), dt)}, {ty((n,), ldt)}) -> {ty((), dt)}")
        model = func([("x", ty((n, c), dt)), ("t", ty((n,), ldt))], body,
                     [("loss", "%l", ty((), dt))])
        s.check("cross_entropy", f"{dt} {n}x{c} labels={ldt} smoothing={smooth}"
                f" ignore_index={ignore} scale={scale:g}", model,
                {"x": logits, "t": labels}, {"loss": want}, dt)

    # mse_loss
    for shape in [(8, 4), (), (1,), (2, 3, 4)]:
        a, b = randn(shape, dt), randn(shape, dt)
        body = (f"%l = tcc.mse_loss %a, %b : ({ty(shape, dt)}, {ty(shape, dt)})"
                f" -> {ty((), dt)}")
        model = func([("a", ty(shape, dt)), ("b", ty(shape, dt))], body,
                     [("loss", "%l", ty((), dt))])
        s.check("mse_loss", f"{dt} {shape}", model, {"a": a, "b": b},
                {"loss": F.mse_loss(T(a), T(b)).numpy()}, dt)
    s.check("mse_loss", f"{dt} identical inputs", model, {"a": a, "b": a},
            {"loss": np.zeros((), NPDT[dt])}, dt)

    # gelu, exact and tanh
    for approx in ["none", "tanh"]:
        for shape, scale in [((), 1.0), ((3, 4), 2.0), ((2, 1, 5), 1.0),
                             ((64,), 10.0)]:
            x = randn(shape, dt, scale)
            attr = "" if approx == "none" else " approximate = tanh"
            model = func([("x", ty(shape, dt))],
                         f"%y = tcc.gelu %x{attr} : {ty(shape, dt)}",
                         [("y", "%y", ty(shape, dt))])
            s.check("gelu", f"{dt} {approx} {shape} scale={scale:g}", model,
                    {"x": x}, {"y": F.gelu(T(x), approximate=approx).numpy()},
                    dt)

s.finish()
