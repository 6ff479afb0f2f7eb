# RUN: %python %s
# RUN: env TCC_E2E_BACKEND=cpu %python %s
# conv2d, max_pool2d and avg_pool2d of `tcc eval` against torch.nn.functional
# in the same dtype (f64, f32). tcc's padding is [top, bottom, left, right];
# PyTorch pads symmetrically, so asymmetric cases pad with F.pad first (zeros
# for conv and avg_pool, -inf for max_pool). Tolerances: test/lib/tcctest.py.

import numpy as np
import torch
import torch.nn.functional as F

from tcctest import NPDT, Suite, func, ty

s = Suite("conv_pool")
rng = s.rng


def arr(values):
    return f"array<i64: {', '.join(str(v) for v in values)}>"


def randn(shape, dt):
    return np.asarray(rng.standard_normal(shape), NPDT[dt])


def T(a):
    return torch.from_numpy(np.asarray(a))


def torch_pad(pad):
    """tcc [top, bottom, left, right] -> F.pad's (left, right, top, bottom)."""
    t, b, l, r = pad
    return (l, r, t, b)


# conv2d: (input, weight, bias, stride, padding, dilation, groups)
CONV = [
    ((2, 3, 8, 8), (4, 3, 3, 3), True, (1, 1), (1, 1, 1, 1), (1, 1), 1),
    ((2, 3, 9, 8), (5, 3, 3, 3), False, (2, 2), (0, 0, 0, 0), (1, 1), 1),
    ((1, 4, 7, 6), (6, 2, 3, 2), True, (2, 1), (1, 1, 0, 0), (1, 2), 2),
    ((2, 2, 6, 7), (3, 2, 2, 3), True, (1, 2), (0, 2, 1, 0), (1, 1), 1),
    ((2, 3, 5, 5), (3, 1, 3, 3), False, (1, 1), (2, 1, 1, 2), (2, 2), 3),
    ((3, 2, 1, 1), (5, 2, 1, 1), True, (1, 1), (0, 0, 0, 0), (1, 1), 1),
    ((1, 1, 4, 9), (2, 1, 2, 5), True, (3, 2), (1, 0, 2, 3), (1, 1), 1),
    ((1, 6, 6, 6), (4, 3, 3, 1), True, (2, 3), (1, 1, 1, 1), (2, 1), 2),
]
for dt in ["f64", "f32"]:
    for x_shape, w_shape, has_bias, stride, pad, dilation, groups in CONV:
        x, w = randn(x_shape, dt), randn(w_shape, dt)
        b = randn((w_shape[0],), dt)
        want = F.conv2d(F.pad(T(x), torch_pad(pad)), T(w),
                        T(b) if has_bias else None, stride, 0, dilation,
                        groups).numpy()
        args = [("x", ty(x_shape, dt)), ("w", ty(w_shape, dt))]
        inputs = {"x": x, "w": w}
        if has_bias:
            args.append(("b", ty(b.shape, dt)))
            inputs["b"] = b
        attrs = (f"stride = {arr(stride)}, padding = {arr(pad)}, dilation = "
                 f"{arr(dilation)}, groups = {groups} : i64")
        operands = ", ".join(f"%{n}" for n, _ in args)
        types = ", ".join(t for _, t in args)
        body = (f"%y = tcc.conv2d {operands} {{{attrs}}} : ({types}) -> "
                f"{ty(want.shape, dt)}")
        model = func(args, body, [("y", "%y", ty(want.shape, dt))])
        s.check("conv2d", f"{dt} x={x_shape} w={w_shape} bias={has_bias} "
                f"stride={stride} pad={pad} dilation={dilation} "
                f"groups={groups}", model, inputs, {"y": want}, dt)


def pool_model(op, x_shape, out_shape, dt, attrs):
    body = (f"%y = tcc.{op} %x {{{attrs}}} : {ty(x_shape, dt)} -> "
            f"{ty(out_shape, dt)}")
    return func([("x", ty(x_shape, dt))], body,
                [("y", "%y", ty(out_shape, dt))])


def pool_attrs(kernel, stride, pad, ceil, extra=""):
    text = (f"kernel_size = {arr(kernel)}, stride = {arr(stride)}, padding = "
            f"{arr(pad)}")
    return text + (", ceil_mode" if ceil else "") + extra


# max_pool2d: (input, kernel, stride, padding, dilation, ceil_mode)
MAX = [
    ((1, 2, 8, 8), (2, 2), (2, 2), (0, 0, 0, 0), (1, 1), False),
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), False),
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), True),
    ((1, 1, 5, 5), (2, 2), (2, 2), (0, 0, 0, 0), (1, 1), True),
    # ceil_mode drops the last window, which would start in the padding.
    ((1, 1, 5, 5), (2, 2), (2, 2), (1, 1, 1, 1), (1, 1), True),
    ((1, 2, 6, 7), (3, 2), (1, 2), (1, 1, 0, 0), (2, 1), False),
    ((2, 2, 9, 8), (3, 3), (2, 3), (1, 1, 1, 1), (2, 2), True),
    ((1, 2, 6, 6), (3, 3), (2, 2), (0, 1, 1, 0), (1, 1), False),  # asymmetric
    ((1, 1, 1, 1), (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), False),
]
for dt in ["f64", "f32"]:
    for x_shape, kernel, stride, pad, dilation, ceil in MAX:
        # All negative, so a padding value of 0 would win: padding is -inf.
        x = np.asarray(-np.abs(randn(x_shape, dt)) - 1, NPDT[dt])
        t, b, l, r = pad
        if t == b and l == r:
            want = F.max_pool2d(T(x), kernel, stride, (t, l), dilation,
                                ceil_mode=ceil)
        else:
            want = F.max_pool2d(F.pad(T(x), torch_pad(pad), value=-np.inf),
                                kernel, stride, 0, dilation, ceil_mode=ceil)
        want = want.numpy()
        model = pool_model("max_pool2d", x_shape, want.shape, dt,
                           pool_attrs(kernel, stride, pad, ceil,
                                      f", dilation = {arr(dilation)}"))
        s.check("max_pool2d", f"{dt} {x_shape} k={kernel} s={stride} p={pad} "
                f"d={dilation} ceil={ceil}", model, {"x": x}, {"y": want}, dt)

# avg_pool2d: (input, kernel, stride, padding, ceil_mode), each with and
# without count_include_pad.
AVG = [
    ((1, 2, 8, 8), (2, 2), (2, 2), (0, 0, 0, 0), False),
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1, 1, 1), False),
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1, 1, 1), True),
    ((1, 1, 5, 5), (2, 2), (2, 2), (0, 0, 0, 0), True),
    ((1, 1, 5, 5), (2, 2), (2, 2), (1, 1, 1, 1), True),
    ((1, 2, 6, 9), (2, 3), (1, 2), (1, 1, 0, 0), False),
    ((2, 1, 8, 7), (3, 2), (3, 2), (1, 1, 1, 1), True),
    ((1, 2, 6, 6), (3, 3), (2, 2), (0, 1, 1, 0), False),  # asymmetric
    ((1, 2, 5, 7), (2, 3), (1, 1), (1, 0, 0, 1), False),  # asymmetric
]
for dt in ["f64", "f32"]:
    for x_shape, kernel, stride, pad, ceil in AVG:
        for include in [True, False]:
            x = randn(x_shape, dt)
            t, b, l, r = pad
            if t == b and l == r:
                want = F.avg_pool2d(T(x), kernel, stride, (t, l), ceil,
                                    count_include_pad=include)
            else:
                # Sum over the window divided by the window size (padding
                # included) or by the number of input elements in it.
                padded = F.pad(T(x), torch_pad(pad))
                want = F.avg_pool2d(padded, kernel, stride, 0, ceil)
                if not include:
                    ones = F.pad(torch.ones_like(T(x)), torch_pad(pad))
                    want = want / F.avg_pool2d(ones, kernel, stride, 0, ceil)
            want = want.numpy()
            extra = ", count_include_pad" if include else ""
            model = pool_model("avg_pool2d", x_shape, want.shape, dt,
                               pool_attrs(kernel, stride, pad, ceil, extra))
            s.check("avg_pool2d", f"{dt} {x_shape} k={kernel} s={stride} "
                    f"p={pad} ceil={ceil} count_include_pad={include}", model,
                    {"x": x}, {"y": want}, dt)

s.finish()
