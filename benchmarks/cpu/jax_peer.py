"""The benchmark cases of compare.py in JAX (XLA on the CPU), jit-compiled.

Run by compare.py with the interpreter of a venv that has jax:
  python jax_peer.py THREADS  ->  prints {"case": median ms, ...} as JSON
"""
import json
import os
import statistics
import sys
import time

threads = sys.argv[1]
os.environ["XLA_FLAGS"] = (f"--xla_cpu_multi_thread_eigen=true "
                           f"intra_op_parallelism_threads={threads}")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

N_GELU = 16 * 1024 * 1024
ROWS, COLS = 8192, 1024
MM = 2048
BATCH, D_IN, D_HID, D_OUT = 256, 784, 1024, 10


def timed(fn, *args, repeat=20):
    fn(*args).block_until_ready()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args).block_until_ready()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


key = jax.random.PRNGKey(0)
k = jax.random.split(key, 12)
x = jax.random.normal(k[0], (N_GELU,))
r = jax.random.normal(k[1], (ROWS, COLS))
w, b = jax.random.normal(k[2], (COLS,)), jax.random.normal(k[3], (COLS,))
ma, mb = jax.random.normal(k[4], (MM, MM)), jax.random.normal(k[5], (MM, MM))
mx = jax.random.normal(k[6], (BATCH, D_IN))
params = [(jax.random.normal(k[7], (D_HID, D_IN)) * 0.03, jnp.zeros(D_HID)),
          (jax.random.normal(k[8], (D_HID, D_HID)) * 0.03, jnp.zeros(D_HID)),
          (jax.random.normal(k[9], (D_OUT, D_HID)) * 0.03, jnp.zeros(D_OUT))]


def layer_norm(v, g, bias):
    mean = v.mean(-1, keepdims=True)
    var = ((v - mean) ** 2).mean(-1, keepdims=True)
    return (v - mean) / jnp.sqrt(var + 1e-5) * g + bias


def mlp(v, ps):
    for i, (wi, bi) in enumerate(ps):
        v = v @ wi.T + bi
        if i < len(ps) - 1:
            v = jax.nn.relu(v)
    return v


print(json.dumps({
    "gelu(x*a+b) 16M": timed(jax.jit(lambda v: jax.nn.gelu(v * 1.5 + 0.25,
                                                          approximate=False)), x),
    "softmax 8192x1024": timed(jax.jit(lambda v: jax.nn.softmax(v, axis=1)), r),
    "layer_norm 8192x1024": timed(jax.jit(layer_norm), r, w, b),
    "matmul 2048^3": timed(jax.jit(jnp.matmul), ma, mb, repeat=10),
    "MLP fwd 256x784-1024-1024-10": timed(jax.jit(mlp), mx, params, repeat=50),
    "_version": jax.__version__,
}))
