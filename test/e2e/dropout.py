# RUN: %python %s
# RUN: env TCC_E2E_BACKEND=cpu %python %s
# tcc.dropout in `tcc eval`: (a) each element is 0 or x / (1 - rate); (b) the
# kept fraction is within 5 standard errors of 1 - rate; (c) the mask is the
# Philox-4x32-10 mask of the op's description, recomputed from the published
# algorithm (tcctest.philox4x32_10, checked here against Random123's known
# answers); (d) the same seed and stream give the same mask and another seed
# or stream another mask.

import numpy as np

from tcctest import (NPDT, Suite, dropout_keep_mask, func, philox4x32_10,
                     ty)

s = Suite("dropout")
rng = s.rng

KNOWN_ANSWERS = [  # Random123 kat_vectors, philox4x32 10 rounds
    ((0, 0, 0, 0), (0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
    ((0xffffffff,) * 4, (0xffffffff,) * 2,
     (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
    ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344),
     (0xa4093822, 0x299f31d0),
     (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)),
]
for counter, key, want in KNOWN_ANSWERS:
    got = tuple(philox4x32_10(counter, key))
    s.record("philox", f"known answer {counter[0]:#x}",
             None if got == want else f"got {got}, expected {want}")


def dropout_model(shape, dt, rate, streams):
    body = "\n".join(
        f"%y{i} = tcc.dropout %x, %seed {{rate = {rate!r} : f64, stream = "
        f"{st} : i64}} : {ty(shape, dt)}, tensor<i64>"
        for i, st in enumerate(streams))
    return func([("x", ty(shape, dt)), ("seed", "tensor<i64>")], body,
                [(f"y{i}", f"%y{i}", ty(shape, dt))
                 for i in range(len(streams))])


def run(shape, dt, rate, seed, streams, x=None):
    if x is None:
        x = np.asarray(rng.standard_normal(shape), NPDT[dt])
    out, error = s.evaluate(dropout_model(shape, dt, rate, streams),
                            {"x": x, "seed": np.array(seed, np.int64)})
    return x, out, error


def check_dropout(case, shape, dt, rate, seed, stream, stats=False):
    x, out, error = run(shape, dt, rate, seed, [stream])
    if error:
        return s.record("dropout", case, error)
    y = out["y0"].astype(np.float64).ravel()
    xs = x.astype(np.float64).ravel()
    scaled = xs / (1 - rate)
    rel = 1e-15 if dt == "f64" else 2.0**-23
    kept = y != 0
    # (a) every element is 0 or x / (1 - rate)
    bad = kept & (np.abs(y - scaled) > rel * np.abs(scaled))
    if bad.any():
        i = int(np.argmax(bad))
        return s.record("dropout", case, f"element {i} is {y[i]!r}, neither "
                        f"0 nor x/(1-rate) = {scaled[i]!r}")
    # (c) the mask is Philox's
    want = dropout_keep_mask(xs.size, seed, stream, rate)
    if (kept != want).any():
        i = int(np.argmax(kept != want))
        return s.record("dropout", case, f"{int((kept != want).sum())} of "
                        f"{xs.size} mask bits differ from Philox-4x32-10; "
                        f"first at element {i}: kept={kept[i]}")
    # (b) the kept fraction is within 5 standard errors of 1 - rate
    frac = kept.mean()
    se = np.sqrt(rate * (1 - rate) / xs.size)
    if stats and abs(frac - (1 - rate)) > 5 * se:
        return s.record("dropout", case, f"kept fraction {frac:.5f}, expected "
                        f"{1 - rate} +- {5 * se:.5f}")
    s.record("dropout", case + f" kept={frac:.4f}", None)


check_dropout("f32 512x1024 rate=0.1 stats", (512, 1024), "f32", 0.1, 1234, 3,
              stats=True)
check_dropout("f32 256x1024 rate=0.7 stats", (256, 1024), "f32", 0.7, 99, 0,
              stats=True)
check_dropout("f64 7x33 rate=0.5 seed=-1 stream=2^33+5", (7, 33), "f64", 0.5,
              -1, 2**33 + 5)
check_dropout("f64 seed=2^40+7", (3, 5, 4), "f64", 0.25, 2**40 + 7, 1)
check_dropout("f32 rank 0", (), "f32", 0.3, 42, 7)
check_dropout("f32 rate=0 (identity)", (4, 6), "f32", 0.0, 5, 0)
check_dropout("f32 size-1 dims", (1, 9, 1), "f32", 0.5, 5, 2)

# (d) determinism and independence
shape = (64, 64)
x, first, e1 = run(shape, "f32", 0.5, 77, [0, 1])
_, again, e2 = run(shape, "f32", 0.5, 77, [0, 1], x)
_, other, e3 = run(shape, "f32", 0.5, 78, [0, 1], x)
error = e1 or e2 or e3
if not error:
    same = first["y0"] != 0
    if not np.array_equal(first["y0"], again["y0"]):
        error = "the same seed and stream gave different masks"
    elif np.array_equal(same, first["y1"] != 0):
        error = "streams 0 and 1 gave the same mask"
    elif np.array_equal(same, other["y0"] != 0):
        error = "seeds 77 and 78 gave the same mask"
    else:
        # Independent masks at rate 0.5 agree on about half the elements.
        for name, mask in [("stream", first["y1"] != 0),
                           ("seed", other["y0"] != 0)]:
            agree = (same == mask).mean()
            if abs(agree - 0.5) > 5 * 0.5 / np.sqrt(same.size):
                error = f"masks of another {name} agree on {agree:.3f}"
s.record("dropout", "same seed/stream repeat, other seed, other stream", error)

s.finish()
