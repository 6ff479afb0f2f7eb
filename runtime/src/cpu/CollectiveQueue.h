//===- CollectiveQueue.h - collectives that overlap computation -*- C++ -*-===//
//
// `tcc run --overlap-collectives`: a per-device plan's collectives run on a
// thread of their own, in plan order, while the executor goes on with the
// commands after them (a gradient bucket's all_reduce overlaps the rest of
// the backward, as DDP's do). A command waits only for the collectives
// whose memory it touches: collectiveWaits() finds, for each command, the
// last earlier collective whose operand or result overlaps a buffer the
// command reads or writes (arena buffers are reused, so a later kernel may
// write where a pending collective still reads). The communicator is used
// by one thread at a time (MPI_THREAD_SERIALIZED): the queue's while a run
// is in flight, the caller's between runs.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_CPU_COLLECTIVEQUEUE_H
#define TCC_RUNTIME_CPU_COLLECTIVEQUEUE_H

#include "Collectives.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace tcc::rt::cpu {

/// Per command of `plan`: how many of the plan's collectives (counted in
/// plan order) must have completed before it may run.
std::vector<int64_t> collectiveWaits(const Plan &plan);

class CollectiveQueue {
public:
  explicit CollectiveQueue(CollectiveRunner &runner);
  /// Finishes what was submitted, then stops the thread.
  ~CollectiveQueue();

  /// Runs `command` on the queue's thread after those submitted before.
  void submit(const CollectiveCommand &command, std::string label,
              const void *in, void *out);
  /// Waits until the first `count` collectives submitted since the last
  /// reset() have completed; the first error among them, naming it.
  Status waitFor(int64_t count);
  /// Waits for everything submitted; then counts from zero again.
  Status drain();

private:
  struct Job {
    const CollectiveCommand *command;
    std::string label;
    const void *in;
    void *out;
  };
  void work();

  CollectiveRunner &runner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job> jobs_;
  int64_t submitted_ = 0, completed_ = 0;
  Status error_ = Status::ok();
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace tcc::rt::cpu

#endif // TCC_RUNTIME_CPU_COLLECTIVEQUEUE_H
