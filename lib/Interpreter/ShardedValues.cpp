//===- ShardedValues.cpp - split and join tensors by #tcc.sharding --------===//

#include "tcc/Interpreter/ShardedValues.h"

#include "Kernels.h"

#include "tcc/Dialect/Tcc/IR/Sharding.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

namespace {

/// Index of the device's shard along each dimension.
SmallVector<int64_t> blockIndex(ShardingAttr sharding, MeshOp mesh,
                                ArrayRef<int64_t> coordinates) {
  SmallVector<int64_t> block;
  for (unsigned d = 0, e = sharding.getDims().size(); d < e; ++d) {
    int64_t index = 0;
    for (StringRef axis : sharding.getDimAxes(d)) {
      unsigned i = *mesh.getAxisIndex(axis);
      index = index * mesh.getAxisSizes()[i] + coordinates[i];
    }
    block.push_back(index);
  }
  return block;
}

} // namespace

Tensor interp::shardOf(const Tensor &global, ShardingAttr sharding,
                       MeshOp mesh, ArrayRef<int64_t> coordinates) {
  if (!sharding)
    return global;
  SmallVector<int64_t> counts = shardCounts(sharding, mesh);
  SmallVector<int64_t> block = blockIndex(sharding, mesh, coordinates);
  SmallVector<int64_t> local(global.shape());
  for (auto [d, n] : llvm::enumerate(counts))
    local[d] /= n;
  // For a partial sum, coordinate 0 holds the value and the rest zeros; for
  // avg, max and min every device holds a copy.
  bool holdsPartial = true;
  if (sharding.getPartialKind() == CollectiveKind::sum)
    for (StringRef axis : sharding.getPartialAxisNames())
      holdsPartial &= coordinates[*mesh.getAxisIndex(axis)] == 0;
  Tensor shard(global.dtype(), local);
  if (!holdsPartial)
    return shard;
  auto strides = stridesOf(global.shape());
  forEachIndex(local, [&](ArrayRef<int64_t> index, int64_t i) {
    int64_t linear = 0;
    for (auto [d, v] : llvm::enumerate(index))
      linear += strides[d] * (block[d] * local[d] + v);
    shard.copyElement(i, global, linear);
  });
  return shard;
}

Tensor interp::assembleShards(ArrayRef<Tensor> perDevice,
                              ShardingAttr sharding, MeshOp mesh) {
  if (!sharding)
    return perDevice.front();
  SmallVector<int64_t> local(perDevice.front().shape());
  SmallVector<int64_t> global(local);
  for (auto [d, n] : llvm::enumerate(shardCounts(sharding, mesh)))
    global[d] *= n;
  Tensor result(perDevice.front().dtype(), global);
  auto strides = stridesOf(global);
  SmallVector<StringRef> partial = sharding.getPartialAxisNames();
  CollectiveKind kind = sharding.getPartialKind();
  int64_t partialCount = 1;
  for (StringRef axis : partial)
    partialCount *= *mesh.getAxisSize(axis);
  SmallVector<bool> seen(result.numElements(), false);
  for (int64_t rank = 0, e = perDevice.size(); rank < e; ++rank) {
    const Tensor &shard = perDevice[rank];
    SmallVector<int64_t> coordinates = mesh.getCoordinates(rank);
    // Replicated axes hold copies: read coordinate 0 only.
    bool contributes = true;
    for (auto [i, name] : llvm::enumerate(
             mesh.getAxisNames().getAsValueRange<StringAttr>())) {
      bool used = llvm::is_contained(partial, name);
      for (unsigned d = 0; d < global.size(); ++d)
        used |= llvm::is_contained(sharding.getDimAxes(d), name);
      contributes &= used || coordinates[i] == 0;
    }
    if (!contributes)
      continue;
    SmallVector<int64_t> block = blockIndex(sharding, mesh, coordinates);
    forEachIndex(local, [&](ArrayRef<int64_t> index, int64_t i) {
      int64_t linear = 0;
      for (auto [d, v] : llvm::enumerate(index))
        linear += strides[d] * (block[d] * local[d] + v);
      if (!seen[linear]) {
        result.copyElement(linear, shard, i);
        seen[linear] = true;
        return;
      }
      if (result.isFloat()) {
        double a = result.getDouble(linear), b = shard.getDouble(i);
        result.setDouble(linear, kind == CollectiveKind::max   ? std::max(a, b)
                                 : kind == CollectiveKind::min ? std::min(a, b)
                                                               : a + b);
      } else {
        int64_t a = result.getInt(linear), b = shard.getInt(i);
        result.setInt(linear, kind == CollectiveKind::max   ? std::max(a, b)
                              : kind == CollectiveKind::min ? std::min(a, b)
                                                            : a + b);
      }
    });
  }
  if (kind == CollectiveKind::avg && partialCount > 1)
    for (int64_t i = 0, e = result.numElements(); i < e; ++i) {
      if (result.isFloat())
        result.setDouble(i, result.getDouble(i) / partialCount);
      else
        result.setInt(i, result.getInt(i) / partialCount);
    }
  return result;
}
