"""The registry of ATen op lowerings."""

LOWERINGS = {}


def lowers(*names):
    """Registers a lowering for the named ATen overloads. The function gets
    the lowering context, then the node's arguments with graph values in
    place of fx nodes, and returns a Value, a tuple of them, or a Python
    value."""
    def register(fn):
        for name in names:
            assert name not in LOWERINGS, f"{name} lowered twice"
            LOWERINGS[name] = fn
        return fn
    return register
