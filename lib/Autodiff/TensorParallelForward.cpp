//===- TensorParallelForward.cpp - forward programs split over tp ---------===//

#include "tcc/Autodiff/TensorParallelForward.h"

#include "DataParallel.h"
#include "TensorParallel.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

using namespace mlir;
using namespace mlir::tcc;

LogicalResult mlir::tcc::splitForwardOverTensorParallel(func::FuncOp forward,
                                                        int64_t tp) {
  FlatSymbolRefAttr mesh = autodiff::declareMesh(
      forward->getParentOfType<ModuleOp>(), forward.getLoc(), /*dp=*/1, tp);
  if (failed(autodiff::splitMatmulRegions(forward, mesh,
                                          autodiff::kTensorParallelAxis, tp)))
    return failure();
  forward->setAttr(attrs::kMesh, mesh);
  return success();
}
