//===- CollectiveGroups.h - the executors' collectives ----------*- C++ -*-===//
//
// A per-device plan's collectives run over device groups: the ranks that
// share every mesh coordinate but those along the collective's axes. The
// CPU executor runs them through host Communicators, the CUDA executor
// through NCCL communicators bootstrapped over those; both
//
// - check at load that the job has the mesh's size and that every rank
//   runs the same sequence of collectives (a fingerprint of the plan's),
//   so that mismatched programs fail at once instead of at their first
//   differing collective;
// - split one host communicator per group off the job's, in plan order, so
//   every rank splits alike;
// - move a tensor's blocks when a collective gathers or scatters along an
//   inner dimension (StridedCopy: the communicators move contiguous
//   per-rank chunks).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_SRC_EXEC_COLLECTIVEGROUPS_H
#define TCC_RUNTIME_SRC_EXEC_COLLECTIVEGROUPS_H

#include "tcc/runtime/Communicator.h"
#include "tcc/runtime/Plan.h"

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tcc::rt {

/// The communicators of a plan's device groups, by axes (the whole mesh's
/// group is the job's own communicator and is not in the map).
using GroupCommunicators =
    std::map<std::vector<std::string>, std::unique_ptr<Communicator>>;

/// Checks that `world` is a job of the plan's mesh size running the same
/// collectives, then splits the group communicators. `world` null is an
/// error naming how to launch the program.
StatusOr<GroupCommunicators> joinCollectiveGroups(const Plan &plan,
                                                  Communicator *world,
                                                  const std::string &origin);

/// `height` copies of `width` bytes, the i-th from src + i * srcPitch to
/// dst + i * dstPitch (cuMemcpy2D's parameters; memcpy on the host).
struct StridedCopy {
  size_t srcOffset = 0, dstOffset = 0;
  size_t width = 0, height = 0;
  size_t srcPitch = 0, dstPitch = 0;
};

/// The shape of a gather or scatter of `cc` over a group of `ranks`: the
/// tensor is [outer, ranks * rows] along `cc.dim` (outer: the product of
/// the dimensions before it), each rank's block `rowBytes` wide.
struct BlockLayout {
  size_t ranks = 1, outer = 1, rowBytes = 0;
  /// Whether the per-rank blocks are already contiguous (dim 0 or an outer
  /// extent of 1): the communicator's chunks are the tensor's blocks.
  bool contiguous() const { return outer == 1; }

  /// all_gather: the communicator's [rank][outer][row] -> the tensor's
  /// [outer][rank][row], one copy per rank.
  std::vector<StridedCopy> gatheredToTensor() const;
  /// reduce_scatter: the tensor's [outer][rank][row] -> the
  /// communicator's [rank][outer][row], one copy per rank.
  std::vector<StridedCopy> tensorToScattered() const;
  /// all_slice: rank `position`'s blocks of the tensor, packed.
  StridedCopy slice(size_t position) const;
};

/// `cc`'s blocks in a group of `ranks`: `cc.shape` is the operand of a
/// reduce_scatter or all_slice (the whole tensor) or of an all_gather (one
/// rank's block).
BlockLayout blockLayoutOf(const CollectiveCommand &cc, size_t ranks);

/// Runs `copies` on host memory.
void copyOnHost(const std::vector<StridedCopy> &copies, const void *src,
                void *dst);

} // namespace tcc::rt

#endif // TCC_RUNTIME_SRC_EXEC_COLLECTIVEGROUPS_H
