//===- Shards.h - a per-device program's tensors, global and per rank -*- C++ -*-===//
//
// A per-device program's inputs and outputs are shards: dimension d of the
// tensor the user sees is split over the mesh axes its sharding lists
// (major to minor), so each device holds a block. `tcc run` under mpirun
// takes the user's global tensors, gives each rank its block, and joins the
// ranks' output blocks back into global tensors, as `tcc eval` does on its
// simulated mesh.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_TOOLS_SHARDS_H
#define TCC_RUNTIME_TOOLS_SHARDS_H

#include "tcc/runtime/HostArray.h"
#include "tcc/runtime/Plan.h"

#include <vector>

namespace tcc::rt {

/// How many blocks dimension `dim` of `spec` is split into, and which of
/// them device `rank` holds.
std::pair<int64_t, int64_t> blockAlong(const TensorSpec &spec,
                                       const MeshSpec &mesh, int64_t rank,
                                       size_t dim);

/// The global shape of `spec` (its shard shape times each dimension's
/// shard count).
std::vector<int64_t> globalShape(const TensorSpec &spec, const MeshSpec &mesh);

/// The shape of the tensor the user holds: spec.userShape when the global
/// tensor is a view of it, else the global shape.
std::vector<int64_t> userShape(const TensorSpec &spec, const MeshSpec &mesh);

/// The block of `global` (the global tensor, or the user's tensor it views:
/// the same bytes) that device `rank` holds under `spec`'s sharding.
HostArray shardOf(const HostArray &global, const TensorSpec &spec,
                  const MeshSpec &mesh, int64_t rank);

/// The global tensor from every rank's block (`shards[rank]`), in the
/// user's shape (userShape); a block held by several ranks (replicated over
/// an axis) is taken from the first.
HostArray joinShards(const std::vector<HostArray> &shards,
                     const TensorSpec &spec, const MeshSpec &mesh);

} // namespace tcc::rt

#endif // TCC_RUNTIME_TOOLS_SHARDS_H
