//===- Random.cpp - evaluator kernel of dropout ---------------------------===//

#include "Kernels.h"
#include "SimulatedMesh.h"

#include "tcc/Dialect/Tcc/IR/Sharding.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"
#include "tcc/runtime/Philox.h"

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
    // Element i of this shard is element globalIndex[i] of the global tensor.
    std::vector<int64_t> globalIndex(x.numElements());
    ShardingAttr sharding = op.getShardingAttr();
    if (sharding && context.device) {
      MeshOp mesh = lookupMesh(op, sharding.getMesh());
      // The verifier checked the sharding against the operand's type.
      SmallVector<int64_t> global(
          *globalShape(x.shape(), sharding, mesh, [](const Twine &) {}));
      SmallVector<int64_t> offset =
          shardIndex(sharding, mesh, context.device->coordinates);
      for (int64_t d = 0; d < x.rank(); ++d)
        offset[d] *= x.shape()[d];
      auto strides = stridesOf(global);
      forEachIndex(x.shape(), [&](ArrayRef<int64_t> index, int64_t i) {
        int64_t linear = 0;
        for (int64_t d = 0; d < x.rank(); ++d)
          linear += strides[d] * (offset[d] + index[d]);
        globalIndex[i] = linear;
      });
    } else {
      for (int64_t i = 0, e = x.numElements(); i < e; ++i)
        globalIndex[i] = i;
    }
    double scale = 1.0 / (1.0 - rate);
    for (int64_t i = 0, e = x.numElements(); i < e; ++i) {
      bool keep = ::tcc::philoxUniform(seed, stream, globalIndex[i]) >= rate;
      result->setDouble(i, keep ? x.getDouble(i) * scale : 0.0);
    }
    results.push_back(std::move(*result));
    return success();
  });
}
