"""Helpers of the training comparisons (test/Training/*.py)."""

import torch


def relative(got, want):
    """||got - want|| / max(||want||, 1e-6), in f64."""
    got, want = got.double(), want.double()
    return float((got - want).norm() / max(float(want.norm()), 1e-6))


def loss_of(output):
    """The loss among a model's outputs (a dict, a tuple, or the loss)."""
    if isinstance(output, dict):
        return output["loss"]
    return output[1] if isinstance(output, tuple) else output


def key_bias_entries(model):
    """state_dict name -> index of the attention key biases.

    Their exact gradient is zero (softmax ignores a constant added to every
    score of a row), so what they receive is rounding noise (~1e-9), which
    AdamW divides by its own magnitude (+ eps 1e-8) into steps of up to lr.
    Those entries follow different noise in tcc and PyTorch and are checked
    against the AdamW bound (lr * steps from their start) instead."""
    entries = {}
    for name, module in model.named_modules():
        if name.endswith("attn") and hasattr(module, "c_attn"):
            c = module.n_embd
            entries[f"{name}.c_attn.bias"] = slice(c, 2 * c)
    return entries
