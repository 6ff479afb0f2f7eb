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

#include "CpuPipeline.h"

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

/// The op computing the kernel's last stored value: the tiling root.
linalg::LinalgOp findRoot(func::FuncOp kernel) {
  linalg::LinalgOp root;
  kernel.walk([&](bufferization::MaterializeInDestinationOp store) {
    auto candidate = store.getSource().getDefiningOp<linalg::LinalgOp>();
    if (candidate && (!root || root->isBeforeInBlock(candidate)))
      root = candidate;
  });
  return root;
}

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

/// Tiles `kernel` in place. Returns the tile count, or nullopt when the
/// kernel stays whole (and unchanged).
std::optional<int64_t> tileInPlace(func::FuncOp kernel,
                                   const CpuTargetOptions &options) {
  linalg::LinalgOp root = findRoot(kernel);
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

  MLIRContext *context = kernel.getContext();
  SmallVector<OpFoldResult> tileSizes(sizes.size(),
                                      IntegerAttr::get(IndexType::get(context), 0));
  tileSizes[loop] = IntegerAttr::get(IndexType::get(context), tile);
  scf::SCFTileAndFuseOptions tileAndFuse;
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(tileSizes);
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
    return std::nullopt;
  auto forOp = dyn_cast<scf::ForOp>(result->loops.front().getOperation());
  if (!forOp)
    return std::nullopt;
  for (auto [original, replacement] : result->replacements)
    rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
      return !forOp->isAncestor(use.getOwner());
    });
  Block &body = kernel.getBody().front();
  eraseDeadOps(body);
  // A producer read by two fused ops (softmax's row max, read by the sum and
  // by the final map) is fused for one reader only; fuse it for the others
  // too, until no slice inside the loop reads a computation outside it.
  SmallVector<LoopLikeOpInterface> loops{forOp};
  for (bool changed = true; changed;) {
    changed = false;
    SmallVector<tensor::ExtractSliceOp> candidates;
    forOp.walk([&](tensor::ExtractSliceOp slice) {
      auto producer = slice.getSource().getDefiningOp<linalg::LinalgOp>();
      if (producer && !forOp->isAncestor(producer) &&
          !isa<linalg::FillOp>(producer.getOperation()) &&
          isStrictSlice(slice, slice.getSource()))
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
      return std::nullopt;
  }

  // Work left outside the loop would be repeated by every thread. Fills
  // of accumulators the tiles slice are cheap (one store per reduced row)
  // and write per-call temporaries, so they may stay.
  for (Operation &op : body)
    if (&op != forOp.getOperation() && isa<linalg::LinalgOp>(op) &&
        !isa<linalg::FillOp>(op))
      return std::nullopt;

  // The loop covers tiles [begin, end) of [0, tiles).
  unsigned args = kernel.getNumArguments();
  Value begin = kernel.getArgument(args - 2), end = kernel.getArgument(args - 1);
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
