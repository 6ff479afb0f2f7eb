//===- AutodiffPass.cpp - the tcc-autodiff pass ---------------------------===//

#include "tcc/Autodiff/Autodiff.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Transforms/Passes.h"

namespace mlir::tcc {
#define GEN_PASS_DEF_TCCAUTODIFF
#include "tcc/Transforms/Passes.h.inc"
} // namespace mlir::tcc

using namespace mlir;
using namespace mlir::tcc;

namespace {

struct AutodiffPass : public tcc::impl::TccAutodiffBase<AutodiffPass> {
  using TccAutodiffBase::TccAutodiffBase;

  void runOnOperation() override {
    FailureOr<func::FuncOp> forward =
        findEntryFunction(getOperation(), function);
    if (failed(forward))
      return signalPassFailure();
    GradientOptions options;
    if (!roles.empty())
      options.roles.assign(roles.begin(), roles.end());
    if (failed(buildGradientFunction(*forward, options)))
      signalPassFailure();
  }
};

} // namespace
