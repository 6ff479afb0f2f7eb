//===- AutodiffPass.cpp - the tcc-autodiff pass ---------------------------===//

#include "tcc/Autodiff/Autodiff.h"
#include "tcc/Autodiff/TrainStep.h"

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

namespace mlir::tcc {
#define GEN_PASS_DEF_TCCTRAINSTEP
#include "tcc/Transforms/Passes.h.inc"
} // namespace mlir::tcc

namespace {

struct TrainStepPass : public tcc::impl::TccTrainStepBase<TrainStepPass> {
  using TccTrainStepBase::TccTrainStepBase;

  void runOnOperation() override {
    FailureOr<func::FuncOp> forward =
        findEntryFunction(getOperation(), function);
    if (failed(forward))
      return signalPassFailure();
    TrainStepOptions options;
    std::optional<OptimizerOptions::Kind> kind = parseOptimizerKind(optimizer);
    if (!kind) {
      getOperation().emitError("unknown optimizer '")
          << optimizer << "' (sgd or adamw)";
      return signalPassFailure();
    }
    options.optimizer.kind = *kind;
    options.optimizer.momentum = momentum;
    options.optimizer.dampening = dampening;
    options.optimizer.nesterov = nesterov;
    options.optimizer.weightDecay = weightDecay;
    options.optimizer.beta1 = beta1;
    options.optimizer.beta2 = beta2;
    options.optimizer.epsilon = epsilon;
    options.clipGradNorm = clipGradNorm;
    options.accumulate = accumulate;
    std::optional<TrainStepOptions::Precision> format =
        parsePrecision(precision);
    if (!format) {
      getOperation().emitError("unknown precision '")
          << precision << "' (" << kPrecisionNames << ")";
      return signalPassFailure();
    }
    options.precision = *format;
    std::optional<RematPolicy> policy = parseRematPolicy(remat);
    if (!policy) {
      getOperation().emitError("unknown rematerialization policy '")
          << remat << "' (" << kRematPolicyNames << ")";
      return signalPassFailure();
    }
    options.remat = *policy;
    options.dataParallel = dataParallel;
    options.bucketBytes = bucketBytes;
    options.zeroStage = zeroStage;
    options.tensorParallel = tensorParallel;
    options.lossScale.initScale = lossScaleInit;
    options.lossScale.growthInterval = lossScaleGrowthInterval;
    options.lossScale.growthFactor = lossScaleGrowthFactor;
    options.lossScale.backoffFactor = lossScaleBackoffFactor;
    if (failed(buildTrainStep(*forward, options)))
      signalPassFailure();
  }
};

} // namespace
