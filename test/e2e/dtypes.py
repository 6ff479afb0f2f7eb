# RUN: %python %s
# RUN: env TCC_E2E_BACKEND=cpu %python %s
# Element types in `tcc eval`: tcc.cast between every pair of kinds against
# NumPy (PyTorch for bf16, which NumPy lacks), compared exactly; f16 and bf16
# arithmetic against PyTorch computing in f32 and rounding to the dtype,
# within one ulp of the dtype at the reference value; and `--f64`, which
# computes an f32 graph in f64. Double rounding in casts: cast_rounding.py.

import numpy as np
import torch
import torch.nn.functional as F

from tcctest import NPDT, Suite, func, ty

s = Suite("dtypes")
rng = s.rng


def bf16(x):
    """f32 values rounded to bf16 (round to nearest even), held in f32."""
    return torch.from_numpy(np.asarray(x, np.float32)).to(torch.bfloat16) \
        .float().numpy()


def cast_model(shape, src, dst):
    """x (src, or f32 for bf16) -> [cast to bf16 ->] cast to dst -> y."""
    if src == "bf16":
        f32, b16, out = ty(shape, "f32"), ty(shape, "bf16"), ty(shape, dst)
        body = (f"%b = tcc.cast %x : {f32} -> {b16}\n"
                f"%y = tcc.cast %b : {b16} -> {out}")
        return func([("x", f32)], body, [("y", "%y", out)])
    body = f"%y = tcc.cast %x : {ty(shape, src)} -> {ty(shape, dst)}"
    return func([("x", ty(shape, src))], body, [("y", "%y", ty(shape, dst))])


def check_cast(case, src, dst, x, want):
    x = np.asarray(x, np.float32 if src == "bf16" else NPDT[src])
    s.check("cast", f"{src}->{dst} {case}", cast_model(x.shape, src, dst),
            {"x": x}, {"y": np.asarray(want)}, "exact")


with np.errstate(over="ignore", invalid="ignore"):
    # float -> float: round to nearest even, overflow to inf, NaN and inf kept.
    floats = np.concatenate([rng.standard_normal(40) * 100,
                             [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-6, -3e-8]])
    for src, dst in [("f64", "f32"), ("f32", "f64"), ("f32", "f16"),
                     ("f16", "f32"), ("f16", "f64")]:
        x = floats.astype(NPDT[src])
        check_cast("random/specials", src, dst, x, x.astype(NPDT[dst]))
    ties16 = np.array([1 + 2**-11, 1 + 3 * 2**-11, 65504.0, 65519.0, 65520.0,
                       70000.0, 2**-25, 3 * 2**-25, -(2**-24)], np.float32)
    check_cast("ties, overflow, subnormals", "f32", "f16", ties16,
               ties16.astype(np.float16))
    for dst in ["f32", "f64"]:
        x = np.concatenate([floats, [1 + 2**-8, 1 + 3 * 2**-8, 3.4e38, 1e-40,
                                     -2.5e-39]]).astype(np.float32)
        check_cast("random/ties/specials", "f32", "bf16", x, bf16(x))
        check_cast("random/ties/specials", "bf16", dst, x,
                   bf16(x).astype(NPDT[dst]))
    x = np.concatenate([rng.standard_normal(20) * 10, [65504.0, 1e-7]])
    check_cast("", "f16", "bf16", x.astype(np.float16),
               bf16(x.astype(np.float16).astype(np.float32)))

    # float -> integer truncates toward zero.
    trunc = np.concatenate([rng.standard_normal(30) * 1000,
                            [-2.7, -0.5, -0.0, 0.5, 2.9999, -1e9, 2147483647.0,
                             -2147483648.0]])
    for src in ["f64", "f32", "f16"]:
        for dst in ["i64", "i32"]:
            x = trunc.astype(NPDT[src])
            if src == "f16":
                x = x[np.abs(x) < 60000]
            if dst == "i32" and src != "f64":
                x = x[np.abs(x.astype(np.float64)) < 2**31 - 128]
            check_cast("truncation", src, dst, x, np.trunc(x).astype(NPDT[dst]))
    x = np.array([1e12, -3e15, 2.5, -7.9], np.float64)
    check_cast("large", "f64", "i64", x, np.trunc(x).astype(np.int64))

    # integer -> float (exact below 2^24 / 2^53, rounded to nearest even above).
    ints = rng.integers(-10**6, 10**6, 20)
    big = np.array([2**24 + 1, 2**24 + 3, -(2**31), 2**31 - 1, 2**53 + 1,
                    -(2**62) - 2**38], np.int64)
    for src, dst in [("i64", "f64"), ("i64", "f32"), ("i32", "f64"),
                     ("i32", "f32"), ("i64", "f16"), ("i32", "bf16")]:
        x = np.concatenate([ints, big]).astype(NPDT[src])
        if src == "i32":
            x = np.concatenate([ints, [2**24 + 1, 2**31 - 1, -(2**31)]]) \
                .astype(np.int32)
        if dst == "f16":
            x = np.clip(x, -65504, 65504)
        want = (bf16(x.astype(np.float32)) if dst == "bf16"
                else x.astype(NPDT[dst]))
        s.check("cast", f"{src}->{dst} exact and rounded",
                cast_model(x.shape, src, dst), {"x": x}, {"y": want}, "exact")

    # integer -> integer wraps modulo 2^32 as tensor.to(torch.int32) does.
    x = np.array([5, -5, 2**31, 2**32 + 7, -(2**31) - 1, 2**40], np.int64)
    check_cast("wraparound", "i64", "i32", x, x.astype(np.int32))
    check_cast("", "i32", "i64", np.array([-(2**31), 2**31 - 1, 0, -1]),
               np.array([-(2**31), 2**31 - 1, 0, -1], np.int64))

    # to i1: nonzero is true; from i1: true is 1.
    for src in ["f32", "f64", "i32", "i64"]:
        x = np.array([0, -0.0, 0.5, -3, 1e-30, 7], np.float64).astype(NPDT[src])
        check_cast("nonzero", src, "i1", x, x.astype(bool))
    check_cast("inf", "f32", "i1", np.array([np.inf, -np.inf, 0.0]),
               np.array([True, True, False]))
    for dst in ["f32", "f64", "i32", "i64", "f16"]:
        x = np.array([True, False, True])
        check_cast("", "i1", dst, x, x.astype(NPDT[dst]))


# f16 / bf16 arithmetic against torch in f32, rounded to the dtype.
def low_precision_case(op, dt, shapes, body, ref, scale=2.0, positive=False):
    names = [f"x{i}" for i in range(len(shapes))]
    xs = [rng.standard_normal(sh) * scale for sh in shapes]
    if positive:
        xs = [np.abs(x) + 0.1 for x in xs]
    if dt == "f16":
        xs = [np.asarray(x, np.float16) for x in xs]
        args = [(n, ty(sh, "f16")) for n, sh in zip(names, shapes)]
        pre = ""
    else:  # no bf16 .npy: pass f32 holding bf16 values and cast in the model
        xs = [bf16(x) for x in xs]
        args = [(n, ty(sh, "f32")) for n, sh in zip(names, shapes)]
        pre = "\n".join(f"%b{n} = tcc.cast %{n} : {ty(sh, 'f32')} -> "
                        f"{ty(sh, 'bf16')}" for n, sh in zip(names, shapes))
        body = body.replace("%x", "%bx")
    tdt = torch.float16 if dt == "f16" else torch.bfloat16
    out = ref(*[torch.from_numpy(np.asarray(x)).float() for x in xs]).to(tdt)
    want = out.numpy() if dt == "f16" else out.float().numpy()
    model = func(args, pre + "\n" + body.format(t=ty(shapes[0], dt),
                                                o=ty(want.shape, dt)),
                 [("y", "%y", ty(want.shape, dt))])
    s.check(op, f"{dt} {shapes}", model, dict(zip(names, xs)), {"y": want},
            f"ulp:{dt}")


for dt in ["f16", "bf16"]:
    for shape in [(), (3, 4), (2, 1, 8)]:
        for op, ref, positive in [("exp", torch.exp, False),
                                  ("tanh", torch.tanh, False),
                                  ("sigmoid", torch.sigmoid, False),
                                  ("sqrt", torch.sqrt, True),
                                  ("log", torch.log, True),
                                  ("gelu", F.gelu, False)]:
            low_precision_case(op, dt, [shape], f"%y = tcc.{op} %x0 : {{t}}",
                               ref, positive=positive)
        for op, ref in [("add", torch.add), ("mul", torch.mul),
                        ("div", torch.div), ("sub", torch.sub)]:
            low_precision_case(op, dt, [shape, shape],
                               f"%y = tcc.{op} %x0, %x1 : {{t}}", ref)
    low_precision_case("softmax", dt, [(4, 16)],
                       "%y = tcc.softmax %x0 dim = 1 : {t}",
                       lambda x: torch.softmax(x, 1), scale=4.0)
    low_precision_case("matmul", dt, [(4, 32), (32, 5)],
                       "%y = tcc.matmul %x0, %x1 : ({t}, "
                       + ty((32, 5), dt) + ") -> {o}", torch.matmul)
    low_precision_case("reduce", dt, [(6, 40)],
                       "%y = tcc.reduce sum %x0 dims = [1] : {t} -> {o}",
                       lambda x: x.sum(1))

# --f64 computes an f32 graph in f64 and writes f64 results.
x = rng.standard_normal((4, 16)).astype(np.float32)
w = rng.standard_normal((16, 8)).astype(np.float32)
body = (f"%h = tcc.matmul %x, %w : ({ty((4, 16), 'f32')}, {ty((16, 8), 'f32')})"
        f" -> {ty((4, 8), 'f32')}\n%g = tcc.gelu %h : {ty((4, 8), 'f32')}\n"
        f"%y = tcc.softmax %g dim = 1 : {ty((4, 8), 'f32')}")
model = func([("x", ty((4, 16), "f32")), ("w", ty((16, 8), "f32"))], body,
             [("y", "%y", ty((4, 8), "f32"))])
want = torch.softmax(F.gelu(torch.from_numpy(x).double()
                            @ torch.from_numpy(w).double()), 1).numpy()
s.check("--f64", "f32 graph matmul+gelu+softmax", model, {"x": x, "w": w},
        {"y": want}, "f64", flags=["--f64"])

s.finish()
