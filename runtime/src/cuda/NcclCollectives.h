//===- NcclCollectives.h - a plan's collectives on NCCL ---------*- C++ -*-===//
//
// The CUDA executor's counterpart of cpu::CollectiveRunner: the same
// checks and device groups (exec/CollectiveGroups.h), one NCCL
// communicator per group bootstrapped over the group's host communicator,
// and the collectives enqueued on the executor's stream (stream-ordered:
// they start when the commands before them are done, without a host
// synchronization). A gather or scatter along an inner dimension moves its
// blocks with 2-D copies (cuMemcpy2DAsync) through a device scratch
// buffer allocated at load.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_SRC_CUDA_NCCLCOLLECTIVES_H
#define TCC_RUNTIME_SRC_CUDA_NCCLCOLLECTIVES_H

#include "CudaApi.h"
#include "Nccl.h"

#include "../exec/CollectiveGroups.h"

#include "tcc/runtime/Plan.h"

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tcc::rt::cuda {

class NcclCollectives {
public:
  /// Joins the plan's device groups over `world` (see
  /// joinCollectiveGroups) and creates their NCCL communicators on the
  /// current context. `skip`: fault injection, as in cpu::CollectiveRunner.
  static StatusOr<std::unique_ptr<NcclCollectives>>
  create(const Plan &plan, Communicator *world, const CudaApi &cuda,
         const std::string &origin, std::chrono::milliseconds timeout,
         int64_t skip = -1);
  ~NcclCollectives();

  /// Enqueues `command` from `in` to `out` on `stream`.
  Status enqueue(const CollectiveCommand &command, CUdeviceptr in,
                 CUdeviceptr out, CUstream stream);

  /// The first asynchronous error of any communicator (a peer failed).
  Status asyncError() const;
  /// Aborts every communicator (after a timeout): their kernels end.
  void abort();
  /// Bytes of device scratch memory held.
  size_t scratchBytes() const { return scratchBytes_; }
  std::string version() const { return api_->version(); }

private:
  NcclCollectives() = default;
  NcclComm &groupOf(const std::vector<std::string> &axes);
  Status copy2D(const StridedCopy &copy, CUdeviceptr src, CUdeviceptr dst,
                CUstream stream);

  const NcclApi *api_ = nullptr;
  const CudaApi *cuda_ = nullptr;
  std::chrono::milliseconds timeout_{0};
  int64_t skip_ = -1, issued_ = 0;
  /// Host communicators of the groups (the NCCL ones were made over them).
  GroupCommunicators hostGroups_;
  std::map<std::vector<std::string>, std::unique_ptr<NcclComm>> comms_;
  CUdeviceptr scratch_ = 0;
  size_t scratchBytes_ = 0;
};

} // namespace tcc::rt::cuda

#endif // TCC_RUNTIME_SRC_CUDA_NCCLCOLLECTIVES_H
