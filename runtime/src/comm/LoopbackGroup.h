//===- LoopbackGroup.h - Shared state of a loopback group -------*- C++ -*-===//

#ifndef TCC_RUNTIME_COMM_LOOPBACKGROUP_H
#define TCC_RUNTIME_COMM_LOOPBACKGROUP_H

#include "CollectiveKind.h"

#include "tcc/runtime/Communicator.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace tcc::rt::comm {

/// What one rank brings to a collective. `error` is a local argument error;
/// it still takes part in the rendezvous so that every rank fails alike.
struct Request {
  Kind kind = Kind::AllReduce;
  size_t count = 0; // Elements: total (allReduce, broadcast) or per rank.
  DType dtype = DType::F32;
  ReduceOp op = ReduceOp::Sum;
  int root = 0;
  const void *in = nullptr;
  size_t inBytes = 0;
  std::string error;
};

/// One collective call in progress, keyed by sequence number.
struct Round {
  std::vector<Request> requests; // `in` is not used after arrival.
  std::vector<std::vector<char>> inputs;
  std::vector<bool> present;
  int arrived = 0, left = 0;
  bool done = false;
  Status status;
  std::vector<char> result;
};

/// The state shared by the ranks of one loopback group.
class LoopbackGroup {
public:
  LoopbackGroup(int size, std::chrono::milliseconds timeout)
      : size_(size), timeout_(timeout) {}

  Status collective(int rank, uint64_t seq, const Request &req, void *out);
  Status send(int rank, int peer, int tag, const void *data, size_t bytes);
  Status recv(int rank, int peer, int tag, void *data, size_t bytes);

private:
  Status failedError(const char *what) const {
    return Status::error(std::string(what) +
                         ": the loopback group has failed: " + failure_);
  }
  void fail(const std::string &message) {
    if (!failed_)
      failure_ = message;
    failed_ = true;
    cv_.notify_all();
  }
  void compute(Round &round);

  const int size_;
  const std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool failed_ = false;
  std::string failure_;
  std::map<uint64_t, Round> rounds_;
  std::map<std::tuple<int, int, int>, std::deque<std::vector<char>>> mail_;
};

} // namespace tcc::rt::comm

#endif // TCC_RUNTIME_COMM_LOOPBACKGROUP_H
