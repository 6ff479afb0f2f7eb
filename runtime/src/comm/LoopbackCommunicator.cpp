//===- LoopbackCommunicator.cpp - In-process communicator group -----------===//
//
// The per-rank Communicator of a loopback group: checks its arguments, then
// hands the call to the shared LoopbackGroup. A local argument error still
// joins the collective's rendezvous (without data), so every rank gets an
// error naming the offending rank and the sequence numbers stay in step.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/LoopbackCommunicator.h"

#include "LoopbackGroup.h"

#include <cstdint>
#include <limits>
#include <string>

using namespace tcc::rt;
using namespace tcc::rt::comm;

namespace {

class LoopbackCommunicator final : public Communicator {
public:
  LoopbackCommunicator(std::shared_ptr<LoopbackGroup> group, int rank,
                       int size)
      : group_(std::move(group)), rank_(rank), size_(size) {}

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Status allReduce(const void *in, void *out, size_t count, DType dtype,
                   ReduceOp op) override {
    Request req = makeRequest(Kind::AllReduce, in, out, count, 1, dtype);
    req.op = op;
    checkReduce(req);
    return run(req, out);
  }

  Status allGather(const void *in, void *out, size_t countPerRank,
                   DType dtype) override {
    Request req =
        makeRequest(Kind::AllGather, in, out, countPerRank, size_, dtype);
    // makeRequest sized the input as the output; the input is one chunk.
    req.inBytes = req.error.empty() ? countPerRank * dtypeSize(dtype) : 0;
    return run(req, out);
  }

  Status reduceScatter(const void *in, void *out, size_t countPerRank,
                       DType dtype, ReduceOp op) override {
    Request req =
        makeRequest(Kind::ReduceScatter, in, out, countPerRank, size_, dtype);
    req.op = op;
    checkReduce(req);
    return run(req, out);
  }

  Status broadcast(void *buffer, size_t count, DType dtype,
                   int root) override {
    Request req = makeRequest(Kind::Broadcast, buffer, buffer, count, 1, dtype);
    req.root = root;
    if (req.error.empty() && (root < 0 || root >= size_))
      req.error = "root " + std::to_string(root) + " is out of range [0, " +
                  std::to_string(size_) + ")";
    if (rank_ != root)
      req.inBytes = 0; // Only the root's data travels.
    return run(req, buffer);
  }

  Status send(const void *data, size_t bytes, int peer, int tag) override {
    if (Status s = checkPointToPoint("send", data, bytes, peer); !s)
      return s;
    return group_->send(rank_, peer, tag, data, bytes);
  }

  Status recv(void *data, size_t bytes, int peer, int tag) override {
    if (Status s = checkPointToPoint("recv", data, bytes, peer); !s)
      return s;
    return group_->recv(rank_, peer, tag, data, bytes);
  }

  StatusOr<std::unique_ptr<Communicator>> split(int, int) override {
    return Status::error("split: a loopback group has no subgroups");
  }

private:
  /// Fills a request; `outCount` is count * outFactor elements, which is
  /// also the size of the input unless the caller adjusts inBytes.
  Request makeRequest(Kind kind, const void *in, const void *out,
                      size_t count, size_t outFactor, DType dtype) const {
    Request req;
    req.kind = kind;
    req.count = count;
    req.dtype = dtype;
    req.in = in;
    size_t elem = dtypeSize(dtype);
    size_t limit = std::numeric_limits<size_t>::max() / size_t(size_);
    if (elem == 0) {
      req.error = "invalid dtype " + std::to_string(int(dtype));
    } else if (count > limit / elem) {
      req.error = "count " + std::to_string(count) + " of " +
                  dtypeName(dtype) + " overflows the byte size";
    } else if (count != 0 && (!in || !out)) {
      req.error = std::string(!in ? "input" : "output") +
                  " buffer is null with count " + std::to_string(count);
    } else {
      req.inBytes = count * outFactor * elem;
    }
    return req;
  }

  static void checkReduce(Request &req) {
    if (!req.error.empty())
      return;
    if (int(req.op) < 0 || int(req.op) > int(ReduceOp::Min)) {
      req.error = "invalid reduce op " + std::to_string(int(req.op));
      req.inBytes = 0;
    } else if (Status s = checkReducibleDType(req.dtype); !s) {
      req.error = s.message();
      req.inBytes = 0;
    }
  }

  Status run(Request &req, void *out) {
    if (!req.error.empty())
      req.inBytes = 0;
    return group_->collective(rank_, seq_++, req, out);
  }

  Status checkPointToPoint(const char *what, const void *data, size_t bytes,
                           int peer) const {
    if (peer < 0 || peer >= size_)
      return Status::error(std::string(what) + " on rank " +
                           std::to_string(rank_) + ": peer " +
                           std::to_string(peer) + " is out of range [0, " +
                           std::to_string(size_) + ")");
    if (bytes != 0 && !data)
      return Status::error(std::string(what) + " on rank " +
                           std::to_string(rank_) + ": buffer is null with " +
                           std::to_string(bytes) + " bytes");
    return Status::ok();
  }

  std::shared_ptr<LoopbackGroup> group_;
  int rank_, size_;
  uint64_t seq_ = 0;
};

} // namespace

std::vector<std::unique_ptr<Communicator>>
tcc::rt::createLoopbackGroup(int size, std::chrono::milliseconds timeout) {
  std::vector<std::unique_ptr<Communicator>> comms;
  if (size < 1 || timeout.count() <= 0)
    return comms;
  auto group = std::make_shared<LoopbackGroup>(size, timeout);
  for (int r = 0; r < size; ++r)
    comms.push_back(std::make_unique<LoopbackCommunicator>(group, r, size));
  return comms;
}
