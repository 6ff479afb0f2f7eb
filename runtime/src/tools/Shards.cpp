//===- Shards.cpp - a per-device program's tensors, global and per rank ---===//

#include "Shards.h"

#include <cstring>

using namespace tcc::rt;

namespace {

/// Per dimension: the shard count, and the index of `rank`'s block.
struct Blocks {
  std::vector<int64_t> counts, index;
};

Blocks blocksOf(const TensorSpec &spec, const MeshSpec &mesh, int64_t rank) {
  Blocks b;
  std::vector<int64_t> coordinates = mesh.coordinates(rank);
  for (size_t d = 0; d < spec.shape.size(); ++d) {
    int64_t count = 1, index = 0;
    if (d < spec.sharding.size())
      for (const std::string &axis : spec.sharding[d]) {
        int a = mesh.axisIndex(axis);
        if (a < 0)
          continue;
        count *= mesh.sizes[size_t(a)];
        index = index * mesh.sizes[size_t(a)] + coordinates[size_t(a)];
      }
    b.counts.push_back(count);
    b.index.push_back(index);
  }
  return b;
}

} // namespace

std::pair<int64_t, int64_t> tcc::rt::blockAlong(const TensorSpec &spec,
                                                const MeshSpec &mesh,
                                                int64_t rank, size_t dim) {
  Blocks blocks = blocksOf(spec, mesh, rank);
  return {blocks.counts[dim], blocks.index[dim]};
}

namespace {

/// Calls fn(global element offset, local row) for each innermost row of a
/// block of `shape` at `blocks.index`.
template <typename Fn>
void forEachRow(const std::vector<int64_t> &shape, const Blocks &blocks,
                Fn fn) {
  size_t rank = shape.size();
  int64_t rowElements = shape[rank - 1];
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d)
    rows *= shape[d];
  if (rowElements == 0)
    return;
  std::vector<int64_t> at(rank, 0);
  for (int64_t row = 0; row < rows; ++row) {
    int64_t rest = row;
    for (size_t d = rank - 1; d-- > 0;) {
      at[d] = rest % shape[d];
      rest /= shape[d];
    }
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d)
      offset = offset * (shape[d] * blocks.counts[d]) +
               blocks.index[d] * shape[d] + (d + 1 < rank ? at[d] : 0);
    fn(size_t(offset), size_t(row));
  }
}

} // namespace

std::vector<int64_t> tcc::rt::globalShape(const TensorSpec &spec,
                                          const MeshSpec &mesh) {
  Blocks blocks = blocksOf(spec, mesh, 0);
  std::vector<int64_t> shape = spec.shape;
  for (size_t d = 0; d < shape.size(); ++d)
    shape[d] *= blocks.counts[d];
  return shape;
}

std::vector<int64_t> tcc::rt::userShape(const TensorSpec &spec,
                                        const MeshSpec &mesh) {
  return spec.userShape.empty() ? globalShape(spec, mesh) : spec.userShape;
}

HostArray tcc::rt::shardOf(const HostArray &global, const TensorSpec &spec,
                           const MeshSpec &mesh, int64_t rank) {
  HostArray local;
  local.dtype = spec.dtype;
  local.shape = spec.shape;
  local.bytes.assign(size_t(spec.byteSize()), 0);
  if (spec.shape.empty()) {
    local.bytes = global.bytes;
    return local;
  }
  size_t element = dtypeSize(spec.dtype);
  size_t rowBytes = size_t(spec.shape.back()) * element;
  forEachRow(spec.shape, blocksOf(spec, mesh, rank),
             [&](size_t offset, size_t row) {
               std::memcpy(local.bytes.data() + row * rowBytes,
                           global.bytes.data() + offset * element, rowBytes);
             });
  return local;
}

HostArray tcc::rt::joinShards(const std::vector<HostArray> &shards,
                              const TensorSpec &spec, const MeshSpec &mesh) {
  HostArray global;
  global.dtype = spec.dtype;
  global.shape = userShape(spec, mesh);
  size_t element = dtypeSize(spec.dtype);
  global.bytes.assign(
      size_t(checkedNumElements(global.shape).value_or(0)) * element, 0);
  if (spec.shape.empty()) {
    global.bytes = shards.front().bytes;
    return global;
  }
  size_t rowBytes = size_t(spec.shape.back()) * element;
  // Later ranks first, so that the first holder of a block writes last.
  for (size_t r = shards.size(); r-- > 0;)
    forEachRow(spec.shape, blocksOf(spec, mesh, int64_t(r)),
               [&](size_t offset, size_t row) {
                 std::memcpy(global.bytes.data() + offset * element,
                             shards[r].bytes.data() + row * rowBytes,
                             rowBytes);
               });
  return global;
}
