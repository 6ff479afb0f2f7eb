//===- TccFusionOps.cpp - fused groups of ops -----------------------------===//

#include "tcc/Dialect/Tcc/IR/TccOps.h"

using namespace mlir;
using namespace mlir::tcc;

LogicalResult FusionOp::verifyRegions() {
  Block &body = getBody().front();
  if (body.getArgumentTypes() != getInputs().getTypes())
    return emitOpError("body arguments must have the types of the inputs");
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end with tcc.yield");
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError("yields values whose types differ from its results");
  // The kind is a promise to the backends about what the body holds.
  unsigned contractions = 0, reductions = 0;
  for (Operation &op : body) {
    if (isa<MatmulOp, Conv2dOp>(op)) {
      ++contractions;
      if (llvm::any_of(op.getOperands(), [&](Value v) {
            return !isa<BlockArgument>(v);
          }))
        return emitOpError("contraction operands must be inputs of the "
                           "fusion (read from memory)");
    }
    if (isa<ReduceOp, SoftmaxOp, LogSoftmaxOp, LayerNormOp>(op))
      ++reductions;
  }
  switch (getKind()) {
  case FusionKind::contraction:
    if (contractions != 1 || reductions != 0)
      return emitOpError("of kind contraction needs exactly one matmul or "
                         "conv2d and no reduction, has ")
             << contractions << " and " << reductions;
    break;
  case FusionKind::reduction:
    if (reductions != 1 || contractions != 0)
      return emitOpError("of kind reduction needs exactly one reduction and "
                         "no contraction, has ")
             << reductions << " and " << contractions;
    break;
  case FusionKind::elementwise:
    if (reductions != 0 || contractions != 0)
      return emitOpError("of kind elementwise holds no reduction or "
                         "contraction, has ")
             << reductions << " and " << contractions;
    break;
  }
  return success();
}
