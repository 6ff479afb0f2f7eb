//===- Nccl.h - NCCL, loaded at run time ------------------------*- C++ -*-===//
//
// Like the driver and cuBLASLt, libnccl is dlopened on first use (from the
// library path, $CUDA_ROOT/lib, /usr/local/cuda/lib or PyTorch's wheel via
// $TCC_NCCL_LIBRARY), so tcc-run builds with the toolkit's nccl.h only and
// runs where NCCL is absent as long as no program needs it.
//
// An NcclComm is bootstrapped over a host Communicator (MPI): its rank 0
// draws the unique id and broadcasts it. Communicators are created
// non-blocking, so that no call can hang: every NCCL call that reports
// "in progress" is polled to completion against a deadline, and a
// communicator that misses it is aborted.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_SRC_CUDA_NCCL_H
#define TCC_RUNTIME_SRC_CUDA_NCCL_H

#include "tcc/runtime/Communicator.h"
#include "tcc/runtime/Status.h"

#include <nccl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace tcc::rt::cuda {

#define TCC_NCCL_FUNCTIONS(X)                                                  \
  X(ncclGetVersion)                                                            \
  X(ncclGetUniqueId)                                                           \
  X(ncclCommInitRankConfig)                                                    \
  X(ncclCommDestroy)                                                           \
  X(ncclCommAbort)                                                             \
  X(ncclCommGetAsyncError)                                                     \
  X(ncclGetErrorString)                                                        \
  X(ncclAllReduce)                                                             \
  X(ncclAllGather)                                                             \
  X(ncclReduceScatter)                                                         \
  X(ncclBroadcast)

struct NcclApi {
#define TCC_NCCL_MEMBER(name) decltype(&::name) name = nullptr;
  TCC_NCCL_FUNCTIONS(TCC_NCCL_MEMBER)
#undef TCC_NCCL_MEMBER

  /// The process's NCCL, loaded once; an error says where it was looked
  /// for.
  static StatusOr<const NcclApi *> get();

  /// "NCCL 2.28.9".
  std::string version() const;

  /// OK, or an error naming the call and NCCL's message.
  Status check(ncclResult_t result, const char *call) const;
};

/// NCCL's element type for `dtype`, if it has one.
std::optional<ncclDataType_t> ncclTypeOf(DType dtype);
/// NCCL's reduction for `op` (ncclAvg for Avg).
ncclRedOp_t ncclOpOf(ReduceOp op);

/// One NCCL communicator over the ranks of a host communicator.
class NcclComm {
public:
  using Clock = std::chrono::steady_clock;

  /// Joins the ranks of `host` (a collective over it): the current CUDA
  /// context's device is this rank's. Fails instead of waiting past
  /// `timeout`.
  static StatusOr<std::unique_ptr<NcclComm>>
  create(const NcclApi &api, Communicator &host,
         std::chrono::milliseconds timeout);
  ~NcclComm();

  ncclComm_t get() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }

  /// Waits while the communicator's last call is in progress (the result
  /// it returned was ncclInProgress), then reports its asynchronous error.
  Status settle(ncclResult_t result, const char *call,
                Clock::time_point deadline);
  /// The communicator's asynchronous error, if any (a peer that failed).
  Status asyncError() const;
  /// Ends the communicator's outstanding work (after a timeout or error);
  /// it cannot be used afterwards.
  void abort();

private:
  NcclComm() = default;
  const NcclApi *api_ = nullptr;
  ncclComm_t comm_ = nullptr;
  int rank_ = 0, size_ = 1;
  bool aborted_ = false;
};

} // namespace tcc::rt::cuda

#endif // TCC_RUNTIME_SRC_CUDA_NCCL_H
