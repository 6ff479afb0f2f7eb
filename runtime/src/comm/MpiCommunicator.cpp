//===- MpiCommunicator.cpp - Collectives between the processes of an MPI job ===//
//
// Every call is nonblocking MPI polled against a deadline, so no wait can
// outlast the communicator's timeout; see MpiCommunicator.h for the
// protocol.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/MpiCommunicator.h"

#include "CollectiveKind.h"
#include "Reduce.h"

#include <mpi.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <list>
#include <string>
#include <thread>
#include <vector>

using namespace tcc::rt;
using tcc::rt::comm::Kind;
using tcc::rt::comm::kindName;
using tcc::rt::comm::rankList;

bool tcc::rt::launchedByMpi() {
  for (const char *variable :
       {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_NTASKS"})
    if (std::getenv(variable))
      return true;
  return false;
}

namespace {

/// What every rank tells every other before a collective's data moves.
struct Header {
  uint64_t call = 0;
  uint64_t count = 0;
  uint32_t kind = 0;
  uint32_t dtype = 0;
  int32_t op = 0;
  int32_t root = 0;
};

// Headers and data of collectives use their own tags, apart from the
// user's send/recv tags (which must be below kHeaderTag).
constexpr int kHeaderTag = 30000;

std::string mpiError(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<size_t>(length));
}

/// From this many bytes of input, reductions go in parts (an all-to-all,
/// then an all-gather: a ring's traffic in two rounds) rather than by
/// gathering every input (one round, N-1 times the bytes). Both combine
/// each element in rank order, so the choice never changes a bit; 2 MiB
/// is where parts became faster with 4 ranks on the 2-core machine
/// (`tcc-run comm-check --bench`, benchmarks/RESULTS.md).
constexpr size_t kReduceInPartsFromBytes = size_t(2) << 20;

class MpiCommunicator final : public Communicator {
public:
  MpiCommunicator(MPI_Comm comm, std::chrono::milliseconds timeout)
      : comm_(comm), timeout_(timeout) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Status allReduce(const void *in, void *out, size_t count, DType dtype,
                   ReduceOp op) override {
    Header header = makeHeader(Kind::AllReduce, count, dtype, op, 0);
    if (Status s = begin(header, checkReducibleDType(dtype)); !s)
      return s;
    if (count * dtypeSize(dtype) < kReduceInPartsFromBytes)
      return gatherAndReduce(header, in, out, count, count, 0);
    return reduceInParts(header, in, out, count, count);
  }

  Status allGather(const void *in, void *out, size_t countPerRank,
                   DType dtype) override {
    Header header = makeHeader(Kind::AllGather, countPerRank, dtype,
                               ReduceOp::Sum, 0);
    if (Status s = begin(header, Status::ok()); !s)
      return s;
    size_t bytes = countPerRank * dtypeSize(dtype);
    MPI_Request request;
    int code = MPI_Iallgather(in, static_cast<int>(bytes), MPI_BYTE, out,
                              static_cast<int>(bytes), MPI_BYTE, comm_,
                              &request);
    return wait(header, code, &request, 1);
  }

  Status reduceScatter(const void *in, void *out, size_t countPerRank,
                       DType dtype, ReduceOp op) override {
    Header header = makeHeader(Kind::ReduceScatter, countPerRank, dtype, op, 0);
    if (Status s = begin(header, checkReducibleDType(dtype)); !s)
      return s;
    size_t total = countPerRank * size_t(size_);
    if (total * dtypeSize(dtype) < kReduceInPartsFromBytes)
      return gatherAndReduce(header, in, out, total, countPerRank,
                             countPerRank * size_t(rank_));
    return reduceInParts(header, in, out, total, countPerRank);
  }

  Status broadcast(void *buffer, size_t count, DType dtype,
                   int root) override {
    Status valid = root >= 0 && root < size_
                       ? Status::ok()
                       : Status::error("root " + std::to_string(root) +
                                       " is not a rank of " +
                                       std::to_string(size_));
    Header header = makeHeader(Kind::Broadcast, count, dtype, ReduceOp::Sum,
                               root);
    if (Status s = begin(header, valid); !s)
      return s;
    MPI_Request request;
    int code = MPI_Ibcast(buffer, static_cast<int>(count * dtypeSize(dtype)),
                          MPI_BYTE, root, comm_, &request);
    return wait(header, code, &request, 1);
  }

  ~MpiCommunicator() override {
    // Sends still in flight get the timeout to be received.
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (!pendingSends_.empty() &&
           std::chrono::steady_clock::now() < deadline) {
      progressSends();
      std::this_thread::yield();
    }
    MPI_Comm_free(&comm_);
  }

  Status send(const void *data, size_t bytes, int peer, int tag) override {
    if (Status s = checkPeer("send", peer, tag); !s)
      return s;
    // Buffered, as the interface promises: the bytes are copied and the
    // send completes while later calls run, so two ranks may both send
    // before they receive.
    progressSends();
    PendingSend pending;
    pending.bytes.assign(static_cast<const char *>(data),
                         static_cast<const char *>(data) + bytes);
    int code = MPI_Isend(pending.bytes.data(), static_cast<int>(bytes),
                         MPI_BYTE, peer, tag, comm_, &pending.request);
    if (code != MPI_SUCCESS)
      return fail("send to rank " + std::to_string(peer) + ": " +
                  mpiError(code));
    pendingSends_.push_back(std::move(pending));
    return Status::ok();
  }

  Status recv(void *data, size_t bytes, int peer, int tag) override {
    if (Status s = checkPeer("recv", peer, tag); !s)
      return s;
    std::string what = "recv from rank " + std::to_string(peer) + " (tag " +
                       std::to_string(tag) + ")";
    // Probe first: a message of another length is an error, and consumed.
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    MPI_Status status;
    for (int found = 0; !found;) {
      if (int code = MPI_Iprobe(peer, tag, comm_, &found, &status))
        return fail(what + ": " + mpiError(code));
      if (!found && std::chrono::steady_clock::now() > deadline)
        return fail(what + ": timed out after " +
                    std::to_string(timeout_.count()) + " ms; rank " +
                    std::to_string(peer) + " sent nothing");
      if (!found)
        std::this_thread::yield();
    }
    int length = 0;
    MPI_Get_count(&status, MPI_BYTE, &length);
    if (static_cast<size_t>(length) != bytes) {
      std::vector<char> discard(static_cast<size_t>(length));
      MPI_Recv(discard.data(), length, MPI_BYTE, peer, tag, comm_,
               MPI_STATUS_IGNORE);
      return Status::error(what + ": the message holds " +
                           std::to_string(length) + " bytes, expected " +
                           std::to_string(bytes));
    }
    MPI_Request request;
    int code = MPI_Irecv(data, static_cast<int>(bytes), MPI_BYTE, peer, tag,
                         comm_, &request);
    return waitPointToPoint(what, code, &request);
  }

  StatusOr<std::unique_ptr<Communicator>> split(int color,
                                                int key) override {
    if (!failed_.empty())
      return Status::error("split: the communicator failed earlier: " +
                           failed_);
    MPI_Comm sub;
    if (int code = MPI_Comm_split(comm_, color, key, &sub))
      return fail("split: " + mpiError(code));
    MPI_Comm_set_errhandler(sub, MPI_ERRORS_RETURN);
    return std::unique_ptr<Communicator>(new MpiCommunicator(sub, timeout_));
  }

private:
  Header makeHeader(Kind kind, size_t count, DType dtype, ReduceOp op,
                    int root) {
    Header h;
    h.call = calls_++;
    h.count = count;
    h.kind = static_cast<uint32_t>(kind);
    h.dtype = static_cast<uint32_t>(dtype);
    h.op = static_cast<int32_t>(op);
    h.root = root;
    return h;
  }

  std::string describe(const Header &h) const {
    return std::string(kindName(static_cast<Kind>(h.kind))) + " (call #" +
           std::to_string(h.call) + ")";
  }

  Status fail(const std::string &message) {
    failed_ = message;
    return Status::error(message);
  }

  Status checkPeer(const char *what, int peer, int tag) {
    if (!failed_.empty())
      return Status::error(std::string(what) +
                           ": the communicator failed earlier: " + failed_);
    if (peer < 0 || peer >= size_ || peer == rank_)
      return Status::error(std::string(what) + ": rank " +
                           std::to_string(peer) + " is not another rank of " +
                           std::to_string(size_));
    if (tag < 0 || tag >= kHeaderTag)
      return Status::error(std::string(what) + ": tag " + std::to_string(tag) +
                           " is outside [0, " + std::to_string(kHeaderTag) +
                           ")");
    return Status::ok();
  }

  /// Exchanges `header` with every other rank and checks that all agree;
  /// `local` is this rank's own verdict on its arguments, which the others
  /// learn through the header (a negative count), so every rank reports a
  /// bad argument anywhere.
  Status begin(Header &header, const Status &local) {
    std::string name = describe(header);
    if (!failed_.empty())
      return Status::error(name + ": the communicator failed earlier: " +
                           failed_);
    if (!local)
      header.op = -1 - static_cast<int32_t>(header.op);
    std::vector<Header> theirs(size_t(size_), Header{});
    std::vector<MPI_Request> requests;
    std::vector<int> from;
    // The send buffer must outlive the send, which nothing waits for (a
    // peer may never receive it): a slot that is reused only many calls
    // later, long after a 32-byte message has left.
    Header &sent = outgoing_[header.call % outgoing_.size()];
    sent = header;
    for (int peer = 0; peer < size_; ++peer) {
      if (peer == rank_)
        continue;
      MPI_Request send, receive;
      MPI_Isend(&sent, sizeof(Header), MPI_BYTE, peer, kHeaderTag, comm_,
                &send);
      MPI_Request_free(&send);
      MPI_Irecv(&theirs[size_t(peer)], sizeof(Header), MPI_BYTE, peer,
                kHeaderTag, comm_, &receive);
      requests.push_back(receive);
      from.push_back(peer);
    }
    theirs[size_t(rank_)] = header;
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    std::vector<int> done(requests.size(), 0);
    while (true) {
      bool all = true;
      for (size_t i = 0; i < requests.size(); ++i) {
        if (!done[i])
          MPI_Test(&requests[i], &done[i], MPI_STATUS_IGNORE);
        all = all && done[i];
      }
      if (all)
        break;
      if (std::chrono::steady_clock::now() > deadline) {
        std::vector<int> missing;
        for (size_t i = 0; i < requests.size(); ++i)
          if (!done[i]) {
            missing.push_back(from[i]);
            MPI_Cancel(&requests[i]);
            MPI_Request_free(&requests[i]);
          }
        return fail(name + ": timed out after " +
                    std::to_string(timeout_.count()) + " ms; " +
                    rankList(missing) + " did not arrive");
      }
      std::this_thread::yield();
    }
    // Every rank holds the same headers and reaches the same verdict.
    const Header &h0 = theirs[0];
    auto disagree = [&](int r, const char *what, const std::string &a,
                        const std::string &b) {
      return fail(name + ": ranks disagree on " + what + ": rank 0 has " + a +
                  ", rank " + std::to_string(r) + " has " + b);
    };
    for (int r = 0; r < size_; ++r) {
      const Header &h = theirs[size_t(r)];
      if (h.op < 0 && h.kind == header.kind && h.call == header.call)
        return fail(name + ": rank " + std::to_string(r) +
                    " passed invalid arguments" +
                    (r == rank_ ? ": " + local.message() : ""));
      if (r == 0)
        continue;
      if (h.call != h0.call)
        return disagree(r, "the call number", "#" + std::to_string(h0.call),
                        "#" + std::to_string(h.call) +
                            " (a rank skipped or added a collective)");
      if (h.kind != h0.kind)
        return disagree(r, "the collective",
                        kindName(static_cast<Kind>(h0.kind)),
                        kindName(static_cast<Kind>(h.kind)));
      if (h.count != h0.count)
        return disagree(r, "the count", std::to_string(h0.count),
                        std::to_string(h.count));
      if (h.dtype != h0.dtype)
        return disagree(r, "the dtype",
                        dtypeName(static_cast<DType>(h0.dtype)),
                        dtypeName(static_cast<DType>(h.dtype)));
      bool reduces = h0.kind == uint32_t(Kind::AllReduce) ||
                     h0.kind == uint32_t(Kind::ReduceScatter);
      if (reduces && h.op != h0.op)
        return disagree(r, "the reduce op",
                        reduceOpName(static_cast<ReduceOp>(h0.op)),
                        reduceOpName(static_cast<ReduceOp>(h.op)));
      if (h0.kind == uint32_t(Kind::Broadcast) && h.root != h0.root)
        return disagree(r, "the root", std::to_string(h0.root),
                        std::to_string(h.root));
    }
    return Status::ok();
  }

  /// Polls `requests` until all complete or the deadline passes.
  Status wait(const Header &header, int code, MPI_Request *requests,
              int count) {
    std::string name = describe(header);
    if (code != MPI_SUCCESS)
      return fail(name + ": " + mpiError(code));
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (int finished = 0; !finished;) {
      if (int c = MPI_Testall(count, requests, &finished,
                              MPI_STATUSES_IGNORE))
        return fail(name + ": " + mpiError(c));
      if (!finished && std::chrono::steady_clock::now() > deadline)
        return fail(name + ": its data did not arrive within " +
                    std::to_string(timeout_.count()) +
                    " ms (a rank stopped after the rendezvous)");
      if (!finished)
        std::this_thread::yield();
    }
    return Status::ok();
  }

  Status waitPointToPoint(const std::string &what, int code,
                          MPI_Request *request) {
    if (code != MPI_SUCCESS)
      return fail(what + ": " + mpiError(code));
    auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (int finished = 0; !finished;) {
      if (int c = MPI_Test(request, &finished, MPI_STATUS_IGNORE))
        return fail(what + ": " + mpiError(c));
      if (!finished && std::chrono::steady_clock::now() > deadline)
        return fail(what + ": timed out after " +
                    std::to_string(timeout_.count()) + " ms");
      if (!finished)
        std::this_thread::yield();
    }
    return Status::ok();
  }

  /// Gathers every rank's `total` input elements and reduces, in rank
  /// order, the `count` elements from `offset` into `out`: one round, the
  /// fastest for small tensors, but each rank receives N-1 inputs whole.
  Status gatherAndReduce(const Header &header, const void *in, void *out,
                         size_t total, size_t count, size_t offset) {
    DType dtype = static_cast<DType>(header.dtype);
    size_t element = dtypeSize(dtype), bytes = total * element;
    std::vector<char> all(bytes * size_t(size_));
    MPI_Request request;
    int code = MPI_Iallgather(in, static_cast<int>(bytes), MPI_BYTE,
                              all.data(), static_cast<int>(bytes), MPI_BYTE,
                              comm_, &request);
    if (Status s = wait(header, code, &request, 1); !s)
      return s;
    std::vector<const void *> inputs;
    for (int r = 0; r < size_; ++r)
      inputs.push_back(all.data() + size_t(r) * bytes + offset * element);
    comm::reduceInto(dtype, static_cast<ReduceOp>(header.op), inputs, out,
                     count);
    return Status::ok();
  }

  /// Reduces `in` (`total` elements on every rank) in parts: rank r
  /// receives every rank's part r (an all-to-all) and reduces it in rank
  /// order. With `count` == `total` (allReduce: N near-equal parts) the
  /// reduced parts are then gathered into `out` on every rank; otherwise
  /// (reduceScatter: parts of `count`) part r is rank r's `out`. Each rank
  /// sends (N-1)/N of the bytes per phase, a ring's traffic, where
  /// gathering every input sent N-1 times the bytes; each element is still
  /// combined in rank order, once, so every rank holds the same bits as
  /// before.
  Status reduceInParts(const Header &header, const void *in, void *out,
                       size_t total, size_t count) {
    DType dtype = static_cast<DType>(header.dtype);
    size_t element = dtypeSize(dtype);
    bool whole = count == total;
    size_t ranks = size_t(size_);
    std::vector<int> partBytes(ranks), partStart(ranks);
    for (size_t r = 0; r < ranks; ++r) {
      size_t begin = whole ? total * r / ranks : count * r;
      size_t end = whole ? total * (r + 1) / ranks : count * (r + 1);
      partStart[r] = static_cast<int>(begin * element);
      partBytes[r] = static_cast<int>((end - begin) * element);
    }
    int mine = partBytes[size_t(rank_)];
    std::vector<char> received(size_t(mine) * ranks);
    std::vector<int> receivedBytes(ranks, mine), receivedStart(ranks);
    for (size_t r = 0; r < ranks; ++r)
      receivedStart[r] = static_cast<int>(r) * mine;
    MPI_Request request;
    int code = MPI_Ialltoallv(in, partBytes.data(), partStart.data(), MPI_BYTE,
                              received.data(), receivedBytes.data(),
                              receivedStart.data(), MPI_BYTE, comm_, &request);
    if (Status s = wait(header, code, &request, 1); !s)
      return s;
    std::vector<const void *> inputs;
    for (size_t r = 0; r < ranks; ++r)
      inputs.push_back(received.data() + r * size_t(mine));
    if (!whole) {
      comm::reduceInto(dtype, static_cast<ReduceOp>(header.op), inputs, out,
                       count);
      return Status::ok();
    }
    std::vector<char> reduced(static_cast<size_t>(mine));
    comm::reduceInto(dtype, static_cast<ReduceOp>(header.op), inputs,
                     reduced.data(), size_t(mine) / element);
    code = MPI_Iallgatherv(reduced.data(), mine, MPI_BYTE, out,
                           partBytes.data(), partStart.data(), MPI_BYTE, comm_,
                           &request);
    return wait(header, code, &request, 1);
  }

  /// Drops the buffered sends that have completed.
  void progressSends() {
    for (auto it = pendingSends_.begin(); it != pendingSends_.end();) {
      int done = 0;
      MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
      it = done ? pendingSends_.erase(it) : std::next(it);
    }
  }

  struct PendingSend {
    std::vector<char> bytes;
    MPI_Request request;
  };

  MPI_Comm comm_;
  std::chrono::milliseconds timeout_;
  std::list<PendingSend> pendingSends_;
  int rank_ = 0, size_ = 1;
  uint64_t calls_ = 0;
  std::array<Header, 64> outgoing_{};
  std::string failed_;
};

void finalizeAtExit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized)
    MPI_Finalize();
}

} // namespace

StatusOr<std::unique_ptr<Communicator>>
tcc::rt::createMpiCommunicator(std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0)
    return Status::error("the collective timeout must be positive");
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    if (int code = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED,
                                   &provided))
      return Status::error("MPI failed to start: " + mpiError(code));
    std::atexit(finalizeAtExit);
  }
  MPI_Comm comm;
  if (int code = MPI_Comm_dup(MPI_COMM_WORLD, &comm))
    return Status::error("MPI: " + mpiError(code));
  // Errors come back as codes, reported as Status, instead of aborting.
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  return std::unique_ptr<Communicator>(new MpiCommunicator(comm, timeout));
}

void tcc::rt::abortMpiJob(int code) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized)
    MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}
