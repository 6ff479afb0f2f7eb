//===- Fuse.cpp - group ops into tcc.fusion regions -----------------------===//
//
// Greedy producer-consumer grouping in block order, then one tcc.fusion per
// group of two or more ops. See the pass description in Passes.td for the
// rules; the comments here say why each check exists.
//
//===----------------------------------------------------------------------===//

#include "tcc/Transforms/Passes.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/PointerIntPair.h"
#include "llvm/ADT/SetVector.h"

#include <memory>
#include <queue>
#include <vector>

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
  /// Block positions of the first and last op.
  unsigned first = 0, last = 0;
};

/// Groups the ops of one block and rewrites each group as a tcc.fusion.
class BlockFuser {
public:
  explicit BlockFuser(Block &block) : block(block) {
    for (auto [i, op] : llvm::enumerate(block))
      position[&op] = i;
  }

  void run();
  LogicalResult finish();

private:
  Group *groupOf(Operation *op) { return groupFor.lookup(op); }
  /// Whether an op with side effects (a collective, a send, a stage) lies
  /// between the ops of the two groups: a fusion sits where its last op
  /// was, and the re-sort must never move such an op.
  bool spansSideEffects(const Group &a, const Group &b);
  /// The fusible ops that `value` comes from, looking through
  /// rematerializable ops (their own inputs are what a group would read).
  void producers(Value value, SmallVectorImpl<Operation *> &result);
  bool canMerge(const Group &producer, const Group &consumer) const;
  /// Whether a path leaves `from` and reaches `to` through an op outside
  /// both that is not rematerialized: merging them would make a cycle.
  bool reachesThroughOutside(const Group &from, const Group &to);
  /// Whether merging `producer` into `consumer` (the group of the op being
  /// visited, so the later one) would hold back an op outside both that
  /// reads the producer's results between the two.
  bool delaysReaders(const Group &producer, const Group &consumer);
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

bool BlockFuser::spansSideEffects(const Group &a, const Group &b) {
  unsigned first = std::min(a.first, b.first), last = std::max(a.last, b.last);
  for (auto it = std::next(Block::iterator(block.begin()), first);
       position[&*it] < last; ++it) {
    Group *group = groupOf(&*it);
    if (group != &a && group != &b && !isMemoryEffectFree(&*it))
      return true;
  }
  return false;
}

bool BlockFuser::reachesThroughOutside(const Group &from, const Group &to) {
  auto inFrom = [&](Operation *op) { return groupOf(op) == &from; };
  auto inTo = [&](Operation *op) { return groupOf(op) == &to; };
  // (op, whether the path has passed an op that stays outside)
  using Step = llvm::PointerIntPair<Operation *, 1, bool>;
  SmallVector<Step> worklist;
  llvm::DenseSet<Step> seen;
  llvm::SmallPtrSet<const Group *, 8> entered;
  auto pushUsers = [&](Operation *op, bool outside) {
    for (Operation *user : op->getUsers()) {
      Operation *ancestor = block.findAncestorOpInBlock(*user);
      if (ancestor && !inFrom(ancestor) &&
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
    if (inTo(op)) {
      if (outside)
        return true;
      continue;
    }
    // A third group becomes one fusion: a path that enters it at one member
    // leaves it from every member (the fusion yields them all at once). So
    // positions do not bound the search: entering a group at a late member
    // can lead out of an early one.
    if (Group *group = groupOf(op)) {
      if (entered.insert(group).second)
        for (Operation *member : group->ops)
          pushUsers(member, true);
      continue;
    }
    pushUsers(op, outside || roleOf(op) != Role::Rematerializable);
  }
  return false;
}

bool BlockFuser::delaysReaders(const Group &producer, const Group &consumer) {
  // The fusion will sit where the consumer's last op is; every reader of
  // the producer before that point would wait for it, and with it
  // everything that reader feeds. In a training step that is how a forward
  // matmul would join a backward op reading its result (GELU's derivative)
  // as an epilogue and drag the rest of the forward into the backward,
  // keeping its activations alive across it.
  SmallVector<Operation *> readers;
  llvm::SmallPtrSet<Operation *, 16> seen;
  for (Operation *op : producer.ops)
    llvm::append_range(readers, op->getUsers());
  while (!readers.empty()) {
    Operation *reader = block.findAncestorOpInBlock(*readers.pop_back_val());
    if (!reader || !seen.insert(reader).second)
      continue;
    Group *group = groupOf(reader);
    if (group == &producer || group == &consumer)
      continue;
    // A rematerializable reader goes wherever its own readers are.
    if (!group && roleOf(reader) == Role::Rematerializable) {
      llvm::append_range(readers, reader->getUsers());
      continue;
    }
    if (position[reader] < consumer.last)
      return true;
  }
  return false;
}

void BlockFuser::merge(Group *a, Group *b) {
  // The smaller group moves into the larger, so a long chain costs linear
  // time in all; which group survives does not matter.
  Group *from = a->ops.size() < b->ops.size() ? a : b;
  Group *into = from == a ? b : a;
  for (Operation *op : from->ops) {
    into->ops.push_back(op);
    groupFor[op] = into;
  }
  into->anchor = into->anchor ? into->anchor : from->anchor;
  into->hasReduction |= from->hasReduction;
  into->first = std::min(into->first, from->first);
  into->last = std::max(into->last, from->last);
  SmallVector<Operation *>().swap(from->ops);
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
    group->first = group->last = position[&op];
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
      if (from == into || !canMerge(*from, *into) ||
          spansSideEffects(*from, *into))
        continue;
      if (reachesThroughOutside(*from, *into) ||
          reachesThroughOutside(*into, *from) || delaysReaders(*from, *into))
        continue;
      // Order within a group is restored from block positions when it is
      // materialized.
      merge(from, into);
    }
  }
  for (auto &group : groups)
    if (!group->ops.empty())
      materialize(*group);
}

/// Reorders `block` topologically, keeping every op as early as its
/// original position allows and no earlier: among the ops whose operands
/// are ready, the one that came first goes next (the lexicographically
/// smallest topological order). MLIR's sortTopologically instead lets every
/// ready op overtake one that waits, which would hoist ops reading only
/// arguments (an optimizer's decay of a weight) to the top of a training
/// step and keep their results alive across it. Returns false on a cycle.
static bool sortStably(Block &block) {
  Operation *terminator = block.mightHaveTerminator() ? &block.back() : nullptr;
  SmallVector<Operation *> ops;
  llvm::DenseMap<Operation *, unsigned> index;
  for (Operation &op : block) {
    if (&op == terminator)
      continue;
    index[&op] = ops.size();
    ops.push_back(&op);
  }
  // For each op, the ops of this block whose results it (or an op nested
  // in it) reads.
  std::vector<unsigned> waiting(ops.size(), 0);
  std::vector<SmallVector<unsigned>> readers(ops.size());
  for (unsigned i = 0; i < ops.size(); ++i) {
    llvm::SmallDenseSet<unsigned, 8> producers;
    ops[i]->walk([&](Operation *nested) {
      for (Value operand : nested->getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (!def)
          continue;
        Operation *ancestor = block.findAncestorOpInBlock(*def);
        auto it = ancestor ? index.find(ancestor) : index.end();
        if (it != index.end() && it->second != i)
          producers.insert(it->second);
      }
    });
    waiting[i] = producers.size();
    for (unsigned p : producers)
      readers[p].push_back(i);
  }
  std::priority_queue<unsigned, std::vector<unsigned>, std::greater<unsigned>>
      ready;
  for (unsigned i = 0; i < ops.size(); ++i)
    if (waiting[i] == 0)
      ready.push(i);
  unsigned placed = 0;
  while (!ready.empty()) {
    unsigned i = ready.top();
    ready.pop();
    if (terminator)
      ops[i]->moveBefore(terminator);
    else
      ops[i]->moveBefore(&block, block.end());
    ++placed;
    for (unsigned reader : readers[i])
      if (--waiting[reader] == 0)
        ready.push(reader);
  }
  return placed == ops.size();
}

LogicalResult BlockFuser::finish() {
  // Pure ops that used a fusion's results before its position move after
  // it. The merge checks keep the block acyclic and leave no op with side
  // effects to move, so their order is kept.
  if (!sortStably(block))
    return block.getParentOp()->emitError(
        "tcc-fuse left a cycle in this block (a bug in the pass)");
  return success();
}

void BlockFuser::materialize(Group &group) {
  llvm::sort(group.ops, [&](Operation *a, Operation *b) {
    return position[a] < position[b];
  });
  llvm::SmallPtrSet<Operation *, 16> members(group.ops.begin(),
                                             group.ops.end());
  // External values the body reads, in order of first use. Rematerializable
  // producers are cloned instead and their own inputs read, except for the
  // operands of a contraction, which its library call reads from memory.
  llvm::SetVector<Value> inputs;
  llvm::SetVector<Operation *> cloned;
  std::function<void(Value, bool)> collect = [&](Value value,
                                                 bool mayClone) {
    Operation *def = value.getDefiningOp();
    if (def && members.contains(def))
      return;
    if (mayClone && def && def->getBlock() == &block &&
        roleOf(def) == Role::Rematerializable) {
      if (cloned.insert(def))
        for (Value operand : def->getOperands())
          collect(operand, /*mayClone=*/true);
      return;
    }
    inputs.insert(value);
  };
  for (Operation *op : group.ops)
    for (Value operand : op->getOperands())
      collect(operand, /*mayClone=*/op != group.anchor);
  // A lone op is worth a kernel of its own only when it saves reading a
  // rematerialized tensor (an iota mask, a broadcast) from memory.
  if (group.ops.size() == 1 && cloned.empty())
    return;

  // The originals of cloned ops whose every user ends up inside the fusion
  // disappear with the group; others stay for their outside users.
  llvm::SmallPtrSet<Operation *, 8> dying;
  for (Operation *op : llvm::reverse(cloned.getArrayRef()))
    if (llvm::all_of(op->getUsers(), [&](Operation *user) {
          return members.contains(user) || dying.contains(user);
        }))
      dying.insert(op);
  auto staysOutside = [&](Operation *user) {
    Operation *ancestor = block.findAncestorOpInBlock(*user);
    return !ancestor ||
           (!members.contains(ancestor) && !dying.contains(ancestor));
  };
  // Results used outside the group become the fusion's results.
  SmallVector<Value> outputs;
  for (Operation *op : group.ops)
    for (Value result : op->getResults())
      if (llvm::any_of(result.getUsers(), staysOutside))
        outputs.push_back(result);
  // A group nobody reads is dead code: leave it to DCE rather than make a
  // kernel without results.
  if (outputs.empty())
    return;

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
  // Members and clones in block order: a clone may read a member (the
  // broadcast of a reduction's result), a member may read a clone.
  SmallVector<Operation *> ordered(group.ops.begin(), group.ops.end());
  ordered.append(cloned.begin(), cloned.end());
  llvm::sort(ordered, [&](Operation *a, Operation *b) {
    return position[a] < position[b];
  });
  for (Operation *op : ordered)
    builder.clone(*op, mapping);
  SmallVector<Value> yielded = llvm::map_to_vector(
      outputs, [&](Value v) { return mapping.lookup(v); });
  YieldOp::create(builder, loc, yielded);

  for (auto [old, replacement] : llvm::zip(outputs, fusion.getResults()))
    old.replaceUsesWithIf(replacement, [&](OpOperand &use) {
      return staysOutside(use.getOwner());
    });
  // Members and dying clones only use each other now; drop their uses
  // before erasing so the order does not matter.
  for (Operation *op : ordered)
    if (members.contains(op) || dying.contains(op))
      op->dropAllUses();
  for (Operation *op : llvm::reverse(ordered))
    if (members.contains(op) || dying.contains(op))
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
    for (Block *block : blocks) {
      BlockFuser fuser(*block);
      fuser.run();
      if (failed(fuser.finish()))
        return signalPassFailure();
    }
  }
};

} // namespace
