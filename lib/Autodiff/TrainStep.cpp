//===- TrainStep.cpp - a whole training step from a forward ---------------===//
//
// The optimizers follow torch.optim's single-tensor implementations step
// for step (torch/optim/sgd.py, adamw.py in PyTorch 1.13), so that a tcc
// training run and a PyTorch one from the same weights and batches agree:
//
//   SGD:   g += wd p;  buf = momentum buf + (1 - dampening) g  (buf = g on
//          the first step);  g = nesterov ? g + momentum buf : buf;
//          p -= lr g
//   AdamW: p *= 1 - lr wd;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//          p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
//
//===----------------------------------------------------------------------===//

#include "tcc/Autodiff/TrainStep.h"

#include "tcc/Autodiff/Autodiff.h"

#include "DataParallel.h"
#include "FunctionResults.h"
#include "GradientBuilder.h"
#include "TensorParallel.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"

#include <numeric>
#include <map>
#include <set>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::autodiff;

namespace {

DictionaryAttr contractAttrs(OpBuilder &b, StringRef name, StringRef role) {
  return b.getDictionaryAttr(
      {b.getNamedAttr(attrs::kName, b.getStringAttr(name)),
       b.getNamedAttr(attrs::kRole, b.getStringAttr(role))});
}

/// A 0-d value broadcast to `like`'s shape.
Value spread(GradientBuilder &g, Value scalar, Value like) {
  return g.broadcastTo(scalar, g.shapeOf(like));
}

/// A copy of `forward` whose f32 matmuls and convolutions compute in
/// `low` (operands cast down, results cast back up), next to it in the
/// module under `name`.
func::FuncOp castContractions(func::FuncOp forward, Type low, StringRef name) {
  OpBuilder b(forward);
  b.setInsertionPointAfter(forward);
  auto copy = cast<func::FuncOp>(b.clone(*forward));
  copy.setName(name);
  copy.walk([&](Operation *op) {
    if (!isa<MatmulOp, Conv2dOp>(op))
      return;
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType.getElementType().isF32())
      return;
    b.setInsertionPoint(op);
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = cast<RankedTensorType>(operand.get().getType());
      operand.set(CastOp::create(b, op->getLoc(),
                                 RankedTensorType::get(type.getShape(), low),
                                 operand.get()));
    }
    Value result = op->getResult(0);
    result.setType(RankedTensorType::get(resultType.getShape(), low));
    b.setInsertionPointAfter(op);
    auto up = CastOp::create(b, op->getLoc(), resultType, result);
    result.replaceAllUsesExcept(up, up);
  });
  return copy;
}

/// Whether argument `i` of `function` is a data input split into
/// microbatches: role `input` with a leading (batch) dimension.
bool isBatched(func::FuncOp function, unsigned i) {
  auto role = function.getArgAttrOfType<StringAttr>(i, attrs::kRole);
  auto type = cast<RankedTensorType>(function.getArgumentTypes()[i]);
  return role && role.getValue() == "input" && type.getRank() >= 1;
}

/// Replaces the gradient function `grad` (arguments as the forward's;
/// results the forward's, then the gradients) by one that takes
/// `count` microbatches per data input and returns the same layout: the
/// mean loss, the last microbatch's other outputs, the buffers after the
/// last microbatch, and the mean gradients. The body is `count` copies of
/// grad's, in sequence.
FailureOr<func::FuncOp> accumulate(func::FuncOp forward, func::FuncOp grad,
                                   int64_t count) {
  SmallVector<Type> argTypes;
  for (unsigned i = 0, e = grad.getNumArguments(); i < e; ++i) {
    auto type = cast<RankedTensorType>(grad.getArgumentTypes()[i]);
    if (isBatched(grad, i)) {
      SmallVector<int64_t> shape(type.getShape());
      shape[0] *= count;
      type = RankedTensorType::get(shape, type.getElementType());
    }
    argTypes.push_back(type);
  }
  OpBuilder b(grad);
  b.setInsertionPointAfter(grad);
  auto step = func::FuncOp::create(
      b, grad.getLoc(), grad.getName(),
      b.getFunctionType(argTypes, grad.getResultTypes()));
  step.setAllArgAttrs(grad.getAllArgAttrs());
  step.setAllResultAttrs(grad.getAllResultAttrs());
  Block *body = step.addEntryBlock();
  b.setInsertionPointToEnd(body);
  GradientBuilder g(b, grad.getLoc());

  // Buffer results feed the buffer arguments of the next microbatch.
  llvm::StringMap<unsigned> bufferArgument;
  for (unsigned i = 0, e = grad.getNumArguments(); i < e; ++i)
    if (auto role = grad.getArgAttrOfType<StringAttr>(i, attrs::kRole);
        role && role.getValue() == "buffer")
      bufferArgument[argumentName(grad, i)] = i;
  unsigned forwardResults = forward.getNumResults();
  SmallVector<Value> current(body->getArguments());
  SmallVector<Value> sums, last;
  Block &source = grad.getBody().front();
  for (int64_t k = 0; k < count; ++k) {
    IRMapping mapping;
    for (unsigned i = 0, e = grad.getNumArguments(); i < e; ++i) {
      Value arg = current[i];
      if (isBatched(grad, i)) {
        auto type = cast<RankedTensorType>(grad.getArgumentTypes()[i]);
        SmallVector<int64_t> start(type.getRank(), 0), limit(type.getShape()),
            stride(type.getRank(), 1);
        start[0] = k * type.getDimSize(0);
        limit[0] = (k + 1) * type.getDimSize(0);
        arg = g.slice(body->getArgument(i), start, limit, stride);
      }
      mapping.map(source.getArgument(i), arg);
    }
    for (Operation &op : source.without_terminator()) {
      Operation *copy = b.clone(op, mapping);
      // A different dropout mask per microbatch.
      if (auto dropout = dyn_cast<DropoutOp>(copy))
        dropout.setStream(dropout.getStream() + k * (int64_t(1) << 32));
    }
    auto ret = cast<func::ReturnOp>(source.getTerminator());
    last.clear();
    for (Value v : ret.getOperands())
      last.push_back(mapping.lookupOrDefault(v));
    for (unsigned r = 0; r < forwardResults; ++r)
      if (auto role = grad.getResultAttrOfType<StringAttr>(r, attrs::kRole);
          role && role.getValue() == "buffer") {
        auto it = bufferArgument.find(resultName(grad, r));
        if (it != bufferArgument.end())
          current[it->second] = last[r];
      }
    if (sums.empty())
      sums = last;
    else
      for (unsigned r = 0; r < sums.size(); ++r) {
        auto role = grad.getResultAttrOfType<StringAttr>(r, attrs::kRole);
        bool summed = r >= forwardResults ||
                      (role && role.getValue() == "loss");
        if (summed)
          sums[r] = g.add(sums[r], last[r]);
      }
  }
  SmallVector<Value> results;
  for (unsigned r = 0; r < sums.size(); ++r) {
    auto role = grad.getResultAttrOfType<StringAttr>(r, attrs::kRole);
    bool averaged =
        r >= forwardResults || (role && role.getValue() == "loss");
    results.push_back(averaged ? g.scale(sums[r], 1.0 / double(count))
                               : last[r]);
  }
  func::ReturnOp::create(b, grad.getLoc(), results);
  grad.erase();
  return step;
}

/// The type of `forward`'s result of role `loss`, or null.
RankedTensorType findLossType(func::FuncOp forward) {
  for (unsigned i = 0, e = forward.getNumResults(); i < e; ++i)
    if (auto role = forward.getResultAttrOfType<StringAttr>(i, attrs::kRole);
        role && role.getValue() == "loss")
      return dyn_cast<RankedTensorType>(forward.getResultTypes()[i]);
  return {};
}

/// The mesh axes each gradient is split over: a tp slice's, and dp for a
/// ZeRO shard (the same on every device: sorted).
using GradientAxes = SmallVector<std::vector<std::string>>;

/// The sum over `gradients` of `term(gradient)` (0-d values): the terms of
/// gradients split over mesh axes (`axes`: tp slices, ZeRO shards) are
/// summed over those axes as well, one all_reduce per set of axes, so every
/// device gets the total over the whole gradients.
Value totalOverGradients(GradientBuilder &g, ArrayRef<Value> gradients,
                         const GradientAxes &axes, StringRef what,
                         llvm::function_ref<Value(Value)> term) {
  std::map<std::vector<std::string>, Value> totals;
  for (auto [gradient, split] : llvm::zip_equal(gradients, axes)) {
    Value &total = totals[split];
    Value t = term(gradient);
    total = total ? g.add(total, t) : t;
  }
  Value sum;
  for (auto &[split, total] : totals) {
    Value part = total;
    if (!split.empty())
      part = because(reduceOver(g.b, total, CollectiveKind::sum, split),
                     "sums the " + what + " of the devices' parts of the "
                     "gradients split over " + llvm::join(split, "x"));
    sum = sum ? g.add(sum, part) : part;
  }
  return sum;
}

/// The loss-scaling state of a step (TrainStepOptions::Precision::F16).
constexpr const char *kLossScale = "loss_scale";
struct LossScaling {
  Value scale;      // the scale this step used (0-d, the loss's type)
  Value overflowed; // 0-d i1: some gradient element is inf or NaN
  Value tracker;    // steps without overflow since the scale last changed
};

/// Makes `stored` (the loss_scale argument, 0 before the first step) read
/// as the scale in use everywhere, divides every gradient by it and notes
/// whether any gradient overflowed.
LossScaling unscaleGradients(GradientBuilder &g, Value stored,
                             MutableArrayRef<Value> gradients,
                             const GradientAxes &axes,
                             const LossScaleOptions &options) {
  LossScaling scaling;
  {
    OpBuilder::InsertionGuard guard(g.b);
    g.b.setInsertionPointAfterValue(stored);
    Value initial =
        g.compare(CompareDirection::eq, stored, g.zerosLike(stored));
    scaling.scale =
        g.select(initial, g.splatLike(stored, options.initScale), stored);
    stored.replaceAllUsesExcept(
        scaling.scale,
        SmallPtrSet<Operation *, 2>{initial.getDefiningOp(),
                                    scaling.scale.getDefiningOp()});
  }
  // Counting the elements that are not <= the largest finite value counts
  // infinities and NaNs without relying on NaN propagating through
  // arithmetic.
  Value nonFinite = totalOverGradients(
      g, gradients, axes, "inf and NaN counts (f16 loss scaling)",
      [&](Value grad) {
        auto element = cast<FloatType>(g.typeOf(grad).getElementType());
        double largest =
            APFloat::getLargest(element.getFloatSemantics()).convertToDouble();
        Value finite =
            g.compare(CompareDirection::le, AbsOp::create(g.b, g.loc, grad),
                      g.splatLike(grad, largest));
        SmallVector<int64_t> dims(g.typeOf(grad).getRank());
        std::iota(dims.begin(), dims.end(), 0);
        Value count =
            g.sum(g.select(finite, g.zerosLike(grad), g.splatLike(grad, 1.0)),
                  dims, /*keepdims=*/false);
        return g.convert(count, g.typeOf(scaling.scale).getElementType());
      });
  scaling.overflowed =
      g.compare(CompareDirection::ne, nonFinite, g.zerosLike(nonFinite));
  Value inverse = g.div(g.splatLike(scaling.scale, 1.0), scaling.scale);
  for (Value &grad : gradients)
    grad = g.mul(
        grad,
        spread(g, g.convert(inverse, g.typeOf(grad).getElementType()), grad));
  return scaling;
}

/// torch's _amp_update_scale_: back off on overflow, grow after
/// `growthInterval` clean steps (unless growing overflows the scale).
std::pair<Value, Value> updateLossScale(GradientBuilder &g,
                                        const LossScaling &scaling,
                                        const LossScaleOptions &options) {
  Value scale = scaling.scale, tracker = scaling.tracker;
  Value clean = g.shift(tracker, 1.0);
  Value grown = g.scale(scale, options.growthFactor);
  auto element = cast<FloatType>(g.typeOf(scale).getElementType());
  double largest =
      APFloat::getLargest(element.getFloatSemantics()).convertToDouble();
  Value grow = g.compare(CompareDirection::ge, clean,
                         g.splatLike(clean, double(options.growthInterval)));
  Value growsFinite = g.compare(CompareDirection::le, grown,
                                g.splatLike(grown, largest));
  Value newScale = g.select(
      scaling.overflowed, g.scale(scale, options.backoffFactor),
      g.select(grow, g.select(growsFinite, grown, scale), scale));
  Value newTracker = g.select(scaling.overflowed, g.zerosLike(tracker),
                              g.select(grow, g.zerosLike(tracker), clean));
  return {newScale, newTracker};
}

/// Moves each parameter's update (the optimizer's ops after `lastBackward`
/// that `updated` values depend on) right after the op that finishes the
/// gradient it reads, so that each gradient dies as soon as it exists
/// instead of every gradient living until the end of the step, as with
/// PyTorch's optimizer-in-backward hooks. An update that also reads a
/// value finished later (clipping's global norm, the loss scaler's
/// overflow check) stays where it is. Ops shared between updates (AdamW's
/// bias corrections) move with the first update that needs them.
void updateEarly(Block &body, Operation *lastBackward,
                 ArrayRef<Value> gradients, ArrayRef<Value> updated) {
  auto isOptimizerOp = [&](Operation *op) {
    return op && op->getBlock() == &body && op != body.getTerminator() &&
           (!lastBackward || lastBackward->isBeforeInBlock(op));
  };
  // The gradients in the order they are finished.
  SmallVector<Value> order(gradients);
  auto finished = [](Value v) { return v.getDefiningOp(); };
  llvm::stable_sort(order, [&](Value a, Value b) {
    Operation *x = finished(a), *y = finished(b);
    return x && y && x->getBlock() == y->getBlock() && x->isBeforeInBlock(y);
  });
  llvm::DenseSet<Operation *> moved;
  for (Value gradient : order) {
    Operation *anchor = finished(gradient);
    if (!anchor || anchor->getBlock() != &body || isOptimizerOp(anchor))
      continue;
    // The not-yet-moved optimizer ops of the updates reading this gradient.
    llvm::SetVector<Operation *> slice;
    auto readsGradient = [&](Operation *root) {
      // Whether `root`'s optimizer-op cone reads `gradient`.
      SmallVector<Operation *> stack{root};
      llvm::DenseSet<Operation *> seen;
      while (!stack.empty()) {
        Operation *op = stack.pop_back_val();
        if (!seen.insert(op).second)
          continue;
        for (Value operand : op->getOperands()) {
          if (operand == gradient)
            return true;
          if (Operation *def = operand.getDefiningOp(); isOptimizerOp(def))
            stack.push_back(def);
        }
      }
      return false;
    };
    for (Value value : updated) {
      Operation *root = value.getDefiningOp();
      if (!isOptimizerOp(root) || moved.contains(root) || !readsGradient(root))
        continue;
      SmallVector<Operation *> stack{root};
      while (!stack.empty()) {
        Operation *op = stack.pop_back_val();
        if (moved.contains(op) || !slice.insert(op))
          continue;
        for (Value operand : op->getOperands())
          if (Operation *def = operand.getDefiningOp(); isOptimizerOp(def))
            stack.push_back(def);
      }
    }
    if (slice.empty())
      continue;
    // Every value the slice reads from outside must exist at the anchor.
    bool ready = llvm::all_of(slice, [&](Operation *op) {
      return llvm::all_of(op->getOperands(), [&](Value operand) {
        Operation *def = operand.getDefiningOp();
        return !def || def->getBlock() != &body || slice.contains(def) ||
               moved.contains(def) || def == anchor ||
               def->isBeforeInBlock(anchor);
      });
    });
    if (!ready)
      continue;
    SmallVector<Operation *> ops(slice.begin(), slice.end());
    llvm::sort(ops, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    Operation *after = anchor;
    for (Operation *op : ops) {
      op->moveAfter(after);
      after = op;
      moved.insert(op);
    }
  }
}

} // namespace

FailureOr<func::FuncOp>
mlir::tcc::buildTrainStep(func::FuncOp forward,
                          const TrainStepOptions &options) {
  if (options.accumulate < 1)
    return forward.emitError("gradient accumulation needs at least one "
                             "microbatch, got ")
           << options.accumulate;
  if (options.dataParallel < 1)
    return forward.emitError("data parallelism needs at least one device, "
                             "got ")
           << options.dataParallel;
  if (options.zeroStage < 0 || options.zeroStage > 3)
    return forward.emitError("ZeRO has stages 0 to 3, got ")
           << options.zeroStage;
  if (options.zeroStage > 0 && options.dataParallel < 2)
    return forward.emitError("ZeRO-")
           << options.zeroStage
           << " shards over data-parallel devices: it needs at least two";
  if (options.tensorParallel < 1)
    return forward.emitError("tensor parallelism needs at least one device, "
                             "got ")
           << options.tensorParallel;
  bool distributed = options.dataParallel > 1 || options.tensorParallel > 1;
  if (distributed && functionMesh(forward))
    return forward.emitError("is already a per-device program (tcc.mesh); "
                             "data and tensor parallelism partition "
                             "single-device models");
  using Precision = TrainStepOptions::Precision;
  bool lossScaling = options.precision == Precision::F16;
  if (lossScaling) {
    const LossScaleOptions &scaling = options.lossScale;
    if (!(scaling.initScale > 0) || !(scaling.growthFactor > 1) ||
        !(scaling.backoffFactor > 0 && scaling.backoffFactor < 1) ||
        scaling.growthInterval < 1)
      return forward.emitError("loss scaling needs an initial scale > 0, a "
                               "growth factor > 1, a backoff factor in (0, "
                               "1) and a growth interval >= 1");
  }
  GradientOptions gradientOptions;
  gradientOptions.name = options.name;
  MLIRContext *context = forward.getContext();
  // The function differentiated: the forward, or copies of it split over
  // tp and computing in a lower precision (erased once differentiated).
  func::FuncOp source = forward;
  SmallVector<func::FuncOp, 2> copies;
  FlatSymbolRefAttr mesh;
  if (distributed)
    mesh = declareMesh(forward->getParentOfType<ModuleOp>(), forward.getLoc(),
                       options.dataParallel, options.tensorParallel);
  if (distributed && options.tensorParallel <= 1 &&
      !forward.getBody().getOps<AnnotateOp>().empty()) {
    // The per-device program runs on tcc's mesh, not the annotations'.
    OpBuilder b(forward);
    b.setInsertionPointAfter(forward);
    source = cast<func::FuncOp>(b.clone(*forward));
    source.setName((forward.getName() + ".dp").str());
    copies.push_back(source);
    if (failed(dropAnnotations(source, kTensorParallelAxis)))
      return failure();
  }
  if (options.tensorParallel > 1) {
    OpBuilder b(forward);
    b.setInsertionPointAfter(forward);
    source = cast<func::FuncOp>(b.clone(*forward));
    source.setName((forward.getName() + ".tp").str());
    source->setAttr(attrs::kMesh, mesh);
    copies.push_back(source);
    FailureOr<unsigned> split = splitMatmulRegions(
        source, mesh, kTensorParallelAxis, options.tensorParallel);
    if (failed(split))
      return failure();
  }
  if (options.precision == Precision::BF16) {
    source = castContractions(source, BFloat16Type::get(context),
                              (forward.getName() + ".bf16").str());
    copies.push_back(source);
  }
  if (lossScaling) {
    source = castContractions(source, Float16Type::get(context),
                              (forward.getName() + ".f16").str());
    copies.push_back(source);
    // The backward starts from the loss scale, an argument of the loss's
    // type (when there is no such loss, buildGradientFunction says so).
    if (RankedTensorType lossType = findLossType(forward)) {
      OpBuilder b(source);
      unsigned index = source.getNumArguments();
      (void)source.insertArgument(
          index, lossType, contractAttrs(b, kLossScale, "optimizer_state"),
          source.getLoc());
      gradientOptions.seedArgument = index;
    }
  }
  FailureOr<func::FuncOp> built = buildGradientFunction(source, gradientOptions);
  for (func::FuncOp copy : llvm::reverse(copies))
    copy.erase();
  if (failed(built))
    return failure();
  if (options.accumulate > 1)
    built = accumulate(forward, *built, options.accumulate);
  if (failed(built))
    return failure();
  func::FuncOp step = *built;
  Block &body = step.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  // The optimizer's ops go after this one (null: at the block's start).
  Operation *lastBackward = ret->getPrevNode();
  OpBuilder b(ret);
  Location loc = step.getLoc();
  GradientBuilder g(b, loc);

  // Which results are what: the forward's, then one gradient per parameter.
  unsigned forwardResults = forward.getNumResults();
  SmallVector<unsigned> parameters;
  for (unsigned i = 0, e = forward.getNumArguments(); i < e; ++i) {
    auto role = forward.getArgAttrOfType<StringAttr>(i, attrs::kRole);
    if (role && role.getValue() == "parameter" &&
        isa<FloatType>(cast<RankedTensorType>(forward.getArgumentTypes()[i])
                           .getElementType()))
      parameters.push_back(i);
  }
  if (parameters.empty())
    return forward.emitError("has no float parameters to train");
  SmallVector<Value> gradients;
  for (unsigned k = 0; k < parameters.size(); ++k)
    gradients.push_back(ret.getOperand(forwardResults + k));

  // ZeRO: the dimension each parameter's optimizer state (stage 1),
  // gradient (2) and the parameter itself (3) are split along over dp.
  int64_t devices = options.dataParallel;
  int zero = options.zeroStage;
  // Each parameter as the step's device holds it (a tp slice, or whole),
  // before ZeRO-3 makes it a dp shard.
  SmallVector<RankedTensorType> parameterTypes;
  for (unsigned k = 0; k < parameters.size(); ++k)
    parameterTypes.push_back(
        cast<RankedTensorType>(step.getArgumentTypes()[parameters[k]]));
  SmallVector<std::optional<int64_t>> shardDims(parameters.size());
  if (zero > 0)
    for (unsigned k = 0; k < parameters.size(); ++k)
      shardDims[k] = zeroShardDim(parameterTypes[k], devices);
  if (devices > 1)
    declareDataParallel(step);
  if (zero >= 3)
    for (unsigned k = 0; k < parameters.size(); ++k)
      if (shardDims[k])
        shardParameter(step, parameters[k], *shardDims[k], devices);

  // New arguments: the optimizer's slots per parameter, step, lr.
  const OptimizerOptions &opt = options.optimizer;
  SmallVector<StringRef, 2> slots = opt.slots();
  SmallVector<SmallVector<Value, 2>> slotValues(parameters.size());
  auto append = [&](Type type, StringRef name, StringRef role) {
    unsigned index = step.getNumArguments();
    (void)step.insertArgument(index, type, contractAttrs(b, name, role), loc);
    return body.getArgument(index);
  };
  for (unsigned k = 0; k < parameters.size(); ++k) {
    RankedTensorType type = parameterTypes[k];
    // A slot is split as its parameter is: the tp slice, ZeRO's dp shard
    // of it (ZeRO-3's parameter already is one; ZeRO-1/2's slots are).
    Attribute sharding = step.getArgAttr(parameters[k], attrs::kSharding);
    if (shardDims[k] && zero < 3)
      sharding = dataParallelSharding(context, type.getRank(), *shardDims[k],
                                      sharding);
    for (StringRef slot : slots) {
      Value state =
          append(shardDims[k] ? shardType(type, *shardDims[k], devices) : type,
                 (argumentName(step, parameters[k]) + "." + slot).str(),
                 "optimizer_state");
      if (sharding)
        step.setArgAttr(step.getNumArguments() - 1, attrs::kSharding,
                        sharding);
      // A slot is stored in its parameter's view (tp's fused qkv).
      if (Attribute view = step.getArgAttr(parameters[k], attrs::kUserShape))
        step.setArgAttr(step.getNumArguments() - 1, attrs::kUserShape, view);
      slotValues[k].push_back(state);
    }
  }
  auto i64Scalar = RankedTensorType::get({}, b.getI64Type());
  Value stepCount = append(i64Scalar, "step", "optimizer_state");
  // lr has the loss's type (buildGradientFunction checked there is one).
  RankedTensorType lossType = findLossType(forward);
  Value lr = append(lossType, "lr", "input");

  // Data parallelism: each device's gradients of its own batch, averaged
  // (and below, the loss, as a single device's mean over the whole batch
  // would be: every device's batch has the same size). ZeRO-2/3 keep only
  // this device's shard of each averaged gradient; ZeRO-1 averages whole
  // gradients and cuts its shard at once, so that the whole dies with its
  // bucket.
  SmallVector<std::optional<int64_t>> scatterDims(parameters.size());
  if (zero >= 2)
    scatterDims = shardDims;
  SmallVector<std::string> names;
  for (unsigned k = 0; k < parameters.size(); ++k)
    names.push_back(argumentName(step, parameters[k]));
  // The mesh axes each parameter is split over (tp): gradients split over
  // different axes go in different buckets.
  SmallVector<Attribute> layouts;
  for (unsigned k = 0; k < parameters.size(); ++k) {
    std::set<std::string> axes;
    if (auto sharding = step.getArgAttrOfType<ShardingAttr>(parameters[k],
                                                            attrs::kSharding))
      for (unsigned d = 0, e = sharding.getDims().size(); d < e; ++d)
        for (StringRef axis : sharding.getDimAxes(d))
          axes.insert(axis.str());
    layouts.push_back(b.getStrArrayAttr(
        SmallVector<StringRef>(axes.begin(), axes.end())));
  }
  if (devices > 1)
    averageGradients(devices, options.bucketBytes, gradients, scatterDims,
                     layouts, names);
  GradientAxes gradientAxes;
  for (unsigned k = 0; k < parameters.size(); ++k) {
    std::set<std::string> split;
    for (Attribute axis : cast<ArrayAttr>(layouts[k]))
      split.insert(cast<StringAttr>(axis).str());
    if (shardDims[k])
      split.insert(kDataParallelAxis.str());
    gradientAxes.emplace_back(split.begin(), split.end());
    if (zero == 1 && shardDims[k]) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointAfterValue(gradients[k]);
      gradients[k] = because(
          sliceOverDp(b, gradients[k], *shardDims[k], devices),
          "ZeRO-1: keeps this device's shard of the averaged gradient of " +
              names[k]);
    }
  }

  // Loss scaling: the gradients are those of loss * scale; unscale them and
  // note whether any overflowed.
  LossScaling scaling;
  if (lossScaling) {
    scaling = unscaleGradients(
        g, body.getArgument(forward.getNumArguments()), gradients,
        gradientAxes, options.lossScale);
    scaling.tracker =
        append(i64Scalar, (Twine(kLossScale) + ".growth_tracker").str(),
               "optimizer_state");
  }

  // Clipping by global norm: g *= min(1, max_norm / (norm + 1e-6)).
  if (options.clipGradNorm > 0) {
    Value total = totalOverGradients(
        g, gradients, gradientAxes,
        "squares (clipping by global norm)", [&](Value grad) {
          SmallVector<int64_t> dims(g.typeOf(grad).getRank());
          std::iota(dims.begin(), dims.end(), 0);
          return g.convert(g.sum(g.mul(grad, grad), dims, false),
                           lossType.getElementType());
        });
    Value norm = SqrtOp::create(b, loc, total);
    Value factor =
        g.div(g.splatLike(norm, options.clipGradNorm), g.shift(norm, 1e-6));
    factor = MinOp::create(b, loc, factor, g.splatLike(factor, 1.0));
    for (Value &grad : gradients)
      grad = g.mul(
          grad,
          spread(g, g.convert(factor, g.typeOf(grad).getElementType()), grad));
  }

  // t = step + 1, as a float for the bias corrections.
  Value one64 = g.splatLike(stepCount, 1.0);
  Value nextStep = g.add(stepCount, one64);
  Value t = g.convert(nextStep, lossType.getElementType());
  double wd = opt.effectiveWeightDecay();

  SmallVector<Value> newParameters, newSlots;
  // The update of a ZeRO-sharded parameter reads and writes this device's
  // shard: the argument itself (ZeRO-3), or a slice of the replicated
  // parameter that is gathered back after the update (ZeRO-1/2).
  auto ownShard = [&](unsigned k, Value full) {
    if (!shardDims[k])
      return full;
    return because(sliceOverDp(b, full, *shardDims[k], devices),
                   "ZeRO-" + Twine(zero) + ": this device's shard of " +
                       names[k] + ", which it updates");
  };
  SmallVector<Value> oldParameters;
  for (unsigned k = 0; k < parameters.size(); ++k)
    oldParameters.push_back(zero == 1 || zero == 2
                                ? ownShard(k, body.getArgument(parameters[k]))
                                : body.getArgument(parameters[k]));
  for (unsigned k = 0; k < parameters.size(); ++k) {
    Value p = oldParameters[k];
    Value grad = gradients[k];
    Type element = g.typeOf(p).getElementType();
    Value lrHere = spread(g, g.convert(lr, element), p);
    if (opt.kind == OptimizerOptions::Kind::SGD) {
      if (wd != 0)
        grad = g.add(grad, g.scale(p, wd));
      if (opt.momentum != 0) {
        // PyTorch starts the buffer at the first gradient; with the buffer
        // initialized to zeros that is momentum * 0 + (1 - dampening) g,
        // so the first step is special-cased only when dampening != 0.
        Value buf = slotValues[k][0];
        Value updated = g.add(g.scale(buf, opt.momentum),
                              g.scale(grad, 1.0 - opt.dampening));
        if (opt.dampening != 0) {
          Value first = g.compare(CompareDirection::eq, stepCount,
                                  g.zerosLike(stepCount));
          updated = g.select(spread(g, first, p), grad, updated);
        }
        newSlots.push_back(updated);
        grad = opt.nesterov ? g.add(grad, g.scale(updated, opt.momentum))
                            : updated;
      }
      newParameters.push_back(g.sub(p, g.mul(lrHere, grad)));
      continue;
    }
    // AdamW.
    Value m = slotValues[k][0], v = slotValues[k][1];
    Value decayed =
        wd != 0 ? g.mul(p, g.sub(g.splatLike(p, 1.0), g.scale(lrHere, wd))) : p;
    Value newM = g.add(g.scale(m, opt.beta1), g.scale(grad, 1.0 - opt.beta1));
    Value newV = g.add(g.scale(v, opt.beta2),
                       g.scale(g.mul(grad, grad), 1.0 - opt.beta2));
    Value tHere = g.convert(t, element);
    Value correction1 = g.sub(g.splatLike(tHere, 1.0),
                              g.pow(g.splatLike(tHere, opt.beta1), tHere));
    Value correction2 = g.sub(g.splatLike(tHere, 1.0),
                              g.pow(g.splatLike(tHere, opt.beta2), tHere));
    Value stepSize = spread(g, g.div(g.convert(lr, element), correction1), p);
    Value denom = g.add(
        g.div(SqrtOp::create(b, loc, newV),
              spread(g, SqrtOp::create(b, loc, correction2), p)),
        g.splatLike(p, opt.epsilon));
    newParameters.push_back(g.sub(decayed, g.mul(stepSize, g.div(newM, denom))));
    newSlots.append({newM, newV});
  }

  // A step whose gradients overflowed keeps every parameter and slot and
  // does not count.
  if (lossScaling) {
    auto keep = [&](Value updated, Value old) {
      return g.select(spread(g, scaling.overflowed, old), old, updated);
    };
    for (unsigned k = 0; k < parameters.size(); ++k)
      newParameters[k] = keep(newParameters[k], oldParameters[k]);
    unsigned slotIndex = 0;
    for (unsigned k = 0; k < parameters.size(); ++k)
      for (Value old : slotValues[k]) {
        newSlots[slotIndex] = keep(newSlots[slotIndex], old);
        ++slotIndex;
      }
    nextStep = keep(nextStep, stepCount);
  }

  // Results: loss, parameters, slots, step, (loss scaling), buffers.
  SmallVector<Value> results;
  SmallVector<Attribute> resultAttrs;
  for (unsigned i = 0; i < forwardResults; ++i) {
    auto role = forward.getResultAttrOfType<StringAttr>(i, attrs::kRole);
    if (!role || (role.getValue() != "loss" && role.getValue() != "buffer"))
      continue;
    if (role.getValue() == "loss") {
      results.insert(results.begin(), ret.getOperand(i));
      resultAttrs.insert(resultAttrs.begin(),
                         contractAttrs(b, resultName(forward, i), "loss"));
    }
  }
  // A shard's result carries its argument's sharding (and view).
  auto withShardingOf = [&](DictionaryAttr attrs, Value argument) -> Attribute {
    unsigned index = cast<BlockArgument>(argument).getArgNumber();
    Attribute sharding = step.getArgAttr(index, attrs::kSharding);
    if (!sharding)
      return attrs;
    NamedAttrList list(attrs);
    list.set(attrs::kSharding, sharding);
    if (Attribute view = step.getArgAttr(index, attrs::kUserShape))
      list.set(attrs::kUserShape, view);
    return list.getDictionary(context);
  };
  for (unsigned k = 0; k < parameters.size(); ++k) {
    Value updated = newParameters[k];
    if ((zero == 1 || zero == 2) && shardDims[k])
      updated = because(gatherOverDp(b, updated, *shardDims[k], devices),
                        "ZeRO-" + Twine(zero) + ": gathers the updated " +
                            names[k] + " from the devices' shards");
    newParameters[k] = updated;
    results.push_back(updated);
    DictionaryAttr attrs =
        contractAttrs(b, argumentName(step, parameters[k]), "parameter");
    // As its argument: ZeRO-1/2 gathered the dp shards back into what the
    // device holds (whole, or its tp slice).
    resultAttrs.push_back(
        withShardingOf(attrs, body.getArgument(parameters[k])));
  }
  unsigned slotIndex = 0;
  for (unsigned k = 0; k < parameters.size(); ++k)
    for (auto [slot, old] : llvm::zip_equal(slots, slotValues[k])) {
      results.push_back(newSlots[slotIndex++]);
      resultAttrs.push_back(withShardingOf(
          contractAttrs(
              b, (argumentName(step, parameters[k]) + "." + slot).str(),
              "optimizer_state"),
          old));
    }
  results.push_back(nextStep);
  resultAttrs.push_back(contractAttrs(b, "step", "optimizer_state"));
  if (lossScaling) {
    auto [newScale, newTracker] =
        updateLossScale(g, scaling, options.lossScale);
    results.append({newScale, newTracker});
    resultAttrs.push_back(contractAttrs(b, kLossScale, "optimizer_state"));
    resultAttrs.push_back(contractAttrs(
        b, (Twine(kLossScale) + ".growth_tracker").str(), "optimizer_state"));
  }
  for (unsigned i = 0; i < forwardResults; ++i)
    if (auto role = forward.getResultAttrOfType<StringAttr>(i, attrs::kRole);
        role && role.getValue() == "buffer") {
      results.push_back(ret.getOperand(i));
      resultAttrs.push_back(contractAttrs(b, resultName(forward, i), "buffer"));
    }
  if (devices > 1)
    results[0] = because(reduceOverDp(b, results[0], CollectiveKind::avg),
                         "averages the loss over the devices' batches");
  setResults(step, ret, results, resultAttrs);
  SmallVector<Value> updated(newParameters);
  llvm::append_range(updated, newSlots);
  updateEarly(body, lastBackward, gradients, updated);
  rematerialize(step, options.remat);
  if (zero >= 3)
    placeParameterGathers(step, results[0]);
  // The forward's outputs other than the loss and buffers are not the
  // step's (under tp, GPT's logits would be gathered every step).
  eraseUnreturned(step);
  if (!options.explain)
    dropLabels(step);
  return step;
}
