//===- ReverseMode.cpp - reverse-mode differentiation ---------------------===//
//
// The classic algorithm on an SSA block: clone the forward, find the values
// that depend on the differentiated arguments (activity), seed the loss's
// adjoint with 1, and walk the ops backwards, asking each active op for its
// vector-Jacobian product and summing adjoints of values used more than
// once. Gradients are built after the forward ops, so they read the
// forward's values (the activations) instead of recomputing them.
//
// In a per-device program (tcc.mesh) the loss is the same on every device
// and so is its adjoint. An op whose result differs between devices along
// an axis while an operand does not (a matmul with a weight slice reading
// the whole activation, Megatron's column-parallel layer) gives that
// operand a different contribution on each device; the operand's true
// gradient is their sum over the axis, so the contribution is all-reduced
// there (JAX's transpose of pbroadcast). An all_reduce over an axis counts
// as such an op: its VJP gives each device's operand the result's adjoint
// (sum) or 1/n of it (avg), right for operands that differ per device; an
// operand every device holds whole gets the sum of those over the axis
// (n times it for sum, as the forward computes n x; once for avg).
//
//===----------------------------------------------------------------------===//

#include "tcc/Autodiff/Autodiff.h"

#include "FunctionResults.h"
#include "GradientBuilder.h"

#include "tcc/Analysis/Replication.h"
#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::autodiff;

namespace {

bool isFloatTensor(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// The adjoints of a function's values while walking it backwards.
class Adjoints {
public:
  Value get(Value v) const { return map_.lookup(v); }
  /// Adds `gradient` into v's adjoint (the sum over v's uses).
  void accumulate(OpBuilder &b, Location loc, Value v, Value gradient) {
    auto [it, inserted] = map_.try_emplace(v, gradient);
    if (!inserted)
      it->second = AddOp::create(b, loc, it->second, gradient);
  }

private:
  DenseMap<Value, Value> map_;
};

} // namespace

FailureOr<func::FuncOp>
mlir::tcc::buildGradientFunction(func::FuncOp forward,
                                 const GradientOptions &options) {
  if (forward.isExternal())
    return forward.emitError("cannot differentiate a declaration");
  if (!llvm::hasSingleElement(forward.getBody()))
    return forward.emitError("tcc-autodiff needs a function of one block");

  // The loss: the one result of role "loss", a 0-d float.
  std::optional<unsigned> lossIndex;
  for (unsigned i = 0, e = forward.getNumResults(); i < e; ++i) {
    auto role = forward.getResultAttrOfType<StringAttr>(i, attrs::kRole);
    if (!role || role.getValue() != "loss")
      continue;
    if (lossIndex)
      return forward.emitError("has several loss results (")
             << *lossIndex << " and " << i << "); tcc-autodiff needs one";
    lossIndex = i;
  }
  if (!lossIndex)
    return forward.emitError("has no result with tcc.role = \"loss\" to "
                             "differentiate");
  auto lossType =
      dyn_cast<RankedTensorType>(forward.getResultTypes()[*lossIndex]);
  if (!lossType || lossType.getRank() != 0 ||
      !isa<FloatType>(lossType.getElementType()))
    return forward.emitError("its loss result must be a 0-d float tensor, "
                             "got ")
           << forward.getResultTypes()[*lossIndex];

  // The new function: a clone of the forward, gradients added below.
  OpBuilder moduleBuilder(forward);
  moduleBuilder.setInsertionPointAfter(forward);
  auto function = cast<func::FuncOp>(moduleBuilder.clone(*forward));
  std::string name = options.name.empty()
                         ? (forward.getName() + "_grad").str()
                         : options.name;
  if (auto module = forward->getParentOfType<ModuleOp>())
    if (Operation *existing = SymbolTable::lookupSymbolIn(module, name);
        existing && existing != forward.getOperation()) {
      function.erase();
      return forward.emitError("a function named '") << name
                                                      << "' already exists";
    }
  function.setName(name);

  Block &body = function.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());

  // The arguments to differentiate, and every value that depends on them.
  SmallVector<unsigned> wrt;
  for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i) {
    auto role = function.getArgAttrOfType<StringAttr>(i, attrs::kRole);
    if (role && llvm::is_contained(options.roles, role.getValue().str()) &&
        isFloatTensor(body.getArgument(i)))
      wrt.push_back(i);
  }
  llvm::DenseSet<Value> active;
  for (unsigned i : wrt)
    active.insert(body.getArgument(i));
  for (Operation &op : body.without_terminator())
    if (!op.hasAttr(attrs::kNoGradient) &&
        llvm::any_of(op.getOperands(),
                     [&](Value v) { return active.contains(v); }))
      for (Value result : op.getResults())
        if (isFloatTensor(result))
          active.insert(result);

  // Per-device programs: which values differ between devices along which
  // axes (of the forward, before any gradient exists).
  llvm::DenseMap<Value, uint64_t> varying = varyingAxes(function);
  MeshOp mesh = functionMesh(function);

  OpBuilder b(ret);
  Adjoints adjoints;
  Value loss = ret.getOperand(*lossIndex);
  Value seed;
  if (options.seedArgument) {
    unsigned index = *options.seedArgument;
    if (index >= function.getNumArguments() ||
        function.getArgumentTypes()[index] != lossType) {
      function.erase();
      return forward.emitError("the gradient's seed must be an argument of "
                               "the loss's type ")
             << lossType;
    }
    seed = body.getArgument(index);
  } else {
    seed = ConstantOp::create(
        b, loss.getLoc(),
        DenseElementsAttr::get(
            lossType, b.getFloatAttr(lossType.getElementType(), 1.0)));
  }
  adjoints.accumulate(b, loss.getLoc(), loss, seed);

  // Walk backwards over the forward's ops (not the gradients being added).
  SmallVector<Operation *> forwardOps;
  for (Operation &op : body.without_terminator())
    forwardOps.push_back(&op);
  for (Operation *op : llvm::reverse(forwardOps)) {
    SmallVector<Value> resultGradients;
    bool any = false;
    for (Value result : op->getResults()) {
      resultGradients.push_back(adjoints.get(result));
      any |= static_cast<bool>(resultGradients.back());
    }
    if (!any || llvm::none_of(op->getOperands(), [&](Value v) {
          return active.contains(v);
        }))
      continue;
    auto differentiable = dyn_cast<DifferentiableOp>(op);
    if (!differentiable) {
      // The clone's ops carry the forward's locations; report, then drop
      // the half-built function.
      InFlightDiagnostic error = op->emitOpError(
          "has no gradient, but the loss depends on it through a "
          "differentiated argument");
      if (isa<FusionOp>(op))
        error.attachNote() << "tcc-autodiff runs before tcc-fuse; fusion "
                              "regions are not differentiated";
      error.report();
      function.erase();
      return failure();
    }
    SmallVector<Value> operandGradients;
    if (failed(differentiable.buildVjp(b, resultGradients, operandGradients))) {
      function.erase();
      return failure();
    }
    uint64_t resultAxes = 0;
    for (Value result : op->getResults())
      resultAxes |= varying.lookup(result);
    if (auto allReduce = dyn_cast<AllReduceOp>(op); allReduce && mesh)
      for (StringRef axis : allReduce.getAxes().getAsValueRange<StringAttr>())
        if (std::optional<unsigned> index = mesh.getAxisIndex(axis))
          resultAxes |= uint64_t(1) << *index;
    for (auto [operand, gradient] :
         llvm::zip(op->getOperands(), operandGradients)) {
      if (!gradient || !active.contains(operand))
        continue;
      if (uint64_t extra = resultAxes & ~varying.lookup(operand)) {
        SmallVector<StringRef> axes;
        for (auto [i, axis] : llvm::enumerate(mesh.getAxisNames()))
          if (extra & (uint64_t(1) << i))
            axes.push_back(cast<StringAttr>(axis).getValue());
        Value summed = AllReduceOp::create(
            b, op->getLoc(), gradient.getType(), gradient,
            CollectiveKindAttr::get(b.getContext(), CollectiveKind::sum),
            FlatSymbolRefAttr::get(mesh.getSymNameAttr()),
            b.getStrArrayAttr(axes));
        summed.getDefiningOp()->setAttr(
            attrs::kWhy,
            b.getStringAttr("sums the devices' contributions to the gradient "
                            "of a value each holds whole, from a '" +
                            op->getName().getStringRef() +
                            "' each computes a part of (Megatron's backward "
                            "all_reduce)"));
        gradient = summed;
      }
      adjoints.accumulate(b, op->getLoc(), operand, gradient);
    }
  }

  // Results: the forward's, then one gradient per differentiated argument
  // (zeros where the loss does not depend on it).
  SmallVector<Value> results(ret.getOperands());
  SmallVector<Attribute> resultAttrs;
  if (ArrayAttr existing = function.getAllResultAttrs())
    resultAttrs.assign(existing.begin(), existing.end());
  else
    resultAttrs.assign(function.getNumResults(), b.getDictionaryAttr({}));
  GradientBuilder zeros(b, function.getLoc());
  for (unsigned i : wrt) {
    Value argument = body.getArgument(i);
    Value gradient = adjoints.get(argument);
    if (!gradient)
      gradient = zeros.zerosLike(argument);
    results.push_back(gradient);
    resultAttrs.push_back(b.getDictionaryAttr(
        {b.getNamedAttr(attrs::kName,
                        b.getStringAttr(argumentName(function, i))),
         b.getNamedAttr(attrs::kRole, b.getStringAttr("gradient"))}));
  }
  setResults(function, ret, results, resultAttrs);
  return function;
}
