//===- LoopbackGroup.cpp - Shared state of a loopback communicator group -===//
//
// Every collective is a rendezvous keyed by the caller's sequence number.
// Each rank copies its input into the round under the group mutex; the last
// to arrive validates the arrivals and computes the result into the round;
// each rank copies its part out and the last to leave frees the round. No
// rank ever touches another rank's buffers, so a rank that times out and
// returns leaves nothing dangling.
//
//===----------------------------------------------------------------------===//

#include "LoopbackGroup.h"
#include "Reduce.h"

#include <cstring>

using namespace tcc::rt;
using namespace tcc::rt::comm;

namespace tcc::rt::comm {

void LoopbackGroup::compute(Round &round) {
  const std::vector<Request> &reqs = round.requests;
  const Request &r0 = reqs[0];
  const char *name = kindName(r0.kind);
  for (int r = 0; r < size_; ++r) {
    if (!reqs[r].error.empty()) {
      round.status = Status::error(std::string(kindName(reqs[r].kind)) +
                                   ": rank " + std::to_string(r) + ": " +
                                   reqs[r].error);
      return;
    }
  }
  auto disagree = [&](int r, const char *what, const std::string &a,
                      const std::string &b) {
    round.status = Status::error(std::string(name) + ": ranks disagree on " +
                                 what + ": rank 0 has " + a + ", rank " +
                                 std::to_string(r) + " has " + b);
  };
  for (int r = 1; r < size_; ++r) {
    const Request &q = reqs[r];
    if (q.kind != r0.kind)
      return disagree(r, "the collective", name, kindName(q.kind));
    if (q.count != r0.count)
      return disagree(r, "the count", std::to_string(r0.count),
                      std::to_string(q.count));
    if (q.dtype != r0.dtype)
      return disagree(r, "the dtype", dtypeName(r0.dtype),
                      dtypeName(q.dtype));
    bool reduces = r0.kind == Kind::AllReduce || r0.kind == Kind::ReduceScatter;
    if (reduces && q.op != r0.op)
      return disagree(r, "the reduce op", reduceOpName(r0.op),
                      reduceOpName(q.op));
    if (r0.kind == Kind::Broadcast && q.root != r0.root)
      return disagree(r, "the root", std::to_string(r0.root),
                      std::to_string(q.root));
  }
  size_t elem = dtypeSize(r0.dtype);
  switch (r0.kind) {
  case Kind::AllReduce:
  case Kind::ReduceScatter: {
    size_t total = r0.kind == Kind::AllReduce ? r0.count : r0.count * size_;
    round.result.resize(total * elem);
    std::vector<const void *> ins;
    for (const std::vector<char> &in : round.inputs)
      ins.push_back(in.data());
    comm::reduceInto(r0.dtype, r0.op, ins, round.result.data(), total);
    break;
  }
  case Kind::AllGather:
    for (const std::vector<char> &in : round.inputs)
      round.result.insert(round.result.end(), in.begin(), in.end());
    break;
  case Kind::Broadcast:
    round.result = round.inputs[r0.root];
    break;
  }
}

Status LoopbackGroup::collective(int rank, uint64_t seq, const Request &req,
                                 void *out) {
  const char *name = kindName(req.kind);
  std::unique_lock<std::mutex> lock(mutex_);
  if (failed_)
    return failedError(name);
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  Round &round = rounds_[seq];
  if (round.requests.empty()) {
    round.requests.resize(size_);
    round.inputs.resize(size_);
    round.present.assign(size_, false);
  }
  round.requests[rank] = req;
  round.requests[rank].in = nullptr;
  if (req.error.empty() && req.inBytes)
    round.inputs[rank].assign(static_cast<const char *>(req.in),
                              static_cast<const char *>(req.in) + req.inBytes);
  round.present[rank] = true;
  if (++round.arrived == size_) {
    compute(round);
    round.done = true;
    cv_.notify_all();
  }
  while (!round.done && !failed_) {
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout &&
        !round.done && !failed_) {
      std::vector<int> missing;
      for (int r = 0; r < size_; ++r)
        if (!round.present[r])
          missing.push_back(r);
      // Withdraw: nothing of ours stays in the round.
      round.present[rank] = false;
      round.inputs[rank].clear();
      --round.arrived;
      std::string message =
          std::string(name) + " (call #" + std::to_string(seq) +
          "): timed out after " + std::to_string(timeout_.count()) +
          " ms; " + rankList(missing) + " did not arrive";
      fail(message);
      return Status::error(message);
    }
  }
  if (!round.done)
    return failedError(name);
  Status status = round.status;
  if (status.isOk() && !(req.kind == Kind::Broadcast && rank == req.root)) {
    size_t bytes = round.result.size(), offset = 0;
    if (req.kind == Kind::ReduceScatter) {
      bytes /= size_t(size_);
      offset = bytes * size_t(rank);
    }
    if (bytes)
      std::memcpy(out, round.result.data() + offset, bytes);
  }
  if (++round.left == size_)
    rounds_.erase(seq);
  return status;
}

Status LoopbackGroup::send(int rank, int peer, int tag, const void *data,
                           size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (failed_)
    return failedError("send");
  const char *p = static_cast<const char *>(data);
  mail_[{rank, peer, tag}].emplace_back(p, p + bytes);
  cv_.notify_all();
  return Status::ok();
}

Status LoopbackGroup::recv(int rank, int peer, int tag, void *data,
                           size_t bytes) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  std::deque<std::vector<char>> &box = mail_[{peer, rank, tag}];
  while (box.empty()) {
    if (failed_)
      return failedError("recv");
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout &&
        box.empty()) {
      std::string message = "recv on rank " + std::to_string(rank) +
                            " from rank " + std::to_string(peer) + " (tag " +
                            std::to_string(tag) + "): timed out after " +
                            std::to_string(timeout_.count()) +
                            " ms; no message arrived";
      fail(message);
      return Status::error(message);
    }
  }
  std::vector<char> message = std::move(box.front());
  box.pop_front();
  if (message.size() != bytes)
    return Status::error("recv on rank " + std::to_string(rank) +
                         ": the message from rank " + std::to_string(peer) +
                         " with tag " + std::to_string(tag) + " has " +
                         std::to_string(message.size()) + " bytes, expected " +
                         std::to_string(bytes));
  if (bytes)
    std::memcpy(data, message.data(), bytes);
  return Status::ok();
}

} // namespace tcc::rt::comm
