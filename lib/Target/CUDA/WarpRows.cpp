//===- WarpRows.cpp - one warp per row of a row-wise kernel ---------------===//
//
// A kernel tiled one row per tile (softmax, layer_norm, a loss) runs each
// row as a sequence of loops over the row: maps (scf.parallel) and
// reductions into a scalar (scf.for accumulating into a one-element
// buffer). One thread per row makes neighbouring threads read addresses a
// row apart; a warp per row lets its 32 lanes split every loop of the row
// (lane l takes elements l, l+32, ...), so that each access of the warp is
// one coalesced transaction, and combines each reduction's 32 partial
// results with shuffles (log2 32 steps), after which every lane holds the
// row's value.
//
// Every loop splits the row the same way, so a lane only ever touches its
// own elements of the row's temporaries: they shrink to a 32nd of the row
// (element j of a temporary is element j/32 of the lane's). The rewrite is
// applied only where this holds — every access to memory that the row's
// work writes is at the loop's own index, or to a single element outside
// the loops — and reductions have a recognized combiner (add, mul, max,
// min) on f32 or i32; otherwise the kernel keeps one thread per row.
//
//===----------------------------------------------------------------------===//

#include "CudaPipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::cuda;

namespace {

constexpr int64_t kWarp = 32;

/// The buffer a memref value views (through subviews).
Value rootOf(Value memref) {
  while (auto view = memref.getDefiningOp<memref::SubViewOp>())
    memref = view.getSource();
  return memref;
}

std::optional<int64_t> unitLoop(Value lower, Value upper, Value step) {
  if (getConstantIntValue(lower) != 0 || getConstantIntValue(step) != 1)
    return std::nullopt;
  return getConstantIntValue(upper);
}

/// A reduction loop: `store combine(x, load buf[i]), buf[i]` each iteration.
struct Reduction {
  scf::ForOp loop;
  memref::LoadOp load;
  memref::StoreOp store;
  Operation *combine;
};

bool isCombiner(Operation *op) {
  return isa<arith::AddFOp, arith::MulFOp, arith::MaximumFOp,
             arith::MinimumFOp, arith::MaxNumFOp, arith::MinNumFOp,
             arith::AddIOp, arith::MulIOp, arith::MaxSIOp, arith::MinSIOp>(op);
}

/// The combiner's identity: x = combine(x, identity).
TypedAttr identityOf(Operation *combine, Type type) {
  Builder b(combine->getContext());
  if (auto floatType = dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &semantics = floatType.getFloatSemantics();
    if (isa<arith::AddFOp>(combine))
      return b.getFloatAttr(type, 0.0);
    if (isa<arith::MulFOp>(combine))
      return b.getFloatAttr(type, 1.0);
    bool max = isa<arith::MaximumFOp, arith::MaxNumFOp>(combine);
    return b.getFloatAttr(type, llvm::APFloat::getInf(semantics, /*Negative=*/max));
  }
  auto intType = cast<IntegerType>(type);
  unsigned width = intType.getWidth();
  if (isa<arith::AddIOp>(combine))
    return b.getIntegerAttr(type, 0);
  if (isa<arith::MulIOp>(combine))
    return b.getIntegerAttr(type, 1);
  return b.getIntegerAttr(type, isa<arith::MaxSIOp>(combine)
                                    ? llvm::APInt::getSignedMinValue(width)
                                    : llvm::APInt::getSignedMaxValue(width));
}

std::optional<Reduction> matchReduction(scf::ForOp loop) {
  if (loop.getNumRegionIterArgs() != 0)
    return std::nullopt;
  Reduction r{loop, {}, {}, nullptr};
  for (Operation &op : *loop.getBody()) {
    if (op.getNumRegions() != 0)
      return std::nullopt;
    if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (r.store)
        return std::nullopt;
      r.store = store;
    }
  }
  if (!r.store)
    return std::nullopt;
  r.combine = r.store.getValueToStore().getDefiningOp();
  if (!r.combine || !isCombiner(r.combine) || r.combine->getBlock() != loop.getBody())
    return std::nullopt;
  for (Value operand : r.combine->getOperands())
    if (auto load = operand.getDefiningOp<memref::LoadOp>();
        load && load.getMemRef() == r.store.getMemRef() &&
        load.getIndices() == r.store.getIndices() && load->hasOneUse())
      r.load = load;
  if (!r.load)
    return std::nullopt;
  Type type = r.store.getValueToStore().getType();
  if (!type.isF32() && !type.isInteger(32))
    return std::nullopt;
  // The accumulator's element is the same every iteration, and nothing else
  // in the loop touches its buffer.
  for (Value index : r.store.getIndices())
    if (loop.getRegion().isAncestor(index.getParentRegion()))
      return std::nullopt;
  Value buffer = rootOf(r.store.getMemRef());
  bool clean = true;
  loop.walk([&](Operation *op) {
    if (op == r.load || op == r.store)
      return;
    for (Value operand : op->getOperands())
      if (isa<MemRefType>(operand.getType()) && rootOf(operand) == buffer)
        clean = false;
  });
  if (!clean)
    return std::nullopt;
  return r;
}

/// The row's work split into loops over the row and scalar work.
struct RowPlan {
  SmallVector<scf::ParallelOp> maps;
  SmallVector<Reduction> reductions;
  /// Every buffer (root) the row writes.
  llvm::SmallPtrSet<Value, 8> written;
};

/// Whether memory accesses allow the split: inside a split loop, every
/// access to a buffer the row writes uses the loop's index for its one
/// dimension longer than 1; outside, such accesses are to single elements.
bool accessesAreLaneLocal(Block &row, const RowPlan &plan) {
  llvm::SmallPtrSet<Operation *, 8> accumulators;
  for (const Reduction &r : plan.reductions) {
    accumulators.insert(r.load);
    accumulators.insert(r.store);
  }
  auto check = [&](Operation *op, Value memref, ValueRange indices) {
    if (accumulators.contains(op))
      return true;
    if (!plan.written.contains(rootOf(memref)))
      return true;
    auto type = cast<MemRefType>(memref.getType());
    Value iv;
    for (Operation *parent = op->getParentOp(); parent;
         parent = parent->getParentOp()) {
      if (auto map = dyn_cast<scf::ParallelOp>(parent)) {
        iv = map.getInductionVars()[0];
        break;
      }
      if (auto loop = dyn_cast<scf::ForOp>(parent); loop && loop->getBlock() == &row) {
        iv = loop.getInductionVar();
        break;
      }
      if (parent->getBlock() == &row)
        break;
    }
    int64_t longDims = 0;
    for (auto [size, index] : llvm::zip(type.getShape(), indices)) {
      if (size == 1)
        continue;
      ++longDims;
      if (!iv || index != iv)
        return false;
    }
    // Inside a split loop, a single element is read by every lane (a row's
    // max, say), but written by one lane at a time: not splittable.
    if (longDims == 0 && iv && isa<memref::StoreOp>(op))
      return false;
    return longDims <= 1;
  };
  bool ok = true;
  row.walk([&](Operation *op) {
    if (auto load = dyn_cast<memref::LoadOp>(op))
      ok &= check(op, load.getMemRef(), load.getIndices());
    else if (auto store = dyn_cast<memref::StoreOp>(op))
      ok &= check(op, store.getMemRef(), store.getIndices());
  });
  // A buffer the row writes may only be reached through loads, stores and
  // subviews (a copy or a call would hide its indices).
  row.walk([&](Operation *op) {
    if (isa<memref::LoadOp, memref::StoreOp, memref::SubViewOp>(op))
      return;
    for (Value operand : op->getOperands())
      if (isa<MemRefType>(operand.getType()) &&
          plan.written.contains(rootOf(operand)))
        ok = false;
  });
  return ok;
}

std::optional<RowPlan> planRow(Block &row) {
  RowPlan plan;
  int64_t longest = 0;
  for (Operation &op : row.without_terminator()) {
    if (auto map = dyn_cast<scf::ParallelOp>(op)) {
      if (map.getNumLoops() != 1 || map.getNumResults() != 0)
        return std::nullopt;
      std::optional<int64_t> n = unitLoop(map.getLowerBound()[0],
                                          map.getUpperBound()[0],
                                          map.getStep()[0]);
      if (!n)
        return std::nullopt;
      longest = std::max(longest, *n);
      plan.maps.push_back(map);
    } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
      std::optional<int64_t> n = unitLoop(loop.getLowerBound(),
                                          loop.getUpperBound(), loop.getStep());
      std::optional<Reduction> reduction = matchReduction(loop);
      if (!n || !reduction)
        return std::nullopt;
      longest = std::max(longest, *n);
      plan.reductions.push_back(*reduction);
    } else if (op.getNumRegions() != 0) {
      return std::nullopt;
    }
  }
  if (longest < kWarp)
    return std::nullopt;
  row.walk([&](memref::StoreOp store) {
    plan.written.insert(rootOf(store.getMemRef()));
  });
  // Written buffers are the kernel's outputs or the row's own stack
  // buffers, each with at most one dimension longer than 1.
  for (Value buffer : plan.written) {
    auto type = cast<MemRefType>(buffer.getType());
    if (llvm::count_if(type.getShape(), [](int64_t d) { return d != 1; }) > 1 &&
        buffer.getDefiningOp<memref::AllocaOp>())
      return std::nullopt;
  }
  if (!accessesAreLaneLocal(row, plan))
    return std::nullopt;
  return plan;
}

Value combine(OpBuilder &b, Location loc, Operation *combiner, Value x, Value y) {
  OperationState state(loc, combiner->getName(), ValueRange{x, y},
                       TypeRange{x.getType()}, combiner->getAttrs());
  return b.create(state)->getResult(0);
}

} // namespace

bool cuda::canSplitRowOverWarp(Block &row) { return planRow(row).has_value(); }

void cuda::splitRowOverWarp(Block &row, Value lane) {
  std::optional<RowPlan> plan = planRow(row);
  if (!plan)
    return;
  OpBuilder b(row.getParentOp()->getContext());
  Location loc = row.getParentOp()->getLoc();
  auto constant = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };

  // Maps: lane l takes elements l, l + 32, ... The loop counts chunks of
  // 32 (a constant trip count, which LLVM can unroll, turning the row's
  // temporaries into registers); a last partial chunk is guarded.
  auto element = [&](Value chunk) {
    return arith::AddIOp::create(
        b, loc, lane, arith::MulIOp::create(b, loc, chunk, constant(kWarp)));
  };
  auto chunksOf = [&](Value upper) {
    return (*getConstantIntValue(upper) + kWarp - 1) / kWarp;
  };
  auto inRow = [&](Value j, Value upper) -> Value {
    if (*getConstantIntValue(upper) % kWarp == 0)
      return nullptr;
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, j, upper);
  };
  for (scf::ParallelOp map : plan->maps) {
    b.setInsertionPoint(map);
    Value upper = map.getUpperBound()[0];
    auto loop = scf::ForOp::create(b, loc, constant(0),
                                   constant(chunksOf(upper)), constant(1));
    b.setInsertionPointToStart(loop.getBody());
    Value j = element(loop.getInductionVar());
    if (Value guard = inRow(j, upper)) {
      auto inside = scf::IfOp::create(b, loc, guard, /*withElse=*/false);
      b.setInsertionPoint(inside.thenBlock()->getTerminator());
    }
    IRMapping mapping;
    mapping.map(map.getInductionVars()[0], j);
    for (Operation &op : map.getBody()->without_terminator())
      b.clone(op, mapping);
    map.erase();
  }

  // Reductions: a partial result per lane, combined across the warp.
  for (Reduction &r : plan->reductions) {
    b.setInsertionPoint(r.loop);
    Type type = r.store.getValueToStore().getType();
    Value identity = arith::ConstantOp::create(b, loc, identityOf(r.combine, type));
    Value upper = r.loop.getUpperBound();
    auto loop = scf::ForOp::create(b, loc, constant(0),
                                   constant(chunksOf(upper)), constant(1),
                                   ValueRange{identity});
    b.setInsertionPointToStart(loop.getBody());
    Value j = element(loop.getInductionVar());
    Value partial = loop.getRegionIterArgs()[0];
    Value guard = inRow(j, upper);
    scf::IfOp inside;
    if (guard) {
      inside = scf::IfOp::create(b, loc, TypeRange{type}, guard,
                                 /*withElse=*/true);
      b.setInsertionPointToStart(inside.elseBlock());
      scf::YieldOp::create(b, loc, partial);
      b.setInsertionPointToStart(inside.thenBlock());
    }
    IRMapping mapping;
    mapping.map(r.loop.getInductionVar(), j);
    mapping.map(r.load.getResult(), partial);
    for (Operation &op : r.loop.getBody()->without_terminator())
      if (&op != r.load.getOperation() && &op != r.store.getOperation())
        b.clone(op, mapping);
    Value next = mapping.lookup(r.combine->getResult(0));
    scf::YieldOp::create(b, loc, next);
    if (guard) {
      b.setInsertionPointAfter(inside);
      scf::YieldOp::create(b, loc, inside.getResult(0));
    }
    b.setInsertionPointAfter(loop);
    Value total = loop.getResult(0);
    for (int32_t offset = kWarp / 2; offset > 0; offset /= 2) {
      auto shuffle = gpu::ShuffleOp::create(b, loc, total, offset, kWarp,
                                            gpu::ShuffleMode::XOR);
      total = combine(b, loc, r.combine, total, shuffle.getShuffleResult());
    }
    Value previous = memref::LoadOp::create(b, loc, r.store.getMemRef(),
                                            r.store.getIndices());
    Value result = combine(b, loc, r.combine, total, previous);
    memref::StoreOp::create(b, loc, result, r.store.getMemRef(),
                            r.store.getIndices());
    r.loop.erase();
  }

  // The row's stack buffers keep only the lane's elements: j -> j / 32.
  SmallVector<memref::AllocaOp> allocas;
  for (Value buffer : plan->written)
    if (auto alloca = buffer.getDefiningOp<memref::AllocaOp>())
      allocas.push_back(alloca);
  for (memref::AllocaOp alloca : allocas) {
    MemRefType type = alloca.getType();
    SmallVector<int64_t> shape(type.getShape());
    bool shrunk = false;
    for (int64_t &d : shape)
      if (d != 1) {
        d = (d + kWarp - 1) / kWarp;
        shrunk = true;
      }
    if (!shrunk)
      continue;
    b.setInsertionPoint(alloca);
    auto smaller = memref::AllocaOp::create(
        b, loc, MemRefType::get(shape, type.getElementType()),
        alloca.getAlignmentAttr());
    for (OpOperand &use : llvm::make_early_inc_range(alloca->getUses())) {
      Operation *user = use.getOwner();
      auto rewriteIndices = [&](MutableOperandRange indices) {
        b.setInsertionPoint(user);
        for (auto [d, index] : llvm::enumerate(indices))
          if (type.getShape()[d] != 1)
            index.set(arith::DivUIOp::create(b, loc, index.get(),
                                             constant(kWarp)));
      };
      if (auto load = dyn_cast<memref::LoadOp>(user))
        rewriteIndices(load.getIndicesMutable());
      else if (auto store = dyn_cast<memref::StoreOp>(user))
        rewriteIndices(store.getIndicesMutable());
      use.set(smaller);
    }
    alloca.erase();
  }
}
