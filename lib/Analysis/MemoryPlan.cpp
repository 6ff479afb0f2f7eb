//===- MemoryPlan.cpp - compile-time buffer planning ----------------------===//

#include "tcc/Analysis/MemoryPlan.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <numeric>

using namespace mlir;
using namespace mlir::tcc;

SmallVector<int64_t> mlir::tcc::placeBuffers(ArrayRef<BufferRequest> requests,
                                             int64_t alignment) {
  SmallVector<unsigned> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first; ties in request order, so plans are deterministic.
  llvm::sort(order, [&](unsigned a, unsigned b) {
    return std::make_pair(-requests[a].bytes, a) <
           std::make_pair(-requests[b].bytes, b);
  });
  SmallVector<int64_t> offsets(requests.size(), 0);
  SmallVector<unsigned> placed;
  for (unsigned i : order) {
    const BufferRequest &request = requests[i];
    // Address ranges of placed buffers alive at the same time, by offset.
    SmallVector<std::pair<int64_t, int64_t>> busy;
    for (unsigned j : placed) {
      const BufferRequest &other = requests[j];
      if (other.start <= request.end && request.start <= other.end)
        busy.push_back({offsets[j], offsets[j] + other.bytes});
    }
    llvm::sort(busy);
    // The lowest aligned gap that holds the request.
    int64_t offset = 0;
    for (auto [begin, end] : busy) {
      if (offset + request.bytes <= begin)
        break;
      offset = std::max<int64_t>(offset, llvm::alignTo(end, alignment));
    }
    offsets[i] = offset;
    placed.push_back(i);
  }
  return offsets;
}

MemoryPlan mlir::tcc::planMemory(Block &block, int64_t alignment) {
  MemoryPlan plan;
  llvm::DenseMap<Operation *, unsigned> position;
  for (auto [i, op] : llvm::enumerate(block))
    position[&op] = i;
  unsigned endOfBlock = block.empty() ? 0 : position[&block.back()];
  for (Operation &op : block) {
    for (Value result : op.getResults()) {
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (!type || !type.hasStaticShape())
        continue;
      // i1 is stored in a byte.
      int64_t elementBytes =
          std::max<int64_t>(1, (type.getElementTypeBitWidth() + 7) / 8);
      BufferRequest request;
      request.bytes = type.getNumElements() * elementBytes;
      request.start = request.end = position[&op];
      for (Operation *user : result.getUsers()) {
        Operation *ancestor = block.findAncestorOpInBlock(*user);
        if (!ancestor)
          continue;
        unsigned at = ancestor->hasTrait<OpTrait::IsTerminator>()
                          ? endOfBlock
                          : position[ancestor];
        request.end = std::max(request.end, at);
      }
      plan.buffers.push_back({result, request, 0});
    }
  }
  SmallVector<BufferRequest> requests = llvm::map_to_vector(
      plan.buffers, [](const MemoryPlan::Buffer &b) { return b.request; });
  SmallVector<int64_t> offsets = placeBuffers(requests, alignment);
  for (auto [buffer, offset] : llvm::zip(plan.buffers, offsets)) {
    buffer.offset = offset;
    plan.peakBytes =
        std::max(plan.peakBytes, offset + buffer.request.bytes);
    plan.totalBytes += buffer.request.bytes;
  }
  // The live lower bound: the largest sum of sizes live at one position.
  for (unsigned at = 0; at <= endOfBlock; ++at) {
    int64_t live = 0;
    for (const BufferRequest &request : requests)
      if (request.start <= at && at <= request.end)
        live += request.bytes;
    plan.liveLowerBound = std::max(plan.liveLowerBound, live);
  }
  return plan;
}
