//===- Fuse.cpp - group ops into tcc.fusion regions -----------------------===//
//
// Greedy producer-consumer grouping in block order, then one tcc.fusion per
// group of two or more ops. See the pass description in Passes.td for the
// rules; the comments here say why each check exists.
//
//===----------------------------------------------------------------------===//

#include "tcc/Transforms/Passes.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/Analysis/TopologicalSortUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/PointerIntPair.h"
#include "llvm/ADT/SetVector.h"

#include <memory>

namespace mlir::tcc {
#define GEN_PASS_DEF_TCCFUSE
#include "tcc/Transforms/Passes.h.inc"
} // namespace mlir::tcc

using namespace mlir;
using namespace mlir::tcc;

namespace {

enum class Role {
  /// A boundary: never fused.
  None,
  /// Cheaper to recompute in every consumer than to read: splat constants,
  /// iotas and broadcasts. Never grouped; cloned into each group that uses
  /// them.
  Rematerializable,
  Elementwise,
  Reduction,
  Contraction,
};

Role roleOf(Operation *op) {
  if (!isa_and_present<TccDialect>(op->getDialect()))
    return Role::None;
  if (auto constant = dyn_cast<ConstantOp>(op)) {
    auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
    return dense && dense.isSplat() ? Role::Rematerializable : Role::None;
  }
  if (isa<BroadcastOp, BroadcastInDimOp, IotaOp>(op))
    return Role::Rematerializable;
  if (op->hasTrait<OpTrait::Elementwise>() || isa<DropoutOp>(op))
    return Role::Elementwise;
  if (isa<ReduceOp, SoftmaxOp, LogSoftmaxOp, LayerNormOp>(op))
    return Role::Reduction;
  if (isa<MatmulOp, Conv2dOp>(op))
    return Role::Contraction;
  return Role::None;
}

struct Group {
  SmallVector<Operation *> ops;
  Operation *anchor = nullptr; // The contraction, if any.
  bool hasReduction = false;
};

/// Groups the ops of one block and rewrites each group as a tcc.fusion.
class BlockFuser {
public:
  explicit BlockFuser(Block &block) : block(block) {
    for (auto [i, op] : llvm::enumerate(block))
      position[&op] = i;
  }

  void run();

private:
  Group *groupOf(Operation *op) { return groupFor.lookup(op); }
  /// The fusible ops that `value` comes from, looking through
  /// rematerializable ops (their own inputs are what a group would read).
  void producers(Value value, SmallVectorImpl<Operation *> &result);
  bool canMerge(const Group &producer, const Group &consumer) const;
  /// Whether a path leaves `from` and reaches `to` through an op outside
  /// both that is not rematerialized: merging them would make a cycle.
  bool reachesThroughOutside(const Group &from, const Group &to);
  void merge(Group *from, Group *into);
  void materialize(Group &group);

  Block &block;
  llvm::DenseMap<Operation *, unsigned> position;
  llvm::DenseMap<Operation *, Group *> groupFor;
  std::vector<std::unique_ptr<Group>> groups;
};

void BlockFuser::producers(Value value, SmallVectorImpl<Operation *> &result) {
  Operation *op = value.getDefiningOp();
  if (!op || op->getBlock() != &block)
    return;
  Role role = roleOf(op);
  if (role == Role::Rematerializable) {
    for (Value operand : op->getOperands())
      producers(operand, result);
    return;
  }
  if (role != Role::None)
    result.push_back(op);
}

bool BlockFuser::canMerge(const Group &producer, const Group &consumer) const {
  // A contraction's operands come from memory through the library call:
  // nothing computes them inside its kernel.
  if (consumer.anchor)
    return false;
  // A contraction kernel takes only its epilogue: ops that depend on it.
  // A consumer group that has already absorbed other producers would bring
  // side computations along.
  if (producer.anchor && (consumer.ops.size() != 1 || consumer.hasReduction))
    return false;
  // One row reduction per kernel.
  if (producer.hasReduction && consumer.hasReduction)
    return false;
  return true;
}

bool BlockFuser::reachesThroughOutside(const Group &from, const Group &to) {
  llvm::SmallPtrSet<Operation *, 16> inFrom(from.ops.begin(), from.ops.end());
  llvm::SmallPtrSet<Operation *, 16> inTo(to.ops.begin(), to.ops.end());
  unsigned last = 0;
  for (Operation *op : to.ops)
    last = std::max(last, position[op]);
  // (op, whether the path has passed an op that stays outside)
  using Step = llvm::PointerIntPair<Operation *, 1, bool>;
  SmallVector<Step> worklist;
  llvm::DenseSet<Step> seen;
  auto pushUsers = [&](Operation *op, bool outside) {
    for (Operation *user : op->getUsers()) {
      Operation *ancestor = block.findAncestorOpInBlock(*user);
      if (ancestor && !inFrom.contains(ancestor) &&
          seen.insert(Step(ancestor, outside)).second)
        worklist.push_back(Step(ancestor, outside));
    }
  };
  for (Operation *op : from.ops)
    pushUsers(op, false);
  while (!worklist.empty()) {
    Step step = worklist.pop_back_val();
    Operation *op = step.getPointer();
    bool outside = step.getInt();
    if (inTo.contains(op)) {
      if (outside)
        return true;
      continue;
    }
    // Users come after their producers: past `to`'s last op, nothing found
    // from here can be in `to`.
    if (position[op] > last)
      continue;
    pushUsers(op, outside || roleOf(op) != Role::Rematerializable);
  }
  return false;
}

void BlockFuser::merge(Group *from, Group *into) {
  for (Operation *op : from->ops) {
    into->ops.push_back(op);
    groupFor[op] = into;
  }
  into->anchor = into->anchor ? into->anchor : from->anchor;
  into->hasReduction |= from->hasReduction;
  from->ops.clear();
}

void BlockFuser::run() {
  for (Operation &op : block) {
    Role role = roleOf(&op);
    if (role == Role::None || role == Role::Rematerializable)
      continue;
    groups.push_back(std::make_unique<Group>());
    Group *group = groups.back().get();
    group->ops.push_back(&op);
    group->anchor = role == Role::Contraction ? &op : nullptr;
    group->hasReduction = role == Role::Reduction;
    groupFor[&op] = group;
    // A contraction starts its own group: its operands are read from memory.
    if (role == Role::Contraction)
      continue;

    SmallVector<Operation *> found;
    for (Value operand : op.getOperands())
      producers(operand, found);
    // Contractions first: joining one as its epilogue is only possible while
    // this op is alone in its group. Otherwise operand order.
    SmallVector<Operation *> candidates;
    for (bool anchors : {true, false})
      for (Operation *producer : found)
        if (static_cast<bool>(groupOf(producer)->anchor) == anchors)
          candidates.push_back(producer);
    for (Operation *producer : candidates) {
      Group *from = groupOf(producer), *into = groupOf(&op);
      if (from == into || !canMerge(*from, *into))
        continue;
      if (reachesThroughOutside(*from, *into) ||
          reachesThroughOutside(*into, *from))
        continue;
      // Keep the larger group's identity; order within a group is restored
      // from block positions when it is materialized.
      merge(from, into);
    }
  }
  for (auto &group : groups)
    if (!group->ops.empty())
      materialize(*group);
  // Ops that used a fusion's results before its position move after it;
  // the merge checks guarantee the block stays acyclic.
  sortTopologically(&block);
}

void BlockFuser::materialize(Group &group) {
  llvm::sort(group.ops, [&](Operation *a, Operation *b) {
    return position[a] < position[b];
  });
  llvm::SmallPtrSet<Operation *, 16> members(group.ops.begin(),
                                             group.ops.end());
  // External values the body reads, in order of first use; rematerializable
  // producers are cloned instead, their own inputs read.
  llvm::SetVector<Value> inputs;
  SmallVector<Operation *> clones; // Rematerialized ops, in dependence order.
  llvm::SmallPtrSet<Operation *, 8> cloned;
  std::function<void(Value)> collect = [&](Value value) {
    Operation *def = value.getDefiningOp();
    if (def && members.contains(def))
      return;
    if (def && def->getBlock() == &block &&
        roleOf(def) == Role::Rematerializable) {
      if (cloned.insert(def).second) {
        for (Value operand : def->getOperands())
          collect(operand);
        clones.push_back(def);
      }
      return;
    }
    inputs.insert(value);
  };
  for (Operation *op : group.ops)
    for (Value operand : op->getOperands())
      collect(operand);
  // A lone op is worth a kernel of its own only when it saves reading a
  // rematerialized tensor (an iota mask, a broadcast) from memory.
  if (group.ops.size() == 1 && clones.empty())
    return;

  // Results used outside the group become the fusion's results.
  SmallVector<Value> outputs;
  for (Operation *op : group.ops)
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            Operation *ancestor = block.findAncestorOpInBlock(*user);
            return !ancestor || !members.contains(ancestor);
          }))
        outputs.push_back(result);

  FusionKind kind = group.anchor         ? FusionKind::contraction
                    : group.hasReduction ? FusionKind::reduction
                                         : FusionKind::elementwise;
  OpBuilder builder(group.ops.back());
  Location loc = builder.getFusedLoc(llvm::map_to_vector(
      group.ops, [](Operation *op) { return op->getLoc(); }));
  auto fusion = FusionOp::create(
      builder, loc, ValueRange(outputs).getTypes(), kind,
      inputs.getArrayRef());
  Block *body = builder.createBlock(
      &fusion.getBody(), {}, ValueRange(inputs.getArrayRef()).getTypes(),
      SmallVector<Location>(inputs.size(), loc));
  IRMapping mapping;
  mapping.map(inputs.getArrayRef(), body->getArguments());
  // Clones first (their inputs are block arguments or earlier clones), then
  // the members in block order.
  for (Operation *op : clones)
    builder.clone(*op, mapping);
  for (Operation *op : group.ops)
    builder.clone(*op, mapping);
  SmallVector<Value> yielded = llvm::map_to_vector(
      outputs, [&](Value v) { return mapping.lookup(v); });
  YieldOp::create(builder, loc, yielded);

  for (auto [old, replacement] : llvm::zip(outputs, fusion.getResults()))
    old.replaceAllUsesWith(replacement);
  for (Operation *op : llvm::reverse(group.ops))
    op->erase();
  for (Operation *op : llvm::reverse(clones))
    if (op->use_empty())
      op->erase();
}

struct TccFusePass : public tcc::impl::TccFuseBase<TccFusePass> {
  void runOnOperation() override {
    // Blocks of functions and stages; not the bodies of existing fusions.
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) {
      if (!isa<FusionOp>(block->getParentOp()))
        blocks.push_back(block);
    });
    for (Block *block : blocks)
      BlockFuser(*block).run();
  }
};

} // namespace
