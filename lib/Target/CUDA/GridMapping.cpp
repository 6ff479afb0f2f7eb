//===- GridMapping.cpp - one GPU thread per tile of a kernel --------------===//
//
// A kernel becomes a GPU kernel in two steps around bufferization:
//
// 1. On tensors (tileForGrid): the kernel's root is tiled with size 1 over
//    as many of its parallel loops as possible, producers fused into the
//    tile, so that one tile is one thread's work: one element of a map, one
//    row of softmax or layer_norm (whose row reductions run inside the
//    tile). Tiling over a loop that a fused producer reduces would make
//    every tile recompute that producer (work multiplied by the reduced
//    length), so each choice of loops is tried from the most to the
//    fewest, and the first whose total work stays within kMaxRecompute
//    times the untiled kernel's is kept. (Softmax legitimately recomputes
//    its cheap elementwise producers once per reader: about 2x.) A kernel that cannot be
//    tiled runs on one thread (a full reduction; rare and slow, and
//    reported by --emit=plan as tiles=1, threads=1).
//
// 2. On memrefs (mapOntoGrid): the nest of tile loops is replaced by the
//    thread's global index, delinearized with the innermost tiled loop
//    fastest, so that neighbouring threads touch neighbouring elements
//    (coalesced accesses); the body moves into a gpu.func.
//
//===----------------------------------------------------------------------===//

#include "CudaPipeline.h"

#include "tcc/Target/CPU/CpuPipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::cuda;

namespace {

/// Per-thread stack memory above this is refused: local memory is slow and
/// the stack of a GPU thread is limited.
constexpr int64_t kMaxThreadStackBytes = 64 * 1024;

/// Elements per thread of a map over every element (4 x f32: 16 bytes).
constexpr int64_t kVector = 4;

/// How much more work than the untiled kernel a tiling may do.
constexpr int64_t kMaxRecompute = 4;

/// The trip count of a loop with constant bounds.
std::optional<int64_t> tripCount(scf::ForOp loop) {
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lower || !upper || !step || *step <= 0)
    return std::nullopt;
  return *upper > *lower ? (*upper - *lower + *step - 1) / *step : 0;
}

/// Iterations of `op`'s loops (static shapes only; 1 for a dynamic loop).
int64_t workOf(linalg::LinalgOp op) {
  int64_t work = 1;
  for (int64_t range : op.getStaticLoopRanges())
    work *= std::max<int64_t>(ShapedType::isDynamic(range) ? 1 : range, 1);
  return work;
}

/// Iterations of every linalg op of `kernel`, each multiplied by the trip
/// counts of the loops around it.
int64_t totalWork(func::FuncOp kernel) {
  int64_t total = 0;
  kernel.walk([&](linalg::LinalgOp op) {
    int64_t work = workOf(op);
    for (Operation *parent = op->getParentOp(); parent != kernel;
         parent = parent->getParentOp())
      if (auto loop = dyn_cast<scf::ForOp>(parent)) {
        work *= std::max<int64_t>(tripCount(loop).value_or(1), 1);
      }
    total += work;
  });
  return total;
}

/// Whether everything outside the tile loops is free of work: views,
/// constants and the final store. Anything else (a concat's insert_slice,
/// say) would run in every thread.
bool onlyViewsOutside(func::FuncOp kernel, scf::ForOp loops) {
  for (Operation &op : kernel.getBody().front())
    if (&op != loops.getOperation() &&
        !isa<arith::ConstantOp, bufferization::ToTensorOp, tensor::EmptyOp,
             tensor::ExtractSliceOp, tensor::CollapseShapeOp,
             tensor::ExpandShapeOp, bufferization::MaterializeInDestinationOp,
             func::ReturnOp>(op))
      return false;
  return true;
}

} // namespace

LogicalResult cuda::tileForGrid(func::FuncOp kernel) {
  OpBuilder builder(kernel);
  // A kernel that only moves data (a reshape, a slice: a view stored into
  // the output) gets a linalg.copy to tile, instead of one thread copying
  // everything.
  kernel.walk([&](bufferization::MaterializeInDestinationOp store) {
    Value source = store.getSource();
    if (!source.getDefiningOp<tensor::CollapseShapeOp>() &&
        !source.getDefiningOp<tensor::ExpandShapeOp>() &&
        !source.getDefiningOp<tensor::ExtractSliceOp>())
      return;
    auto type = dyn_cast<RankedTensorType>(source.getType());
    if (!type || !type.hasStaticShape())
      return;
    OpBuilder inKernel(store);
    Value empty = tensor::EmptyOp::create(inKernel, store.getLoc(),
                                          type.getShape(), type.getElementType());
    auto copy = linalg::CopyOp::create(inKernel, store.getLoc(), source, empty);
    store.getSourceMutable().assign(copy.getResult(0));
  });
  auto setGrid = [&](int64_t loops, int64_t threads) {
    kernel->setAttr(kGridLoopsAttr, builder.getI64IntegerAttr(loops));
    kernel->setAttr(kGridThreadsAttr, builder.getI64IntegerAttr(threads));
  };
  linalg::LinalgOp root = cpu::findTilingRoot(kernel);
  if (!root) {
    setGrid(0, 1);
    return success();
  }
  SmallVector<int64_t> ranges = root.getStaticLoopRanges();
  // An empty iteration space has nothing to split (and tiling or fusing
  // an op over one crashes upstream's tiling).
  bool empty = false;
  kernel.walk([&](linalg::LinalgOp op) {
    empty |= llvm::is_contained(op.getStaticLoopRanges(), 0);
  });
  if (empty) {
    setGrid(0, 1);
    return success();
  }
  SmallVector<unsigned> parallel;
  for (auto [i, iterator] : llvm::enumerate(root.getIteratorTypesArray()))
    if (iterator == utils::IteratorType::parallel &&
        !ShapedType::isDynamic(ranges[i]) && ranges[i] > 1)
      parallel.push_back(i);
  int64_t untiled = totalWork(kernel);
  // A map over every element (one linalg op, all loops parallel, the last
  // one contiguous in memory) gives each thread kVector neighbouring
  // elements, which LLVM turns into one 16-byte access per operand.
  int64_t linalgOps = 0;
  kernel.walk([&](linalg::LinalgOp) { ++linalgOps; });
  unsigned last = ranges.size() - 1;
  // (A row of exactly kVector would leave a one-trip tile loop, which
  // canonicalization folds away: not worth it.)
  bool vectorize = linalgOps == 1 && !ranges.empty() &&
                   parallel.size() == ranges.size() &&
                   ranges[last] % kVector == 0 && ranges[last] > kVector;
  for (size_t count = parallel.size(); count > 0; --count) {
    SmallVector<int64_t> sizes(ranges.size(), 0);
    int64_t threads = 1;
    for (unsigned d : ArrayRef(parallel).take_front(count)) {
      sizes[d] = 1;
      threads *= ranges[d];
    }
    if (vectorize && count == parallel.size()) {
      sizes[last] = kVector;
      threads /= kVector;
    }
    auto candidate = cast<func::FuncOp>(builder.clone(*kernel));
    FailureOr<SmallVector<scf::ForOp>> loops =
        cpu::tileAndFuseKernel(candidate, sizes, /*fuseFills=*/true);
    if (succeeded(loops) && onlyViewsOutside(candidate, loops->front()) &&
        totalWork(candidate) <= kMaxRecompute * untiled) {
      kernel.getBody().takeBody(candidate.getBody());
      candidate.erase();
      setGrid(static_cast<int64_t>(loops->size()), threads);
      return success();
    }
    candidate.erase();
  }
  setGrid(0, 1);
  return success();
}

LogicalResult cuda::mapOntoGrid(func::FuncOp kernel, gpu::GPUModuleOp target,
                                int64_t blockSize, rt::KernelCommand &command) {
  MLIRContext *context = kernel.getContext();
  Location loc = kernel.getLoc();
  int64_t gridLoops = kernel->getAttrOfType<IntegerAttr>(kGridLoopsAttr).getInt();
  int64_t threads =
      kernel->getAttrOfType<IntegerAttr>(kGridThreadsAttr).getInt();

  // The signature without the CPU's tile range (the last two arguments).
  Block &source = kernel.getBody().front();
  unsigned memrefs = kernel.getNumArguments() - 2;
  SmallVector<Type> types(kernel.getArgumentTypes().take_front(memrefs));
  OpBuilder builder = OpBuilder::atBlockEnd(target.getBody());
  auto function = gpu::GPUFuncOp::create(builder, loc, kernel.getName(),
                                         FunctionType::get(context, types, {}));
  function->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                    builder.getUnitAttr());
  // Every buffer starts 64-byte aligned (cuMemAlloc's 256, arena offsets
  // multiples of 64), and a kernel writes only buffers that overlap none of
  // its others (outputs are fresh buffers, placed apart from every buffer
  // live with them; two read-only arguments may be one buffer, which
  // noalias allows). Telling LLVM lets it merge neighbouring accesses
  // into vector loads and stores across each other.
  for (unsigned i = 0; i < memrefs; ++i) {
    function.setArgAttr(i, "llvm.align", builder.getI64IntegerAttr(64));
    function.setArgAttr(i, "llvm.noalias", builder.getUnitAttr());
  }
  Block &entry = function.getBody().front();
  builder.setInsertionPointToStart(&entry);
  for (unsigned i = 0; i < memrefs; ++i)
    source.getArgument(i).replaceAllUsesWith(entry.getArgument(i));
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  source.getArgument(memrefs).replaceAllUsesWith(zero);
  source.getArgument(memrefs + 1).replaceAllUsesWith(
      arith::ConstantIndexOp::create(builder, loc, 1));
  auto ret = cast<func::ReturnOp>(source.getTerminator());
  SmallVector<Operation *> work;
  for (Operation &op : llvm::make_range(source.begin(), ret->getIterator()))
    if (!isa<arith::ConstantOp>(op))
      work.push_back(&op);
  entry.getOperations().splice(entry.end(), source.getOperations(),
                               source.begin(), ret->getIterator());

  // The tile loops: the first loop nest of the kernel's work.
  SmallVector<scf::ForOp> nest;
  if (gridLoops > 0) {
    for (Operation *op : work)
      if (auto loop = dyn_cast<scf::ForOp>(op)) {
        nest.push_back(loop);
        break;
      }
    while (!nest.empty() && static_cast<int64_t>(nest.size()) < gridLoops) {
      scf::ForOp inner;
      for (Operation &op : *nest.back().getBody())
        if (auto loop = dyn_cast<scf::ForOp>(op)) {
          inner = loop;
          break;
        }
      if (!inner)
        break;
      nest.push_back(inner);
    }
    if (static_cast<int64_t>(nest.size()) != gridLoops)
      return kernel.emitError("internal: kernel ")
             << kernel.getName() << " lost its tile loops before mapping";
  }
  // A tile that is one row of maps and reductions goes to a warp.
  bool warpPerTile = !nest.empty() && canSplitRowOverWarp(*nest.back().getBody());
  int64_t lanes = warpPerTile ? 32 : 1;

  // The thread's global index; threads past the last tile do nothing (a
  // whole warp at a time, as blocks hold whole warps).
  builder.setInsertionPointToEnd(&entry);
  Value block = gpu::BlockIdOp::create(builder, loc, gpu::Dimension::x);
  Value size = gpu::BlockDimOp::create(builder, loc, gpu::Dimension::x);
  Value thread = gpu::ThreadIdOp::create(builder, loc, gpu::Dimension::x);
  Value global = arith::AddIOp::create(
      builder, loc, arith::MulIOp::create(builder, loc, block, size), thread);
  Value inRange = arith::CmpIOp::create(
      builder, loc, arith::CmpIPredicate::ult, global,
      arith::ConstantIndexOp::create(builder, loc, threads * lanes));
  auto guard = scf::IfOp::create(builder, loc, inRange, /*withElse=*/false);
  Block &then = guard.getThenRegion().front();
  for (Operation *op : work)
    op->moveBefore(then.getTerminator());
  Value id = global, lane;
  if (warpPerTile) {
    builder.setInsertionPointToStart(&then);
    Value warp = arith::ConstantIndexOp::create(builder, loc, lanes);
    id = arith::DivUIOp::create(builder, loc, global, warp);
    lane = arith::RemUIOp::create(builder, loc, global, warp);
  }

  // Replace the tile loops by the thread's coordinates.
  if (gridLoops > 0) {
    builder.setInsertionPoint(nest.front());
    Value rest = id;
    SmallVector<Value> coordinates(nest.size());
    for (size_t i = nest.size(); i-- > 0;) {
      scf::ForOp loop = nest[i];
      std::optional<int64_t> trips = tripCount(loop);
      std::optional<int64_t> step = getConstantIntValue(loop.getStep());
      if (!trips || !step || getConstantIntValue(loop.getLowerBound()) != 0 ||
          loop.getNumRegionIterArgs() != 0)
        return kernel.emitError("internal: tile loop of ")
               << kernel.getName() << " is not a 0..n constant-step loop";
      Value extent = arith::ConstantIndexOp::create(builder, loc, *trips);
      Value index = i == 0 ? rest
                           : arith::RemUIOp::create(builder, loc, rest,
                                                    extent).getResult();
      coordinates[i] =
          *step == 1 ? index
                     : arith::MulIOp::create(
                           builder, loc, index,
                           arith::ConstantIndexOp::create(builder, loc, *step))
                           .getResult();
      if (i > 0)
        rest = arith::DivUIOp::create(builder, loc, rest, extent);
    }
    for (auto [loop, coordinate] : llvm::zip(nest, coordinates))
      loop.getInductionVar().replaceAllUsesWith(coordinate);
    Block *body = nest.back().getBody();
    body->getTerminator()->erase();
    then.getOperations().splice(nest.front()->getIterator(),
                                body->getOperations());
    nest.front()->erase();
    if (warpPerTile)
      splitRowOverWarp(then, lane);
  }
  builder.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(builder, loc);

  // Per-thread temporaries live in the entry block, allocated once: an
  // alloca inside a loop would grow the stack at every iteration.
  SmallVector<memref::AllocaOp> allocas;
  function.walk([&](memref::AllocaOp alloca) { allocas.push_back(alloca); });
  int64_t stackBytes = 0;
  for (memref::AllocaOp alloca : allocas) {
    MemRefType type = alloca.getType();
    if (!type.hasStaticShape() || !alloca.getDynamicSizes().empty())
      return kernel.emitError("internal: kernel ")
             << kernel.getName() << " needs a temporary of dynamic size";
    stackBytes += type.getNumElements() *
                  std::max<int64_t>(type.getElementTypeBitWidth() / 8, 1);
    alloca->moveBefore(&entry.front());
  }
  if (stackBytes > kMaxThreadStackBytes)
    return kernel.emitError("a tile of kernel ")
           << kernel.getName() << " needs " << stackBytes
           << " bytes of temporaries per GPU thread (at most "
           << kMaxThreadStackBytes << "): its rows are too long for a "
           << "kernel that no warp can split";

  command.threads = std::min<int64_t>(blockSize, threads * lanes);
  command.tiles = (threads * lanes + command.threads - 1) / command.threads;
  return success();
}
