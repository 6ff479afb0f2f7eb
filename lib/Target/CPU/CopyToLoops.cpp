//===- CopyToLoops.cpp - memref.copy as linalg loops ----------------------===//
//
// memref.copy of strided memrefs lowers to a call into MLIR's runner
// library, which the runtime does not have (and a GPU kernel cannot call):
// copies become linalg.copy, so that they are loops like every other
// kernel.
//
//===----------------------------------------------------------------------===//

#include "tcc/Target/CPU/CpuPipeline.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace {

struct CopyToLoops : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp copy,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                copy.getTarget());
    return success();
  }
};

} // namespace

void mlir::tcc::cpu::populateCopyToLoopsPatterns(RewritePatternSet &patterns) {
  patterns.add<CopyToLoops>(patterns.getContext());
}
