//===- Random.cpp - evaluator kernel of dropout ---------------------------===//

#include "Kernels.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"
#include "tcc/Support/Philox.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

void interp::registerRandomKernels(KernelTable &table) {
  addKernel<DropoutOp>(table, [](DropoutOp op,
                                 ArrayRef<const Tensor *> operands,
                                 SmallVectorImpl<Tensor> &results,
                                 KernelContext &context) -> LogicalResult {
    const Tensor &x = *operands[0];
    uint64_t seed = static_cast<uint64_t>(operands[1]->getInt(0));
    uint64_t stream = static_cast<uint64_t>(op.getStream());
    double rate = op.getRate().convertToDouble();
    FailureOr<Tensor> result = context.allocate(op, op.getResult());
    if (failed(result))
      return failure();
    double scale = 1.0 / (1.0 - rate);
    for (int64_t i = 0, e = x.numElements(); i < e; ++i) {
      bool keep = ::tcc::philoxUniform(seed, stream, i) >= rate;
      result->setDouble(i, keep ? x.getDouble(i) * scale : 0.0);
    }
    results.push_back(std::move(*result));
    return success();
  });
}
