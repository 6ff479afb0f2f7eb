//===- TrainStep.h - a whole training step from a forward --------*- C++ -*-===//
//
// buildTrainStep turns a forward function with a loss into
//
//   train_step(<forward's arguments>, <optimizer slots>, step, lr)
//       -> (loss, <new parameters>, <new slots>, step + 1, <new buffers>)
//
// (with f16, the loss-scaling state after `step`, in and out)
//
// the gradient (tcc-autodiff), optional clipping by global norm, and the
// optimizer's update written as tcc elementwise ops, which tcc-fuse turns
// into one kernel per parameter. The learning rate is an input (role
// `input`, name `lr`) so that schedules are computed by the caller per step
// without recompiling; `step` (role `optimizer_state`, 0-d i64) counts the
// updates done, as PyTorch's optimizer state does.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_AUTODIFF_TRAINSTEP_H
#define TCC_AUTODIFF_TRAINSTEP_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <optional>
#include <string>

namespace mlir::tcc {

/// PyTorch's torch.optim.SGD and torch.optim.AdamW, with their defaults.
struct OptimizerOptions {
  enum class Kind { SGD, AdamW };
  Kind kind = Kind::AdamW;
  // SGD.
  double momentum = 0.0;
  double dampening = 0.0;
  bool nesterov = false;
  // AdamW.
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  /// SGD adds weightDecay * p to the gradient (L2); AdamW decays the
  /// weights directly (p *= 1 - lr * weightDecay). Defaults: 0 and 1e-2.
  double weightDecay = -1.0;

  double effectiveWeightDecay() const {
    return weightDecay >= 0 ? weightDecay : (kind == Kind::AdamW ? 1e-2 : 0.0);
  }
  /// The per-parameter slots, named `<parameter>.<slot>`.
  SmallVector<StringRef, 2> slots() const {
    if (kind == Kind::AdamW)
      return {"exp_avg", "exp_avg_sq"};
    if (momentum != 0.0)
      return {"momentum_buffer"};
    return {};
  }
};

/// Dynamic loss scaling for f16, as torch.cuda.amp.GradScaler does it: the
/// backward starts from loss * scale so that small gradients survive f16;
/// a step whose gradients overflowed (any inf or NaN) changes no parameter
/// or optimizer slot and multiplies the scale by `backoffFactor`; after
/// `growthInterval` steps in a row without overflow the scale grows by
/// `growthFactor`. GradScaler's defaults.
struct LossScaleOptions {
  double initScale = 65536.0;
  double growthFactor = 2.0;
  double backoffFactor = 0.5;
  int64_t growthInterval = 2000;
};

/// Which forward values the backward recomputes instead of keeping
/// (lib/Autodiff/Rematerialize.cpp), after JAX's checkpoint policies:
/// Elementwise recomputes elementwise and layout ops (an activation's
/// output, a reshape); Dots recomputes everything but matmuls and
/// convolutions (also softmax, layer_norm, reductions, gathers), so only
/// contraction outputs are kept (jax.checkpoint_policies.dots_saveable).
enum class RematPolicy { None, Elementwise, Dots };

/// The policy named "none", "elementwise" or "dots", or nullopt.
inline std::optional<RematPolicy> parseRematPolicy(StringRef name) {
  if (name == "none")
    return RematPolicy::None;
  if (name == "elementwise")
    return RematPolicy::Elementwise;
  if (name == "dots")
    return RematPolicy::Dots;
  return std::nullopt;
}

/// The policies parseRematPolicy knows, for messages.
inline constexpr const char *kRematPolicyNames = "none, elementwise or dots";

/// Recomputes, right before its first backward reader, each forward value
/// of `step` (a function returning a loss) whose producer `policy` allows
/// and whose recomputation reads only values alive there anyway, so the
/// kept original dies with its last forward reader. Same values, lower
/// peak memory.
void rematerialize(func::FuncOp step, RematPolicy policy);

struct TrainStepOptions {
  OptimizerOptions optimizer;
  RematPolicy remat = RematPolicy::None;
  /// Mixed precision: with BF16 or F16, matmuls and convolutions compute in
  /// that type (their f32 operands cast down, their results cast back to
  /// f32, as torch.autocast does for these ops); parameters, gradients and
  /// the optimizer state stay f32 (master weights). F16 adds dynamic loss
  /// scaling (`lossScale`): the step takes and returns the state
  /// `loss_scale` (f32; 0 stands for `initScale`, so zero-initialized
  /// state starts right) and `loss_scale.growth_tracker` (i64), and `step`
  /// counts only the updates done, as torch.optim's does.
  enum class Precision { F32, BF16, F16 };
  Precision precision = Precision::F32;
  LossScaleOptions lossScale;
  /// Gradient accumulation: the step takes `accumulate` microbatches
  /// stacked along the first dimension of every data input (so its inputs
  /// are `accumulate` times the forward's batch), runs forward and
  /// backward on each in turn (activations of one microbatch die before
  /// the next begins), averages the gradients and losses, and updates once.
  /// Buffers (BatchNorm statistics) are updated microbatch by microbatch,
  /// as PyTorch's repeated forward passes do; dropout draws differ per
  /// microbatch.
  int64_t accumulate = 1;
  /// Scale gradients so that their global L2 norm is at most this
  /// (torch.nn.utils.clip_grad_norm_); 0 disables clipping.
  double clipGradNorm = 0.0;
  /// Data parallelism over this many devices (a mesh `dp`), as PyTorch's
  /// DistributedDataParallel does it: every device runs the step on its
  /// own batch of the model's size (the global batch is `dataParallel`
  /// times it; data inputs are sharded over dp), gradients and the loss
  /// are averaged over dp (tcc.all_reduce avg) as soon as each exists, and
  /// every device applies the same update to its replica. BatchNorm
  /// statistics stay per device (no SyncBatchNorm).
  int64_t dataParallel = 1;
  /// Gradients are averaged in buckets of about this many bytes, as DDP's
  /// bucket_cap_mb: in the order the backward finishes them, each bucket
  /// flattened into one all_reduce placed right after its last gradient
  /// (fewer, larger messages; the first buckets go out while the backward
  /// still runs). 0: one all_reduce per gradient.
  int64_t bucketBytes = 25 << 20;
  /// ZeRO's stage with data parallelism (DeepSpeed's zero_optimization
  /// stage; lib/Autodiff/DataParallel.h): what is split over dp instead of
  /// replicated on every device. 1: the optimizer state (each device
  /// updates its shard of every parameter from the whole averaged gradient
  /// and all-gathers the new parameter); 2: also the gradients (buckets
  /// reduce-scattered instead of all-reduced); 3: also the parameters
  /// (all-gathered right before the forward reads them, and again before
  /// the backward does). A tensor is split along its first dimension that
  /// dp divides; one with none stays replicated. Sharded state is an
  /// argument and result of the device's shard, with its tcc.sharding.
  int zeroStage = 0;
  /// Tensor parallelism over this many devices (a mesh axis `tp`, inner
  /// to dp), as Megatron-LM splits a transformer's MLP
  /// (lib/Autodiff/TensorParallel.h): each pair matmul -> elementwise ->
  /// matmul whose weights are read nowhere else is split column- then
  /// row-parallel, with one all_reduce over tp in the forward and one in
  /// the backward; other matmuls stay whole on every device. Not with ZeRO
  /// yet.
  int64_t tensorParallel = 1;
  /// Label each collective the step issues with why (a `tcc.why` string
  /// attribute: "averages the gradients of fc2.bias, fc2.weight (5160
  /// bytes)"), for tcc compile --explain.
  bool explain = false;
  std::string name = "train_step";
};

/// The optimizer named "sgd" or "adamw" (the spelling of every front end:
/// tcc-train-step, tcc compile --train, tcc.TrainStep), or nullopt.
inline std::optional<OptimizerOptions::Kind> parseOptimizerKind(StringRef name) {
  if (name == "sgd")
    return OptimizerOptions::Kind::SGD;
  if (name == "adamw")
    return OptimizerOptions::Kind::AdamW;
  return std::nullopt;
}

/// The precision named "f32", "bf16" or "f16", or nullopt.
inline std::optional<TrainStepOptions::Precision> parsePrecision(StringRef name) {
  if (name == "f32")
    return TrainStepOptions::Precision::F32;
  if (name == "bf16")
    return TrainStepOptions::Precision::BF16;
  if (name == "f16")
    return TrainStepOptions::Precision::F16;
  return std::nullopt;
}

/// The precisions parsePrecision knows, for messages.
inline constexpr const char *kPrecisionNames = "f32, bf16 or f16";

/// Adds the training step of `forward` to its module. Fails after emitting
/// errors (see buildGradientFunction).
FailureOr<func::FuncOp> buildTrainStep(func::FuncOp forward,
                                       const TrainStepOptions &options);

} // namespace mlir::tcc

#endif // TCC_AUTODIFF_TRAINSTEP_H
