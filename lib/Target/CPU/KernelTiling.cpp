//===- KernelTiling.cpp - one pass over the rows of each kernel -----------===//
//
// A kernel's body is a chain of linalg ops on whole tensors. Tiling its
// last op over the outermost parallel loop and fusing every producer whose
// tile is a strict slice of its result turns the chain into one loop over
// row blocks, each computing its reductions and maps while the rows are in
// cache (softmax: max, sum and the final map over the same rows). The loop
// runs tiles [begin, end) of the kernel's range, so the runtime's threads
// split the tiles between them.
//
// Producers whose whole result every tile needs (a reduction over the
// tiled dimension, a table) are not fused: recomputing them per tile would
// repeat the whole computation. Such a kernel would also repeat them per
// thread, so it stays one range (tiles = 1), as do kernels that cannot be
// tiled.
//
//===----------------------------------------------------------------------===//

#include "tcc/Target/CPU/CpuPipeline.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::cpu;

namespace {

void eraseDeadOps(Block &block) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
      if (isOpTriviallyDead(&op)) {
        op.erase();
        changed = true;
      }
  }
}

/// Whether every read of the iteration argument `arg` (through nested
/// loops and slices) is the destination of a fill, so that its initial
/// value is never observed.
bool onlyOverwritten(Value arg) {
  for (OpOperand &use : arg.getUses()) {
    Operation *user = use.getOwner();
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(user)) {
      if (!onlyOverwritten(slice.getResult()))
        return false;
    } else if (auto loop = dyn_cast<scf::ForOp>(user)) {
      if (!onlyOverwritten(loop.getTiedLoopRegionIterArg(&use)))
        return false;
    } else if (auto fill = dyn_cast<linalg::FillOp>(user)) {
      if (!fill.isDpsInit(&use))
        return false;
    } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(user)) {
      // Writing into it reads nothing of it.
      if (use.get() != insert.getDest())
        return false;
    } else if (!isa<scf::YieldOp>(user)) {
      return false;
    }
  }
  return true;
}

bool isStrictSlice(tensor::ExtractSliceOp slice, Value of) {
  auto full = cast<RankedTensorType>(of.getType());
  auto part = slice.getResultType();
  if (part.getRank() != full.getRank())
    return true;
  for (auto [p, f] : llvm::zip(part.getShape(), full.getShape()))
    if (ShapedType::isDynamic(p) || p < f)
      return true;
  return false;
}

/// Tiles `kernel` in place over its root's outermost parallel loop, about
/// options.tileElements elements per tile. Returns the tile count, or
/// nullopt when the kernel stays whole (then `kernel` is to be discarded).
std::optional<int64_t> tileInPlace(func::FuncOp kernel,
                                   const CpuTargetOptions &options) {
  linalg::LinalgOp root = findTilingRoot(kernel);
  if (!root)
    return std::nullopt;
  SmallVector<int64_t> sizes = root.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = root.getIteratorTypesArray();
  auto parallel = llvm::find(iterators, utils::IteratorType::parallel);
  if (parallel == iterators.end())
    return std::nullopt;
  unsigned loop = parallel - iterators.begin();
  int64_t inner = 1;
  for (unsigned d = loop + 1; d < sizes.size(); ++d)
    inner *= std::max<int64_t>(sizes[d], 1);
  int64_t extent = sizes[loop];
  int64_t tile = std::clamp<int64_t>(
      (options.tileElements + inner - 1) / inner, 1, std::max<int64_t>(extent, 1));
  int64_t tiles = (extent + tile - 1) / tile;
  if (tiles <= 1)
    return std::nullopt;

  SmallVector<int64_t> tileSizes(sizes.size(), 0);
  tileSizes[loop] = tile;
  FailureOr<SmallVector<scf::ForOp>> loops =
      tileAndFuseKernel(kernel, tileSizes, /*fuseFills=*/false);
  if (failed(loops))
    return std::nullopt;
  scf::ForOp forOp = loops->front();

  // The loop covers tiles [begin, end) of [0, tiles).
  unsigned args = kernel.getNumArguments();
  Value begin = kernel.getArgument(args - 2), end = kernel.getArgument(args - 1);
  IRRewriter rewriter(kernel.getContext());
  rewriter.setInsertionPoint(forOp);
  Location loc = forOp.getLoc();
  Value tileSize = arith::ConstantIndexOp::create(rewriter, loc, tile);
  Value lower = arith::MulIOp::create(rewriter, loc, begin, tileSize);
  Value upper = arith::MinUIOp::create(
      rewriter, loc, arith::MulIOp::create(rewriter, loc, end, tileSize),
      arith::ConstantIndexOp::create(rewriter, loc, extent));
  forOp.setLowerBound(lower);
  forOp.setUpperBound(upper);
  return tiles;
}

} // namespace

linalg::LinalgOp cpu::findTilingRoot(func::FuncOp kernel) {
  linalg::LinalgOp root;
  kernel.walk([&](bufferization::MaterializeInDestinationOp store) {
    auto candidate = store.getSource().getDefiningOp<linalg::LinalgOp>();
    if (candidate && (!root || root->isBeforeInBlock(candidate)))
      root = candidate;
  });
  return root;
}

FailureOr<SmallVector<scf::ForOp>>
cpu::tileAndFuseKernel(func::FuncOp kernel, ArrayRef<int64_t> tileSizes,
                       bool fuseFills) {
  linalg::LinalgOp root = findTilingRoot(kernel);
  if (!root || tileSizes.size() != root.getNumLoops() ||
      llvm::all_of(tileSizes, [](int64_t size) { return size == 0; }))
    return failure();
  MLIRContext *context = kernel.getContext();
  SmallVector<OpFoldResult> sizes;
  for (int64_t size : tileSizes)
    sizes.push_back(IntegerAttr::get(IndexType::get(context), size));
  scf::SCFTileAndFuseOptions tileAndFuse;
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(sizes);
  tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
  tileAndFuse.setTilingOptions(tiling);
  tileAndFuse.setFusionControlFn(
      [](tensor::ExtractSliceOp slice, OpResult producer,
         bool) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        if (!isStrictSlice(slice, producer))
          return std::nullopt;
        scf::SCFTileAndFuseOptions::ControlFnResult result;
        // A fused value that the kernel also stores must leave the loop.
        result.yieldProducerReplacement =
            llvm::any_of(producer.getUsers(), [](Operation *user) {
              return isa<bufferization::MaterializeInDestinationOp>(user);
            });
        return result;
      });

  IRRewriter rewriter(context);
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(root.getOperation()), tileAndFuse);
  if (failed(result) || result->loops.empty())
    return failure();
  SmallVector<scf::ForOp> forOps;
  for (LoopLikeOpInterface loop : result->loops) {
    auto forOp = dyn_cast<scf::ForOp>(loop.getOperation());
    if (!forOp)
      return failure();
    forOps.push_back(forOp);
  }
  scf::ForOp outer = forOps.front();
  for (auto [original, replacement] : result->replacements)
    rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
      return !outer->isAncestor(use.getOwner());
    });
  Block &body = kernel.getBody().front();
  eraseDeadOps(body);
  // A producer read by two fused ops (softmax's row max, read by the sum and
  // by the final map) is fused for one reader only; fuse it for the others
  // too, until no slice inside the loop reads a computation outside it.
  SmallVector<LoopLikeOpInterface> loops(result->loops.begin(),
                                         result->loops.end());
  for (bool changed = true; changed;) {
    changed = false;
    SmallVector<tensor::ExtractSliceOp> candidates;
    outer.walk([&](tensor::ExtractSliceOp slice) {
      // The source may be a loop's iteration argument: its producer is
      // then the loop's initial value (a destination, often a fill).
      Value source = slice.getSource();
      while (auto arg = dyn_cast<BlockArgument>(source)) {
        auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp());
        if (!loop || arg.getArgNumber() == 0)
          break;
        source = loop.getTiedLoopInit(arg)->get();
      }
      auto producer = source.getDefiningOp<linalg::LinalgOp>();
      if (!producer || outer->isAncestor(producer) ||
          !isStrictSlice(slice, source))
        return;
      bool isFill = isa<linalg::FillOp>(producer.getOperation());
      if (isFill ? fuseFills : source == slice.getSource())
        candidates.push_back(slice);
    });
    for (tensor::ExtractSliceOp slice : candidates) {
      rewriter.setInsertionPoint(slice);
      if (!scf::tileAndFuseProducerOfSlice(rewriter, slice, loops))
        continue;
      // The fused producer replaced the slice's uses; the slice stays.
      if (slice->use_empty())
        rewriter.eraseOp(slice);
      changed = true;
    }
    eraseDeadOps(body);
  }
  // A fused producer writes into a slice of its whole-tensor destination; a
  // slice of an empty tensor is an empty tensor of the tile's size, so the
  // tile's temporaries are tile-sized (and can live on the stack) instead
  // of whole tensors allocated per call.
  {
    RewritePatternSet patterns(context);
    tensor::populateFoldTensorEmptyPatterns(patterns);
    if (failed(applyPatternsGreedily(kernel, std::move(patterns))))
      return failure();
  }

  // A fill fused into every tile leaves its whole-tensor version only as
  // the loop's initial value, which the tiles overwrite before reading:
  // start from the fill's own destination instead.
  if (fuseFills)
    for (OpOperand &init : outer.getInitArgsMutable())
      if (auto fill = init.get().getDefiningOp<linalg::FillOp>();
          fill && fill->hasOneUse() &&
          onlyOverwritten(outer.getTiedLoopRegionIterArg(&init)))
        init.set(fill.getOutputs()[0]);
  eraseDeadOps(body);

  // Work left outside the loop would be repeated by every thread. Fills
  // of accumulators the tiles slice are cheap (one store per reduced row)
  // and write per-call temporaries, so they may stay on the CPU.
  for (Operation &op : body)
    if (&op != outer.getOperation() && isa<linalg::LinalgOp>(op) &&
        (fuseFills || !isa<linalg::FillOp>(op)))
      return failure();
  return forOps;
}

LogicalResult cpu::fuseElementwise(ModuleOp kernels) {
  MLIRContext *context = kernels.getContext();
  RewritePatternSet patterns(context);
  linalg::populateElementwiseOpsFusionPatterns(
      patterns, [](OpOperand *fused) {
        auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
        if (!producer || !producer->hasOneUse())
          return false;
        auto consumer = cast<linalg::LinalgOp>(fused->getOwner());
        AffineMap read = consumer.getMatchingIndexingMap(fused);
        if (read.isPermutation())
          return true;
        // Read through a broadcast: only a pure copy may be repeated.
        Block &body = producer.getRegion().front();
        return body.getOperations().size() == 1;
      });
  linalg::FillOp::getCanonicalizationPatterns(patterns, context);
  if (failed(applyPatternsGreedily(kernels, std::move(patterns))))
    return kernels.emitError("internal: elementwise fusion did not converge");
  return success();
}

LogicalResult cpu::tileKernel(func::FuncOp kernel,
                              const CpuTargetOptions &options) {
  // Tile a copy, and keep it only when the whole kernel went into the loop.
  OpBuilder builder(kernel);
  auto candidate = cast<func::FuncOp>(builder.clone(*kernel));
  std::optional<int64_t> tiles = tileInPlace(candidate, options);
  if (tiles) {
    kernel.getBody().takeBody(candidate.getBody());
  }
  candidate.erase();
  kernel->setAttr(kTilesAttr, builder.getI64IntegerAttr(tiles.value_or(1)));
  return success();
}
