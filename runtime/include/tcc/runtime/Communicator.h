//===- Communicator.h - Collectives between the ranks of a job --*- C++ -*-===//
//
// A Communicator connects one rank of a group of `size()` ranks to the
// others. Collectives work on contiguous host buffers and are called by every
// rank, in the same order, with matching arguments; the group checks that at
// the rendezvous and reports a mismatch to every rank. Point-to-point
// send/recv move raw bytes matched by (peer, tag).
//
// Every call returns a Status; nothing aborts on bad input. A collective that
// some rank never reaches times out with an error naming the collective and
// the missing ranks, and the group is then failed: later calls error at once.
//
// Implementations: the in-process loopback group (LoopbackCommunicator.h),
// one rank per thread, for tests and single-host runs. MPI and NCCL later.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_COMMUNICATOR_H
#define TCC_RUNTIME_COMMUNICATOR_H

#include "tcc/runtime/DType.h"
#include "tcc/runtime/Status.h"

#include <cstddef>
#include <memory>

namespace tcc::rt {

/// How allReduce / reduceScatter combine the ranks' elements.
///
/// Reductions apply in rank order (((r0 op r1) op r2) ...) in the dtype's
/// own arithmetic, so results are deterministic and identical on every rank.
/// Avg is Sum divided by size(); for integers it truncates toward zero.
/// Integer Sum wraps around on overflow. Max and Min propagate NaN, like
/// torch.maximum / torch.minimum.
enum class ReduceOp { Sum, Avg, Max, Min };

/// "sum", "avg", "max", "min".
inline const char *reduceOpName(ReduceOp op) {
  switch (op) {
  case ReduceOp::Sum:
    return "sum";
  case ReduceOp::Avg:
    return "avg";
  case ReduceOp::Max:
    return "max";
  case ReduceOp::Min:
    return "min";
  }
  return "unknown";
}

/// Ok when allReduce/reduceScatter support `dtype`: F64, F32, I64, I32.
/// Other dtypes give "reduction over f16 is not supported yet" and the like.
Status checkReducibleDType(DType dtype);

class Communicator {
public:
  virtual ~Communicator() = default;

  /// This rank, in [0, size()).
  virtual int rank() const = 0;
  /// Ranks in the group, >= 1.
  virtual int size() const = 0;

  /// out[i] = in[i] of rank 0 op ... op in[i] of rank size()-1, for i in
  /// [0, count). `in` may equal `out` (in place).
  virtual Status allReduce(const void *in, void *out, size_t count,
                           DType dtype, ReduceOp op) = 0;

  /// out = in of rank 0, then in of rank 1, ...: out holds
  /// countPerRank * size() elements. Any dtype.
  virtual Status allGather(const void *in, void *out, size_t countPerRank,
                           DType dtype) = 0;

  /// Reduces the size() * countPerRank elements of `in` across ranks like
  /// allReduce; this rank receives chunk rank() (countPerRank elements).
  virtual Status reduceScatter(const void *in, void *out, size_t countPerRank,
                               DType dtype, ReduceOp op) = 0;

  /// Copies `count` elements of root's buffer into every rank's buffer.
  /// Any dtype.
  virtual Status broadcast(void *buffer, size_t count, DType dtype,
                           int root) = 0;

  /// Sends `bytes` bytes to `peer`; matched by recv(peer=this rank, tag) in
  /// order. May return before the peer receives (buffered).
  virtual Status send(const void *data, size_t bytes, int peer, int tag) = 0;

  /// Receives the next message from `peer` with `tag`, which must be exactly
  /// `bytes` bytes long (otherwise an error; the message is consumed).
  virtual Status recv(void *data, size_t bytes, int peer, int tag) = 0;

  /// The communicator of this rank's subgroup: every rank calls split (a
  /// collective), ranks with equal `color` form a group, ordered by `key`.
  /// The loopback group has no subgroups (an error).
  virtual StatusOr<std::unique_ptr<Communicator>> split(int color, int key) = 0;
};

} // namespace tcc::rt

#endif // TCC_RUNTIME_COMMUNICATOR_H
