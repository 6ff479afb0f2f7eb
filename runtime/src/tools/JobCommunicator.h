//===- JobCommunicator.h - the communicator of a launched job ----*- C++ -*-===//
//
// The runtime's tools run per-device programs when an MPI launcher started
// them: one process per device, one communicator for the job.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_TOOLS_JOBCOMMUNICATOR_H
#define TCC_RUNTIME_TOOLS_JOBCOMMUNICATOR_H

#include "tcc/runtime/Communicator.h"
#include "tcc/runtime/MpiCommunicator.h"

#include <chrono>
#include <cstdint>
#include <memory>

namespace tcc::rt {

/// The job's MPI communicator when an MPI launcher started this process,
/// null otherwise (a per-device program then says how to launch it; other
/// programs run as one process). Its waits time out after `timeoutMs`.
inline StatusOr<std::unique_ptr<Communicator>>
jobCommunicator(uint64_t timeoutMs) {
#ifdef TCC_RUNTIME_HAS_MPI
  if (launchedByMpi())
    return createMpiCommunicator(std::chrono::milliseconds(timeoutMs));
#endif
  (void)timeoutMs;
  return std::unique_ptr<Communicator>();
}

} // namespace tcc::rt

#endif // TCC_RUNTIME_TOOLS_JOBCOMMUNICATOR_H
