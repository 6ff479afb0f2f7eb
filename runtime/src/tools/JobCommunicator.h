//===- JobCommunicator.h - the communicator of a launched job ----*- C++ -*-===//
//
// The runtime's tools run per-device programs when an MPI launcher started
// them: one process per device, one communicator for the job.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_TOOLS_JOBCOMMUNICATOR_H
#define TCC_RUNTIME_TOOLS_JOBCOMMUNICATOR_H

#include "tcc/runtime/Communicator.h"
#include "tcc/runtime/LoopbackCommunicator.h"
#include "tcc/runtime/MpiCommunicator.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace tcc::rt {

/// The job's MPI communicator when an MPI launcher started this process;
/// otherwise a job of this process alone (one rank), which runs
/// single-device programs and per-device programs for a mesh of one device
/// (a per-device program for more says how to launch it). Its waits time
/// out after `timeoutMs`.
inline StatusOr<std::unique_ptr<Communicator>>
jobCommunicator(uint64_t timeoutMs) {
#ifdef TCC_RUNTIME_HAS_MPI
  if (launchedByMpi())
    return createMpiCommunicator(std::chrono::milliseconds(timeoutMs));
#endif
  std::vector<std::unique_ptr<Communicator>> alone =
      createLoopbackGroup(1, std::chrono::milliseconds(timeoutMs));
  return std::move(alone.front());
}

} // namespace tcc::rt

#endif // TCC_RUNTIME_TOOLS_JOBCOMMUNICATOR_H
