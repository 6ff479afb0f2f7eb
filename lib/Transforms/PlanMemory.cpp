//===- PlanMemory.cpp - report the compile-time memory plan ---------------===//

#include "tcc/Transforms/Passes.h"

#include "tcc/Analysis/MemoryPlan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::tcc {
#define GEN_PASS_DEF_TCCPLANMEMORY
#include "tcc/Transforms/Passes.h.inc"
} // namespace mlir::tcc

using namespace mlir;
using namespace mlir::tcc;

namespace {

struct TccPlanMemoryPass
    : public tcc::impl::TccPlanMemoryBase<TccPlanMemoryPass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    MemoryPlan plan = planMemory(function.getBody().front());
    function.emitRemark("memory plan: ")
        << plan.buffers.size() << " buffers, peak " << plan.peakBytes
        << " bytes (live lower bound " << plan.liveLowerBound
        << ", without reuse " << plan.totalBytes << ")";
  }
};

} // namespace
