"""From a make_fx graph to one tcc function.

Walks the ATen graph in order and lowers each live node through the table
in lowering/, with the user's line as the location of every op it emits.
What PyTorch does in place becomes value semantics: an in-place op's
result replaces the tensor (fx already points later uses at it), updates
of module buffers become `buffer` results (docs/contract.md), and the
cases where value semantics would silently differ from PyTorch's aliasing
(an in-place update of a view, of an input, of a parameter) are errors.

Problems are collected over the whole graph and raised together, so a
user sees every unsupported op of their model at once.
"""

import operator

import torch
import torch.fx

from . import dtypes, locations
from .errors import UnsupportedError
from .lowering import LOWERINGS
from .lowering.context import Context, LoweringError, Pending, expected_result
from .mlir import FunctionBuilder, Value

# Ops whose result shares storage with their first argument.
_VIEWS = {"view", "_unsafe_view", "_reshape_alias", "reshape", "slice", "select",
          "transpose", "t", "permute", "expand", "unsqueeze", "squeeze", "alias",
          "detach", "split", "split_with_sizes", "chunk", "unbind", "as_strided",
          "diagonal", "unflatten", "flatten", "view_as", "expand_as"}

# Ops whose results are losses when returned as 0-d outputs.
_LOSS_OPS = {"cross_entropy", "mse_loss"}

# Constants captured by the trace that are written out as dense literals up
# to this many elements; bigger ones should be buffers (weights travel in
# the safetensors file, not in the IR).
MAX_CONSTANT_ELEMENTS = 1 << 16


class Argument:
    """One argument of the traced function: a placeholder of the graph."""

    def __init__(self, name, role, tensor):
        self.name, self.role, self.tensor = name, role, tensor


class Result:
    def __init__(self, name, role, shape, dtype):
        self.name, self.role, self.shape, self.dtype = name, role, shape, dtype


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _contract_attrs(name, role):
    return f"tcc.name = {_quote(name)}, tcc.role = {_quote(role)}"


def _packet(target):
    """aten.add_.Tensor -> add_"""
    return str(target).split(".")[1] if str(target).startswith("aten.") else None


def _is_in_place(target):
    name = _packet(target)
    return bool(name) and name.endswith("_") and not name.startswith("_")


class _Poison:
    """The value of a node that could not be lowered; its users are skipped
    quietly (the first problem is the one to report)."""


POISON = _Poison()


class Importer:
    def __init__(self, gm, arguments, function_name="forward"):
        self.gm = gm
        self.arguments = list(arguments)
        self.b = FunctionBuilder(function_name)
        self.problems = []
        self.env = {}
        self.state = {}  # buffer name -> its new Value
        self.arg_of = {}  # id(Value) -> Argument
        self.seed_value = None
        self.ctx = Context(self.b, self._seed, self._write_state)
        self.node = None
        self.frames = {}

    # -- problems and locations ------------------------------------------------

    def _frames(self, node):
        if node not in self.frames:
            self.frames[node] = locations.user_frames(node.stack_trace)
        return self.frames[node]

    def problem(self, node, detail, what=None):
        frames = self._frames(node) if node is not None else []
        where = str(frames[0]) if frames else None
        if frames and frames[0].code:
            detail = f"{detail} (in `{frames[0].code}`)" if detail else \
                f"in `{frames[0].code}`"
        self.problems.append((what or str(node.target), where, detail))

    # -- callbacks of the lowering context -------------------------------------

    def _seed(self):
        """The 0-d i64 seed input of random ops, placed after the inputs."""
        if self.seed_value is None:
            names = {a.name for a in self.arguments}
            name = "seed" if "seed" not in names else "dropout_seed"
            position = sum(1 for a in self.arguments if a.role == "input")
            self.seed_value = self.b.argument(name, (), "i64",
                                              _contract_attrs(name, "input"),
                                              position)
            self.seed_name = name
        return self.seed_value

    def _write_state(self, old, new, what):
        """`old`, an operand of the node being lowered, is updated in place.
        Only a placeholder of the graph is a module buffer (a clone of one
        may be the same Value, but PyTorch would update the clone)."""
        sources = [n for n in self.ctx.node.all_input_nodes
                   if n.op == "placeholder" and self.env.get(n) is old]
        arg = self.arg_of.get(id(old)) if sources else None
        if arg is None or arg.role != "buffer":
            kind = f"the {arg.role} '{arg.name}'" if arg else "a computed tensor"
            raise LoweringError(f"updates {kind} in place ({what}); tcc can "
                                "return new values only for module buffers")
        self.state[arg.name] = new
        # Later reads of the buffer see the new value, as in PyTorch.
        self.env[sources[0]] = new

    # -- the walk --------------------------------------------------------------

    def _live_nodes(self):
        """Nodes the outputs depend on, plus ops that update state (an
        in-place op or a batch norm in training mode whose result is
        unused still changes a buffer) and tcc.shard's hints."""
        graph = self.gm.graph
        roots = [n for n in graph.nodes if n.op == "output"]
        roots += [n for n in graph.nodes if n.op == "call_function"
                  and (_is_in_place(n.target) or "batch_norm" in str(n.target)
                       or str(n.target) == "tcc.shard.default")]
        live, stack = set(), roots
        while stack:
            n = stack.pop()
            if n in live:
                continue
            live.add(n)
            stack.extend(n.all_input_nodes)
        return live

    def _arg_values(self, a):
        return torch.fx.node.map_arg(a, lambda n: self.env[n])

    def run(self, output_names):
        graph = self.gm.graph
        self.order = {n: i for i, n in enumerate(graph.nodes)}
        live = self._live_nodes()
        placeholders = [n for n in graph.nodes if n.op == "placeholder"]
        assert len(placeholders) == len(self.arguments)
        for node, arg in zip(placeholders, self.arguments):
            self._placeholder(node, arg)
        out_node = None
        for node in graph.nodes:
            if node.op == "output":
                out_node = node
            elif node in live and node.op == "get_attr":
                self._constant(node)
            elif node in live and node.op == "call_function":
                self._call(node)
        results = self._outputs(out_node, output_names)
        if self.problems:
            raise UnsupportedError(self.problems)
        return results

    def _placeholder(self, node, arg):
        elem = dtypes.element_type(arg.tensor.dtype)
        if elem is None:
            self.problems.append((f"{arg.role} '{arg.name}'", None,
                                  f"dtype {arg.tensor.dtype} is not supported by tcc "
                                  f"(supported: {dtypes.supported_names()})"))
            self.env[node] = POISON
            return
        value = self.b.argument(arg.name, tuple(arg.tensor.shape), elem,
                                _contract_attrs(arg.name, arg.role))
        self.env[node] = value
        self.arg_of[id(value)] = arg

    def _location(self, node, name):
        return locations.mlir_location(self._frames(node), name)

    def _constant(self, node):
        tensor = getattr(self.gm, node.target)
        # fx records no stack for get_attr nodes: the line is its first use's.
        user = next(iter(node.users), node)
        self.b.loc = self._location(user, "constant")
        elem = dtypes.element_type(tensor.dtype)
        if elem is None:
            self.problem(user, f"a captured {tensor.dtype} tensor", "constant")
            self.env[node] = POISON
        elif tensor.numel() > MAX_CONSTANT_ELEMENTS and not bool(
                (tensor == tensor.reshape(-1)[0]).all()):
            self.problem(user, f"a captured tensor of shape {list(tensor.shape)} "
                         "would be a dense literal; register it as a buffer "
                         "(register_buffer) so it travels with the weights",
                         "constant")
            self.env[node] = POISON
        else:
            self.env[node] = self.b.dense(tensor, elem, node.name)

    def _call(self, node):
        args = self._arg_values(node.args)
        kwargs = self._arg_values(node.kwargs)
        if self._poisoned(args, kwargs):
            self.env[node] = POISON
            return
        if node.target is operator.getitem:
            self.env[node] = args[0][args[1]]
            return
        name = str(node.target)
        lower = LOWERINGS.get(name)
        in_place = _is_in_place(node.target) and name not in LOWERINGS
        if lower is None and in_place:
            lower = LOWERINGS.get(name.replace(f".{_packet(node.target)}.",
                                               f".{_packet(node.target)[:-1]}.", 1))
        if lower is None:
            self.problem(node, "not supported by tcc's PyTorch frontend "
                         "(docs/frontend-pytorch.md lists what is)")
            self.env[node] = POISON
            return
        self.b.loc = self._location(node, name)
        self.ctx.node = node
        try:
            value = lower(self.ctx, *args, **kwargs)
            self._check(node, value)
            if _is_in_place(node.target):
                self._in_place(node, args[0], value)
        except LoweringError as e:
            self.problem(node, str(e))
            value = POISON
        except Exception as e:  # a bug in a lowering: say so, with the op
            self.problem(node, f"internal error in tcc's lowering: "
                         f"{type(e).__name__}: {e}")
            value = POISON
        self.env[node] = value

    @staticmethod
    def _poisoned(args, kwargs):
        found = []
        torch.fx.node.map_aggregate((args, kwargs),
                                    lambda v: found.append(v is POISON) or v)
        return any(found)

    def _check(self, node, value):
        """The lowering must produce what PyTorch produced while tracing."""
        want = expected_result(node)
        got = value if isinstance(value, (tuple, list)) else (value,)
        want = want if isinstance(want, list) else (want,)
        for v, w in zip(got, want):
            if isinstance(v, Value) and w is not None:
                shape, dt = w
                if v.shape != tuple(shape) or v.dtype != dtypes.element_type(dt):
                    raise LoweringError(
                        f"internal error: lowered to {v.type} but PyTorch "
                        f"computed {list(shape)} of {dt}")

    def _in_place(self, node, target, value):
        """Value semantics for `target.op_(...)`, or an error where PyTorch's
        aliasing would make them differ."""
        target_node = node.args[0]
        if isinstance(target, Pending) or not isinstance(target_node, torch.fx.Node):
            return
        if target_node.op == "placeholder":
            self._write_state(target, value, f"{_packet(node.target)}")
            return
        source = target_node
        if target_node.target is operator.getitem:  # a piece of split()?
            source = target_node.args[0]
        if _packet(source.target) in _VIEWS:
            raise LoweringError("updates a view of another tensor in place; "
                                "tcc's tensors are values (use out-of-place ops)")
        here = self.order[node]
        for user in target_node.users:
            if user is node or self.order[user] > here:
                continue
            if _packet(user.target) in _VIEWS and any(
                    self.order[u] > here for u in user.users):
                raise LoweringError("updates in place a tensor whose view is used "
                                    "afterwards; tcc's tensors are values")

    # -- results ---------------------------------------------------------------

    def _outputs(self, out_node, output_names):
        values = []
        torch.fx.node.map_aggregate(self._arg_values(out_node.args[0]),
                                    lambda v: values.append(v) or v)
        values = [v for v in values if v is not None]
        self.b.loc = None
        results = []
        names = output_names(len(values), [self._is_loss(v) for v in values])
        for (name, role), value in zip(names, values):
            if value is POISON:
                continue
            if isinstance(value, Pending):
                try:
                    value.misuse()
                except LoweringError as e:
                    self.problems.append((f"output '{name}'", None, str(e)))
                continue
            if not isinstance(value, Value):
                self.problems.append((f"output '{name}'", None,
                                      f"is a Python {type(value).__name__}, not a "
                                      "tensor; return tensors only"))
                continue
            self.b.result(value, _contract_attrs(name, role))
            results.append(Result(name, role, value.shape, value.dtype))
        taken = {r.name for r in results}
        for arg in self.arguments:
            if arg.name in self.state:
                if arg.name in taken:
                    self.problems.append((f"output '{arg.name}'", None,
                                          "has the name of an updated buffer"))
                value = self.state[arg.name]
                self.b.result(value, _contract_attrs(arg.name, "buffer"))
                results.append(Result(arg.name, "buffer", value.shape, value.dtype))
        return results

    @staticmethod
    def _is_loss(value):
        return (isinstance(value, Value) and value.rank == 0
                and dtypes.is_float(value.dtype) and value.op is not None
                and value.op.kind in _LOSS_OPS)


def import_graph(gm, arguments, output_names, function_name="forward"):
    """Lowers `gm` (a make_fx graph whose placeholders are `arguments`, in
    order). output_names(count, is_loss) names the flattened outputs:
    [(name, role)]. Returns the builder and the function's signature:
    [(name, role, shape, element type)] of its arguments and results."""
    importer = Importer(gm, arguments, function_name)
    results = importer.run(output_names)
    args = []
    for value, _ in importer.b.arguments:
        arg = importer.arg_of.get(id(value))
        name, role = (arg.name, arg.role) if arg else (importer.seed_name, "input")
        args.append((name, role, value.shape, value.dtype))
    return importer.b, args, [(r.name, r.role, r.shape, r.dtype) for r in results]
