//===- Passes.td - tcc's transformation passes -------------*- tablegen -*-===//

#ifndef TCC_TRANSFORMS_PASSES_TD
#define TCC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def TccFuse : Pass<"tcc-fuse"> {
  let summary = "Groups ops into tcc.fusion regions, one kernel each";
  let description = [{
    Partitions the tcc ops of every block into groups that a backend compiles
    into one kernel each, and wraps each group of two or more ops (or of one
    op that reads a rematerialized value) in a `tcc.fusion` region:

    - elementwise ops join their producers and consumers (`elementwise`);
    - a row reduction (`reduce`, `softmax`, `log_softmax`, `layer_norm`)
      takes its elementwise producers and consumers, one reduction per group
      (`reduction`);
    - a `matmul` or `conv2d` takes the elementwise ops that consume it:
      bias, activation, residual add (`contraction`); its operands stay
      inputs, read from memory by the library call.

    No op is computed twice, except those cheaper to recompute than to read:
    splat constants, iotas and broadcasts are cloned into every group that
    uses them. A value used outside its
    group becomes a result of the fusion (multi-output fusion), and groups
    are only merged when no path leaves and re-enters them, so the block
    stays acyclic. A fusion takes the place of its last op, so a group
    takes a later consumer only when no op in between reads the group
    (otherwise that reader, and everything it feeds, would wait: in a
    training step, a forward matmul joined by the backward op reading its
    result would carry the forward into the backward and keep its
    activations alive across it); and no group spans an op with side
    effects (a collective, a send, a stage), so those keep their order. Layout ops (transpose, reshape, slice, concat,
    gather), pooling, batch_norm, losses and collectives are boundaries.

    Example: `gelu(x @ w^T + broadcast(b))` becomes one `contraction` fusion
    with inputs `x`, `w`, `b`.
  }];
  let dependentDialects = ["::mlir::tcc::TccDialect"];
}

def TccCheckReplication : Pass<"tcc-check-replication",
                                "::mlir::func::FuncOp"> {
  let summary = "Checks that what a per-device program returns as "
                "replicated is the same on every device";
  let description = [{
    The static check of a partitioned program (tcc/Analysis/Replication.h):
    for each function with a `tcc.mesh`, which values may differ between
    the devices along which mesh axes, from the arguments' shardings and
    the collectives' semantics; a result whose `tcc.sharding` declares it
    replicated along an axis it varies along (a gradient never averaged
    over dp, a loss not reduced, a shard returned as whole) is an error
    naming the result, the axis and the argument or op it comes from. A
    collective inside a `tcc.stage` over the stage's own axis is an error
    too. The CPU backend runs this check on every per-device program it
    compiles.

    ```
    error: result #1 ('fc1.weight') differs between the devices along mesh
           axis 'dp' but is declared replicated over it ...
    note: it depends on argument #0 ('x'), which is split over 'dp'
    ```
  }];
}

def TccPlanMemory : Pass<"tcc-plan-memory", "::mlir::func::FuncOp"> {
  let summary = "Reports the compile-time memory plan of each function";
  let description = [{
    Plans the tensors each function materializes (the results of its
    top-level ops; run after `tcc-fuse`, the values inside a fusion are not
    materialized) into one arena from their liveness, reusing the memory of
    dead buffers, and reports the plan as a remark at the function:

    ```
    remark: memory plan: 7 buffers, peak 24576 bytes (live lower bound 24576,
            without reuse 40960)
    ```

    The analysis is `planMemory` (tcc/Analysis/MemoryPlan.h), which the
    backends call to lay out their buffers. Values inside `tcc.stage` bodies
    are not planned yet.
  }];
}

def TccAutodiff : Pass<"tcc-autodiff", "::mlir::ModuleOp"> {
  let summary = "Builds the gradient function of a loss (reverse mode)";
  let description = [{
    For the function named by `function` (by default the module's only
    public function), whose results include one 0-d float loss (result
    role `loss`), adds `<function>_grad`: the same arguments, the same
    results, then the loss's gradient with respect to every argument whose
    role is in `roles` (by default the parameters), each a result of role
    `gradient` named after its argument.

    Gradients come from each op's vector-Jacobian product (the
    `DifferentiableOp` interface, lib/Autodiff/Vjps.cpp) and are built
    after the forward ops, reading their values. Gradients of broadcasts
    sum, of `gather` scatter-add, of `dropout` redraw the same mask from
    the same seed and stream, of `batch_norm` in training mode go through
    the batch statistics. An op that has no gradient but lies between a
    differentiated argument and the loss is an error at that op.

    ```mlir
    // tcc-opt -tcc-autodiff:
    func.func @forward(%x: ..., %w: ... {tcc.role = "parameter"})
        -> (tensor<f32> {tcc.role = "loss"})
    func.func @forward_grad(%x: ..., %w: ...)
        -> (tensor<f32> {tcc.role = "loss"},
            tensor<...> {tcc.name = "w", tcc.role = "gradient"})
    ```
  }];
  let options = [
    Option<"function", "function", "std::string", "\"\"",
           "The function to differentiate (default: the only public one)">,
    ListOption<"roles", "roles", "std::string",
               "Differentiate with respect to arguments of these roles "
               "(default: parameter)">,
  ];
  let dependentDialects = ["::mlir::tcc::TccDialect"];
}

def TccTrainStep : Pass<"tcc-train-step", "::mlir::ModuleOp"> {
  let summary = "Builds a training step: gradients and an optimizer update";
  let description = [{
    For the function named by `function` (by default the module's only
    public function), whose results include one 0-d float loss, adds
    `train_step`:

    ```
    train_step(<forward's arguments>, <optimizer slots>, step, lr)
        -> (loss, <new parameters>, <new slots>, step + 1, <new buffers>)
    ```

    The gradient is `tcc-autodiff`'s; gradients are optionally clipped by
    their global L2 norm (`clip-grad-norm`); the update is torch.optim's
    SGD (momentum, dampening, Nesterov, L2 weight decay) or AdamW
    (decoupled weight decay, bias-corrected moments), written as
    elementwise tcc ops that `tcc-fuse` makes into one kernel per
    parameter. Slots are named `<parameter>.momentum_buffer`, or
    `<parameter>.exp_avg` and `<parameter>.exp_avg_sq`, role
    `optimizer_state`; `step` (0-d i64) counts the updates done; `lr` is an
    input so that a schedule can change it per step without recompiling.
  }];
  let options = [
    Option<"function", "function", "std::string", "\"\"",
           "The forward function (default: the only public one)">,
    Option<"optimizer", "optimizer", "std::string", "\"adamw\"",
           "sgd or adamw">,
    Option<"momentum", "momentum", "double", "0.0", "SGD momentum">,
    Option<"dampening", "dampening", "double", "0.0", "SGD dampening">,
    Option<"nesterov", "nesterov", "bool", "false", "SGD Nesterov momentum">,
    Option<"weightDecay", "weight-decay", "double", "-1.0",
           "Weight decay (default: 0 for SGD, 0.01 for AdamW)">,
    Option<"beta1", "beta1", "double", "0.9", "AdamW beta1">,
    Option<"beta2", "beta2", "double", "0.999", "AdamW beta2">,
    Option<"epsilon", "eps", "double", "1e-8", "AdamW epsilon">,
    Option<"clipGradNorm", "clip-grad-norm", "double", "0.0",
           "Clip gradients to this global L2 norm (0: off)">,
    Option<"precision", "precision", "std::string", "\"f32\"",
           "f32, or bf16 / f16 for matmuls and convolutions (f32 master "
           "weights; f16 with dynamic loss scaling)">,
    Option<"lossScaleInit", "loss-scale-init", "double", "65536.0",
           "f16: the initial loss scale">,
    Option<"lossScaleGrowthInterval", "loss-scale-growth-interval", "int64_t",
           "2000", "f16: steps without overflow before the scale grows">,
    Option<"lossScaleGrowthFactor", "loss-scale-growth-factor", "double",
           "2.0", "f16: the scale's growth factor">,
    Option<"lossScaleBackoffFactor", "loss-scale-backoff-factor", "double",
           "0.5", "f16: the scale's factor after an overflow">,
    Option<"accumulate", "accumulate", "int64_t", "1",
           "Microbatches per step (gradient accumulation)">,
    Option<"dataParallel", "data-parallel", "int64_t", "1",
           "Data parallelism over this many devices (a mesh dp): each "
           "trains on its own batch, gradients and loss averaged">,
    Option<"bucketBytes", "bucket-bytes", "int64_t", "26214400",
           "Data parallelism: bytes of gradients per all_reduce bucket "
           "(0: one per gradient)">,
    Option<"tensorParallel", "tensor-parallel", "int64_t", "1",
           "Tensor parallelism over this many devices (a mesh tp): "
           "Megatron's split of MLP and attention regions">,
    Option<"zeroStage", "zero", "int", "0",
           "Data parallelism: ZeRO's stage, 0-3 (shard the optimizer "
           "state; also the gradients; also the parameters over dp)">,
    Option<"remat", "remat", "std::string", "\"none\"",
           "Recompute activations in the backward: none, elementwise "
           "(elementwise and layout ops) or dots (all but matmuls and "
           "convolutions)">,
  ];
  let dependentDialects = ["::mlir::tcc::TccDialect"];
}

#endif // TCC_TRANSFORMS_PASSES_TD
