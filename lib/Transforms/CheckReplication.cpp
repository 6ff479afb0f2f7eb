//===- CheckReplication.cpp - the static check of per-device programs -----===//

#include "tcc/Transforms/Passes.h"

#include "tcc/Analysis/Replication.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::tcc {
#define GEN_PASS_DEF_TCCCHECKREPLICATION
#include "tcc/Transforms/Passes.h.inc"
} // namespace mlir::tcc

using namespace mlir;
using namespace mlir::tcc;

namespace {

struct TccCheckReplicationPass
    : public tcc::impl::TccCheckReplicationBase<TccCheckReplicationPass> {
  void runOnOperation() override {
    if (failed(checkReplication(getOperation())))
      return signalPassFailure();
    markAllAnalysesPreserved();
  }
};

} // namespace
