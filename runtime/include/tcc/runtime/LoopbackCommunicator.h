//===- LoopbackCommunicator.h - In-process communicator group ---*- C++ -*-===//
//
// A group of N communicators sharing memory in one process, one rank per
// thread. Collectives rendezvous per call (matched by each rank's sequence
// number); data is copied through the group, so a rank never reads a peer's
// buffer. For tests, and for single-host runs before MPI/NCCL exist.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_LOOPBACKCOMMUNICATOR_H
#define TCC_RUNTIME_LOOPBACKCOMMUNICATOR_H

#include "tcc/runtime/Communicator.h"

#include <chrono>
#include <memory>
#include <vector>

namespace tcc::rt {

/// Returns the `size` communicators of a new loopback group, element i being
/// rank i; each is to be used by one thread at a time. A collective or recv
/// that waits longer than `timeout` fails with a message naming the missing
/// ranks and fails the group, so later calls on any rank error at once.
/// Returns an empty vector when size < 1 or timeout <= 0.
std::vector<std::unique_ptr<Communicator>>
createLoopbackGroup(int size, std::chrono::milliseconds timeout);

} // namespace tcc::rt

#endif // TCC_RUNTIME_LOOPBACKCOMMUNICATOR_H
