//===- Replication.cpp - which values differ between the devices ----------===//
//
// A forward dataflow over the function's block: each value gets the set of
// mesh axes it may vary along (a bit per axis) and, for messages, the value
// the first of them came from (an argument, or the op that introduced it).
// Ops compute on what they read, so a result varies along the union of its
// operands' axes; collectives change the set as their semantics say. An op
// with regions (tcc.stage, tcc.fusion) is entered: its region's arguments
// take its operands', and its results what its regions yield; a stage's
// results also vary along the stage's axis (the devices outside it hold
// nothing).
//
//===----------------------------------------------------------------------===//

#include "tcc/Analysis/Replication.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tcc;

namespace {

/// The mesh axes a value may vary along (bit i: axis i), and for each the
/// argument or op result the difference came from.
struct Variance {
  uint64_t axes = 0;
  SmallVector<Value, 4> origins;

  Value originOf(unsigned axis) const {
    return axis < origins.size() ? origins[axis] : Value();
  }
  void set(unsigned axis, Value origin) {
    if (origins.size() <= axis)
      origins.resize(axis + 1);
    axes |= uint64_t(1) << axis;
    origins[axis] = origin;
  }
};

class ReplicationChecker {
public:
  ReplicationChecker(func::FuncOp function, MeshOp mesh)
      : function(function), mesh(mesh) {}

  /// The dataflow alone, without diagnostics.
  llvm::DenseMap<Value, uint64_t> analyze() {
    report = false;
    seedArguments();
    (void)visitBlock(function.getBody().front());
    llvm::DenseMap<Value, uint64_t> axes;
    for (auto &[value, v] : variance)
      if (v.axes)
        axes[value] = v.axes;
    return axes;
  }

  LogicalResult run() {
    seedArguments();
    Block &body = function.getBody().front();
    bool ok = succeeded(visitBlock(body));
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    for (auto [i, result] : llvm::enumerate(ret.getOperands())) {
      // A probe is each device's own value (--check-numerics).
      if (auto role = function.getResultAttrOfType<StringAttr>(i, attrs::kRole);
          role && role.getValue() == "probe")
        continue;
      auto sharding =
          function.getResultAttrOfType<ShardingAttr>(i, attrs::kSharding);
      uint64_t allowed = sharding ? shardingAxes(sharding) : 0;
      Variance v = lookup(result);
      uint64_t extra = v.axes & ~allowed;
      if (!extra)
        continue;
      ok = false;
      unsigned index = llvm::countr_zero(extra);
      StringRef axis = axisName(index);
      InFlightDiagnostic diag =
          ret.emitError("result #")
          << i << " ('" << resultName(function, static_cast<unsigned>(i))
          << "') differs between the devices along mesh axis '" << axis
          << "' but is declared replicated over it (its tcc.sharding neither "
             "splits a dimension over '"
          << axis
          << "' nor holds partial sums over it): reduce or gather it "
             "over '"
          << axis << "' first (e.g. tcc.all_reduce)";
      noteOrigin(diag, v.originOf(index), axis);
    }
    return success(ok);
  }

private:
  /// The arguments differ along the axes their shardings split or hold
  /// partial sums over.
  void seedArguments() {
    for (BlockArgument argument : function.getBody().front().getArguments()) {
      auto sharding = function.getArgAttrOfType<ShardingAttr>(
          argument.getArgNumber(), attrs::kSharding);
      Variance v;
      for (uint64_t axes = sharding ? shardingAxes(sharding) : 0; axes;
           axes &= axes - 1)
        v.set(llvm::countr_zero(axes), argument);
      variance[argument] = v;
    }
  }


  uint64_t bitOf(StringRef axis) {
    std::optional<unsigned> index = mesh.getAxisIndex(axis);
    return index ? uint64_t(1) << *index : 0;
  }
  uint64_t bitsOf(ArrayAttr axes) {
    uint64_t bits = 0;
    for (StringRef axis : axes.getAsValueRange<StringAttr>())
      bits |= bitOf(axis);
    return bits;
  }
  uint64_t shardingAxes(ShardingAttr sharding) {
    uint64_t bits = 0;
    for (unsigned d = 0, e = sharding.getDims().size(); d < e; ++d)
      for (StringRef axis : sharding.getDimAxes(d))
        bits |= bitOf(axis);
    for (StringRef axis : sharding.getPartialAxisNames())
      bits |= bitOf(axis);
    return bits;
  }
  StringRef axisName(unsigned index) {
    return cast<StringAttr>(mesh.getAxisNames()[index]).getValue();
  }

  Variance lookup(Value value) {
    auto it = variance.find(value);
    return it == variance.end() ? Variance() : it->second;
  }

  /// Names where a value's difference along `axis` comes from.
  void noteOrigin(InFlightDiagnostic &diag, Value origin, StringRef axis) {
    if (!origin)
      return;
    if (auto argument = dyn_cast<BlockArgument>(origin)) {
      diag.attachNote(function.getLoc())
          << "it depends on argument #" << argument.getArgNumber() << " ('"
          << argumentName(function, argument.getArgNumber())
          << "'), which is split over '" << axis << "'";
      return;
    }
    diag.attachNote(origin.getLoc())
        << "it depends on this '" << origin.getDefiningOp()->getName()
        << "', whose result differs along '" << axis << "'";
  }

  static void join(Variance &into, const Variance &other) {
    for (uint64_t fresh = other.axes & ~into.axes; fresh; fresh &= fresh - 1) {
      unsigned axis = llvm::countr_zero(fresh);
      into.set(axis, other.originOf(axis));
    }
  }

  LogicalResult visitBlock(Block &block) {
    bool ok = true;
    for (Operation &op : block)
      ok &= succeeded(visit(&op));
    return success(ok);
  }

  LogicalResult visit(Operation *op) {
    Variance out;
    for (Value operand : op->getOperands())
      join(out, lookup(operand));
    bool ok = true;
    for (Region &region : op->getRegions())
      for (Block &block : region) {
        // Region arguments stand for the operands (a fusion's inputs).
        for (BlockArgument argument : block.getArguments())
          variance[argument] =
              argument.getArgNumber() < op->getNumOperands()
                  ? lookup(op->getOperand(argument.getArgNumber()))
                  : out;
        ok &= succeeded(visitBlock(block));
        if (!block.empty() && block.back().hasTrait<OpTrait::IsTerminator>())
          for (Value yielded : block.back().getOperands())
            join(out, lookup(yielded));
      }
    // The op itself introduces variance along these axes.
    uint64_t introduced = 0;
    auto remove = [&](ArrayAttr axes) { out.axes &= ~bitsOf(axes); };
    // all_reduce, all_gather and collective_broadcast leave every device
    // of the group the same tensor; reduce_scatter, all_slice and
    // all_to_all leave each its own.
    if (isa<AllReduceOp, AllGatherOp, CollectiveBroadcastOp>(op))
      remove(collectiveAxes(op));
    else if (isa<ReduceScatterOp, AllSliceOp, AllToAllOp>(op))
      introduced = bitsOf(collectiveAxes(op));
    else if (auto c = dyn_cast<RecvOp>(op))
      introduced = bitOf(c.getAxis());
    else if (auto c = dyn_cast<StageOp>(op))
      introduced = bitOf(c.getAxis());
    else if (auto c = dyn_cast<DropoutOp>(op); c && c.getShardingAttr())
      introduced = shardingAxes(c.getShardingAttr());
    for (uint64_t fresh = introduced & ~out.axes; fresh; fresh &= fresh - 1)
      out.set(llvm::countr_zero(fresh),
              op->getNumResults() ? op->getResult(0) : Value());
    for (Value result : op->getResults())
      variance[result] = out;
    ok &= succeeded(checkStageCollective(op));
    return success(ok);
  }

  /// A collective in a stage over the stage's axis waits for devices that
  /// never run the stage.
  LogicalResult checkStageCollective(Operation *op) {
    ArrayAttr axes = collectiveAxes(op);
    if (!axes || !report)
      return success();
    for (auto stage = op->getParentOfType<StageOp>(); stage;
         stage = stage->getParentOfType<StageOp>())
      if (bitsOf(axes) & bitOf(stage.getAxis()))
        return op->emitOpError("runs over axis '")
               << stage.getAxis()
               << "' inside a tcc.stage of that axis: only the devices at "
                  "coordinate "
               << stage.getIndex()
               << " run the stage, so the others would never join";
    return success();
  }

  func::FuncOp function;
  MeshOp mesh;
  llvm::DenseMap<Value, Variance> variance;
  bool report = true;
};

} // namespace

ArrayAttr mlir::tcc::collectiveAxes(Operation *op) {
  return TypeSwitch<Operation *, ArrayAttr>(op)
      .Case<AllReduceOp, AllGatherOp, ReduceScatterOp, AllSliceOp, AllToAllOp,
            CollectiveBroadcastOp>([](auto c) { return c.getAxes(); })
      .Default([](Operation *) { return ArrayAttr(); });
}

llvm::DenseMap<Value, uint64_t> mlir::tcc::varyingAxes(func::FuncOp function) {
  MeshOp mesh = functionMesh(function);
  if (!mesh || function.isExternal())
    return llvm::DenseMap<Value, uint64_t>();
  return ReplicationChecker(function, mesh).analyze();
}

LogicalResult mlir::tcc::checkReplication(func::FuncOp function) {
  MeshOp mesh = functionMesh(function);
  if (!mesh || function.isExternal())
    return success();
  return ReplicationChecker(function, mesh).run();
}
