//===- CommunicatorTest.cpp - Tests for the loopback communicators --------===//

#include "tcc/runtime/LoopbackCommunicator.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <gtest/gtest.h>
#include <thread>
#include <vector>

using namespace tcc::rt;
using namespace std::chrono_literals;

namespace {

using Comms = std::vector<std::unique_ptr<Communicator>>;

/// Runs body(comm) on one thread per rank; returns each rank's Status.
std::vector<Status> onRanks(Comms &comms,
                            const std::function<Status(Communicator &)> &body,
                            int skipRank = -1) {
  std::vector<Status> results(comms.size());
  std::vector<std::thread> threads;
  for (size_t r = 0; r < comms.size(); ++r)
    if (int(r) != skipRank)
      threads.emplace_back([&, r] { results[r] = body(*comms[r]); });
  for (std::thread &t : threads)
    t.join();
  return results;
}

void expectAllOk(const std::vector<Status> &results) {
  for (size_t r = 0; r < results.size(); ++r)
    EXPECT_TRUE(results[r].isOk()) << "rank " << r << ": "
                                   << results[r].message();
}

void expectAllError(const std::vector<Status> &results,
                    const std::string &needle) {
  for (size_t r = 0; r < results.size(); ++r) {
    ASSERT_FALSE(results[r].isOk()) << "rank " << r;
    EXPECT_NE(results[r].message().find(needle), std::string::npos)
        << "rank " << r << ": " << results[r].message();
  }
}

template <typename T> T input(int rank, size_t i) {
  return T(int64_t((rank * 7 + int64_t(i) * 3) % 11) - 5) +
         (std::is_floating_point_v<T> ? T(0.25) * T(rank) : T(0));
}

template <typename T> T serialReduce(ReduceOp op, int n, size_t i) {
  T acc = input<T>(0, i);
  for (int r = 1; r < n; ++r) {
    T v = input<T>(r, i);
    acc = op == ReduceOp::Max   ? (v > acc ? v : acc)
          : op == ReduceOp::Min ? (v < acc ? v : acc)
                                : T(acc + v);
  }
  return op == ReduceOp::Avg ? T(acc / T(n)) : acc;
}

template <typename T> void checkAllReduce(DType dtype, int n, ReduceOp op) {
  const size_t count = 37;
  Comms comms = createLoopbackGroup(n, 5000ms);
  std::vector<std::vector<T>> outs(n, std::vector<T>(count));
  expectAllOk(onRanks(comms, [&](Communicator &c) {
    std::vector<T> in(count);
    for (size_t i = 0; i < count; ++i)
      in[i] = input<T>(c.rank(), i);
    return c.allReduce(in.data(), outs[c.rank()].data(), count, dtype, op);
  }));
  for (int r = 0; r < n; ++r)
    for (size_t i = 0; i < count; ++i)
      ASSERT_EQ(outs[r][i], serialReduce<T>(op, n, i))
          << dtypeName(dtype) << " " << reduceOpName(op) << " n=" << n
          << " rank " << r << " i=" << i;
}

TEST(LoopbackCommunicator, AllReduceEveryOpAndDType) {
  for (int n : {1, 4})
    for (ReduceOp op :
         {ReduceOp::Sum, ReduceOp::Avg, ReduceOp::Max, ReduceOp::Min}) {
      checkAllReduce<double>(DType::F64, n, op);
      checkAllReduce<float>(DType::F32, n, op);
      checkAllReduce<int64_t>(DType::I64, n, op);
      checkAllReduce<int32_t>(DType::I32, n, op);
    }
}

TEST(LoopbackCommunicator, MaxMinPropagateNaN) {
  Comms comms = createLoopbackGroup(4, 5000ms);
  for (ReduceOp op : {ReduceOp::Max, ReduceOp::Min}) {
    std::vector<std::vector<float>> outs(4, std::vector<float>(2));
    expectAllOk(onRanks(comms, [&](Communicator &c) {
      float in[2] = {c.rank() == 2 ? NAN : 1.0f, float(c.rank())};
      return c.allReduce(in, outs[c.rank()].data(), 2, DType::F32, op);
    }));
    for (int r = 0; r < 4; ++r) {
      EXPECT_TRUE(std::isnan(outs[r][0])) << r;
      EXPECT_EQ(outs[r][1], op == ReduceOp::Max ? 3.0f : 0.0f);
    }
  }
}

TEST(LoopbackCommunicator, InPlaceAllReduceAndUnsupportedDType) {
  Comms comms = createLoopbackGroup(4, 5000ms);
  std::vector<std::vector<int32_t>> bufs(4, std::vector<int32_t>(3, 0));
  expectAllOk(onRanks(comms, [&](Communicator &c) {
    auto &b = bufs[c.rank()];
    b = {c.rank(), 1, -c.rank()};
    return c.allReduce(b.data(), b.data(), 3, DType::I32, ReduceOp::Sum);
  }));
  for (auto &b : bufs)
    EXPECT_EQ(b, (std::vector<int32_t>{6, 4, -6}));
  expectAllError(onRanks(comms,
                         [&](Communicator &c) {
                           uint16_t h[2] = {0, 0};
                           return c.allReduce(h, h, 2, DType::F16,
                                              ReduceOp::Sum);
                         }),
                 "reduction over f16 is not supported yet");
}

TEST(LoopbackCommunicator, AllGatherReduceScatterBroadcast) {
  for (int n : {1, 4}) {
    Comms comms = createLoopbackGroup(n, 5000ms);
    std::vector<std::vector<int64_t>> gathered(n), scattered(n), bcast(n);
    expectAllOk(onRanks(comms, [&](Communicator &c) {
      int r = c.rank();
      int64_t mine[2] = {10 * r, 10 * r + 1};
      gathered[r].assign(2 * n, -1);
      if (Status s = c.allGather(mine, gathered[r].data(), 2, DType::I64); !s)
        return s;
      std::vector<int64_t> in(3 * n);
      for (size_t i = 0; i < in.size(); ++i)
        in[i] = int64_t(i) * (r + 1);
      scattered[r].assign(3, -1);
      if (Status s = c.reduceScatter(in.data(), scattered[r].data(), 3,
                                     DType::I64, ReduceOp::Sum);
          !s)
        return s;
      bcast[r] = {r == n - 1 ? 42 : r, r == n - 1 ? 43 : r};
      return c.broadcast(bcast[r].data(), 2, DType::I64, n - 1);
    }));
    int64_t rankSum = int64_t(n) * (n + 1) / 2; // sum of (r + 1)
    for (int r = 0; r < n; ++r) {
      for (int q = 0; q < n; ++q) {
        EXPECT_EQ(gathered[r][2 * q], 10 * q);
        EXPECT_EQ(gathered[r][2 * q + 1], 10 * q + 1);
      }
      for (int i = 0; i < 3; ++i)
        EXPECT_EQ(scattered[r][i], (3 * r + i) * rankSum);
      EXPECT_EQ(bcast[r], (std::vector<int64_t>{42, 43}));
    }
  }
}

TEST(LoopbackCommunicator, SendRecvRingWithTags) {
  const int n = 4;
  Comms comms = createLoopbackGroup(n, 5000ms);
  std::vector<std::vector<int32_t>> got(n, std::vector<int32_t>(4, 0));
  expectAllOk(onRanks(comms, [&](Communicator &c) {
    int r = c.rank(), next = (r + 1) % n, prev = (r + n - 1) % n;
    int32_t a[2] = {r, 100}, b[2] = {r, 200};
    // Sent in tag order 2, 1; received in 1, 2: matching is by tag.
    if (Status s = c.send(b, sizeof b, next, 2); !s)
      return s;
    if (Status s = c.send(a, sizeof a, next, 1); !s)
      return s;
    if (Status s = c.recv(got[r].data(), 8, prev, 1); !s)
      return s;
    return c.recv(got[r].data() + 2, 8, prev, 2);
  }));
  for (int r = 0; r < n; ++r) {
    int prev = (r + n - 1) % n;
    EXPECT_EQ(got[r], (std::vector<int32_t>{prev, 100, prev, 200}));
  }
}

TEST(LoopbackCommunicator, MismatchedCountsFailEveryRank) {
  Comms comms = createLoopbackGroup(4, 5000ms);
  expectAllError(onRanks(comms,
                         [&](Communicator &c) {
                           std::vector<float> in(8, 1.0f), out(8);
                           size_t count = c.rank() == 2 ? 5 : 4;
                           return c.allReduce(in.data(), out.data(), count,
                                              DType::F32, ReduceOp::Sum);
                         }),
                 "allReduce: ranks disagree on the count: rank 0 has 4, "
                 "rank 2 has 5");
  // The group stays usable after a detected mismatch.
  expectAllOk(onRanks(comms, [&](Communicator &c) {
    double x = 1;
    return c.broadcast(&x, 1, DType::F64, 0);
  }));
}

TEST(LoopbackCommunicator, MissingRankTimesOut) {
  Comms comms = createLoopbackGroup(4, 200ms);
  std::vector<Status> results = onRanks(
      comms,
      [&](Communicator &c) {
        float x = 1, y = 0;
        return c.allReduce(&x, &y, 1, DType::F32, ReduceOp::Sum);
      },
      /*skipRank=*/3);
  results.pop_back();
  expectAllError(results, "rank 3 did not arrive");
  expectAllError(results, "allReduce");
  // The group is failed: the latecomer errors at once, with the group's
  // failure rather than a timeout of its own (no wall-clock assertion, so a
  // loaded machine cannot make this flaky).
  float x = 1, y = 0;
  Status late = comms[3]->allReduce(&x, &y, 1, DType::F32, ReduceOp::Sum);
  ASSERT_FALSE(late.isOk());
  EXPECT_NE(late.message().find("has failed"), std::string::npos)
      << late.message();
}

TEST(LoopbackCommunicator, ArgumentErrors) {
  EXPECT_TRUE(createLoopbackGroup(0, 100ms).empty());
  EXPECT_TRUE(createLoopbackGroup(2, 0ms).empty());
  Comms one = createLoopbackGroup(1, 200ms);
  Communicator &c = *one[0];
  EXPECT_EQ(c.rank(), 0);
  EXPECT_EQ(c.size(), 1);
  float f[4] = {1, 2, 3, 4};
  Status s = c.allReduce(nullptr, f, 4, DType::F32, ReduceOp::Sum);
  EXPECT_EQ(s.message(),
            "allReduce: rank 0: input buffer is null with count 4");
  EXPECT_TRUE(c.allReduce(nullptr, nullptr, 0, DType::F32, ReduceOp::Sum));
  s = c.broadcast(f, 4, DType::F32, 1);
  EXPECT_EQ(s.message(), "broadcast: rank 0: root 1 is out of range [0, 1)");
  s = c.send(f, 16, -1, 0);
  EXPECT_EQ(s.message(), "send on rank 0: peer -1 is out of range [0, 1)");
  s = c.recv(nullptr, 16, 0, 0);
  EXPECT_EQ(s.message(), "recv on rank 0: buffer is null with 16 bytes");
  // A message of the wrong size is an error on the receiver.
  EXPECT_TRUE(c.send(f, 8, 0, 5));
  s = c.recv(f, 16, 0, 5);
  EXPECT_EQ(s.message(), "recv on rank 0: the message from rank 0 with tag 5 "
                         "has 8 bytes, expected 16");
  // Bad arguments on one rank fail the collective on all of them.
  Comms four = createLoopbackGroup(4, 5000ms);
  expectAllError(onRanks(four,
                         [&](Communicator &q) {
                           float in[2] = {1, 2}, out[4];
                           return q.allGather(q.rank() == 2 ? nullptr : in,
                                              out, 1, DType::F32);
                         }),
                 "allGather: rank 2: input buffer is null with count 1");
  // recv with no sender times out and names the peer and tag.
  s = c.recv(f, 4, 0, 9);
  EXPECT_EQ(s.message(), "recv on rank 0 from rank 0 (tag 9): timed out "
                         "after 200 ms; no message arrived");
}

} // namespace
