//===- Rematerialize.cpp - recompute activations in the backward ----------===//
//
// A training step keeps every forward value that the backward reads alive
// from its producer to its backward reader: those saved activations set the
// step's peak memory. Rematerialization trades compute for memory: a saved
// value whose producer the policy calls cheap is computed again right
// before its first backward reader, and the original dies with its last
// forward reader.
//
// The recomputation reads only values that are alive at that point anyway
// (arguments, constants, values the backward reads there or later), looking
// through further cheap producers when an operand is not, so it never
// stretches another value's lifetime into the backward. It runs the same
// ops on the same values, so the step's results do not change.
//
//===----------------------------------------------------------------------===//

#include "tcc/Autodiff/TrainStep.h"

#include "ForwardOps.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::tcc;

namespace {

/// The most ops one recomputation clones: a bound on the work added per
/// saved value (a chain of cheap ops back to a kept value is short in
/// practice; a long one is not worth recomputing).
constexpr unsigned kMaxRecomputedOps = 16;

bool isCheap(Operation *op, RematPolicy policy) {
  if (!isa_and_present<TccDialect>(op->getDialect()) ||
      op->getNumRegions() != 0 || !isMemoryEffectFree(op) ||
      isa<ConstantOp>(op))
    return false;
  if (!llvm::all_of(op->getResultTypes(), llvm::IsaPred<RankedTensorType>))
    return false;
  bool elementwise = op->hasTrait<OpTrait::Elementwise>();
  bool layout = isa<ReshapeOp, TransposeOp, BroadcastOp, BroadcastInDimOp,
                    SliceOp, IotaOp>(op);
  switch (policy) {
  case RematPolicy::None:
    return false;
  case RematPolicy::Elementwise:
    return elementwise || layout;
  case RematPolicy::Dots:
    return !isa<MatmulOp, Conv2dOp>(op);
  }
  llvm_unreachable("unknown policy");
}

class Rematerializer {
public:
  Rematerializer(Block &body, Value loss, RematPolicy policy)
      : body(body), policy(policy),
        // The rest (gradients, the update, buffer updates) reads it.
        forward(autodiff::forwardOps(body, loss)) {}

  void run() {
    SmallVector<Operation *> order;
    for (Operation &op : body)
      if (forward.contains(&op) && isCheap(&op, policy))
        order.push_back(&op);
    for (Operation *op : order)
      for (Value value : op->getResults())
        recompute(value);
  }

private:
  /// The op of this block that `user` is or is nested in.
  Operation *inBlock(Operation *user) {
    return body.findAncestorOpInBlock(*user);
  }

  /// Whether `value` is read at or after `point`: alive there anyway.
  bool aliveAt(Value value, Operation *point) {
    return llvm::any_of(value.getUsers(), [&](Operation *user) {
      Operation *reader = inBlock(user);
      return reader && !reader->isBeforeInBlock(point);
    });
  }

  /// Collects into `cone`, operands first, the cheap forward ops that
  /// recomputing `value` at `point` needs, stopping at values alive there.
  /// False when some input would have to be kept alive for it.
  bool collect(Value value, Operation *point,
               llvm::SetVector<Operation *> &cone) {
    Operation *def = value.getDefiningOp();
    if (!def || isa<ConstantOp>(def) || aliveAt(value, point))
      return true;
    if (cone.contains(def))
      return true;
    if (!forward.contains(def) || !isCheap(def, policy) ||
        cone.size() >= kMaxRecomputedOps)
      return false;
    for (Value operand : def->getOperands())
      if (!collect(operand, point, cone))
        return false;
    cone.insert(def);
    return true;
  }

  void recompute(Value value) {
    // Its readers outside the forward, and where the first of them is.
    Operation *first = nullptr, *lastForward = nullptr;
    for (Operation *user : value.getUsers()) {
      Operation *reader = inBlock(user);
      if (!reader)
        continue;
      // A result of the step lives to the end anyway.
      if (reader == body.getTerminator())
        return;
      if (forward.contains(reader)) {
        if (!lastForward || lastForward->isBeforeInBlock(reader))
          lastForward = reader;
      } else if (!first || reader->isBeforeInBlock(first)) {
        first = reader;
      }
    }
    // Nothing saved for the backward, or a forward reader comes after the
    // backward's first one: the original would stay alive regardless.
    if (!first || (lastForward && first->isBeforeInBlock(lastForward)))
      return;
    llvm::SetVector<Operation *> cone;
    Operation *def = value.getDefiningOp();
    for (Value operand : def->getOperands())
      if (!collect(operand, first, cone))
        return;
    cone.insert(def);

    OpBuilder b(first);
    IRMapping mapping;
    for (Operation *op : cone)
      b.clone(*op, mapping);
    Value again = mapping.lookup(value);
    value.replaceUsesWithIf(again, [&](OpOperand &use) {
      Operation *reader = inBlock(use.getOwner());
      return reader && !forward.contains(reader);
    });
  }

  Block &body;
  RematPolicy policy;
  llvm::DenseSet<Operation *> forward;
};

} // namespace

void mlir::tcc::rematerialize(func::FuncOp step, RematPolicy policy) {
  if (policy == RematPolicy::None || step.getBody().getBlocks().size() != 1)
    return;
  Block &body = step.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  for (unsigned i = 0, e = step.getNumResults(); i < e; ++i)
    if (auto role = step.getResultAttrOfType<StringAttr>(i, attrs::kRole);
        role && role.getValue() == "loss") {
      Rematerializer(body, ret.getOperand(i), policy).run();
      return;
    }
}
