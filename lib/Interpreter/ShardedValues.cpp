//===- ShardedValues.cpp - split and join tensors by #tcc.sharding --------===//

#include "tcc/Interpreter/ShardedValues.h"

#include "Arithmetic.h"
#include "Kernels.h"

#include "tcc/Dialect/Tcc/IR/Sharding.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

Tensor interp::shardOf(const Tensor &global, ShardingAttr sharding,
                       MeshOp mesh, ArrayRef<int64_t> coordinates) {
  if (!sharding)
    return global;
  SmallVector<int64_t> counts = shardCounts(sharding, mesh);
  SmallVector<int64_t> block = shardIndex(sharding, mesh, coordinates);
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
  // The verifier checked the function's shardings against its types.
  SmallVector<int64_t> global(
      *globalShape(local, sharding, mesh, [](const Twine &) {}));
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
    SmallVector<int64_t> block = shardIndex(sharding, mesh, coordinates);
    forEachIndex(local, [&](ArrayRef<int64_t> index, int64_t i) {
      int64_t linear = 0;
      for (auto [d, v] : llvm::enumerate(index))
        linear += strides[d] * (block[d] * local[d] + v);
      if (!seen[linear]) {
        result.copyElement(linear, shard, i);
        seen[linear] = true;
        return;
      }
      if (result.isFloat())
        result.setDouble(linear, combine(kind, result.getDouble(linear),
                                         shard.getDouble(i)));
      else
        result.setInt(linear,
                      combine(kind, result.getInt(linear), shard.getInt(i)));
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
