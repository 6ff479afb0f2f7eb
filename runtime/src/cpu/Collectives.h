//===- Collectives.h - a plan's collectives on host memory ------*- C++ -*-===//
//
// Runs the collective commands of a per-device plan through the job's
// Communicator: one communicator per device group (the ranks that share
// every mesh coordinate but those along the collective's axes), split off
// the job's once at load, in plan order, so every rank splits alike.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_CPU_COLLECTIVES_H
#define TCC_RUNTIME_CPU_COLLECTIVES_H

#include "tcc/runtime/Communicator.h"
#include "tcc/runtime/Plan.h"

#include "../exec/CollectiveGroups.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tcc::rt::cpu {

class CollectiveRunner {
public:
  /// Checks that `world` is a job of the plan's mesh size and creates the
  /// group communicators. `world` must outlive the runner; null is an
  /// error naming how to launch the program.
  /// At load every rank checks that all run the same sequence of
  /// collectives (a fingerprint of the plan's), so that mismatched
  /// programs fail at once instead of at their first differing collective.
  /// `skip` (fault injection, tests): this rank leaves out its collective
  /// number `skip` (counted from 0 over the run's commands), or -1.
  static StatusOr<std::unique_ptr<CollectiveRunner>>
  create(const Plan &plan, Communicator *world, const std::string &origin,
         int64_t skip = -1);

  /// Runs `command` from `in` to `out` (distinct buffers of the plan).
  Status run(const CollectiveCommand &command, const void *in, void *out);

private:
  Communicator *groupOf(const std::vector<std::string> &axes);

  Communicator *world_ = nullptr;
  int64_t skip_ = -1, issued_ = 0;
  MeshSpec mesh_;
  GroupCommunicators groups_;
  std::vector<char> scratch_;
};

} // namespace tcc::rt::cpu

#endif // TCC_RUNTIME_CPU_COLLECTIVES_H
