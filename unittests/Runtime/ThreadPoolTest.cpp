//===- ThreadPoolTest.cpp - Tests for the runtime thread pool -------------===//

#include "tcc/runtime/ThreadPool.h"

#include <atomic>
#include <gtest/gtest.h>
#include <mutex>
#include <set>
#include <vector>

using namespace tcc::rt;

namespace {

/// Sums 0..n-1 with parallelFor and checks every index ran exactly once.
void checkSum(ThreadPool &pool, int64_t n, int64_t grain) {
  std::vector<std::atomic<int>> hits(size_t(n > 0 ? n : 0));
  std::atomic<int64_t> sum{0};
  Status s = pool.parallelFor(n, grain, [&](int64_t begin, int64_t end) {
    EXPECT_LT(begin, end);
    EXPECT_LE(end - begin, grain);
    int64_t local = 0;
    for (int64_t i = begin; i < end; ++i) {
      local += i;
      hits[size_t(i)].fetch_add(1);
    }
    sum += local;
    return Status::ok();
  });
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(sum.load(), n > 0 ? n * (n - 1) / 2 : 0) << n << "/" << grain;
  for (int64_t i = 0; i < n; ++i)
    EXPECT_EQ(hits[size_t(i)].load(), 1) << i;
}

TEST(ThreadPool, Sizes) {
  EXPECT_EQ(ThreadPool(1).size(), 1u);
  EXPECT_EQ(ThreadPool(4).size(), 4u);
  EXPECT_GE(ThreadPool().size(), 1u);
}

TEST(ThreadPool, Sums) {
  for (unsigned threads : {1u, 2u, 4u, 8u}) {
    ThreadPool pool(threads);
    for (int64_t n : {1, 7, 100, 1000, 100003})
      for (int64_t grain : {1, 3, 64, 1000})
        checkSum(pool, n, grain);
  }
}

TEST(ThreadPool, EmptyAndSmallRanges) {
  ThreadPool pool(4);
  int calls = 0;
  auto count = [&](int64_t, int64_t) {
    ++calls;
    return Status::ok();
  };
  EXPECT_TRUE(pool.parallelFor(0, 10, count).isOk());
  EXPECT_TRUE(pool.parallelFor(-5, 10, count).isOk());
  EXPECT_EQ(calls, 0);
  // n < grain: one chunk, on the calling thread.
  std::thread::id caller = std::this_thread::get_id(), ran;
  EXPECT_TRUE(pool.parallelFor(5, 10, [&](int64_t begin, int64_t end) {
                    ++calls;
                    ran = std::this_thread::get_id();
                    EXPECT_EQ(begin, 0);
                    EXPECT_EQ(end, 5);
                    return Status::ok();
                  }).isOk());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(ran, caller);
  // A huge grain does not overflow.
  checkSum(pool, 10, INT64_MAX);
}

TEST(ThreadPool, BadArguments) {
  ThreadPool pool(2);
  Status s = pool.parallelFor(10, 0, [](int64_t, int64_t) {
    return Status::ok();
  });
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.message(), "parallelFor: grain must be at least 1, not 0");
  EXPECT_FALSE(pool.parallelFor(10, 1, ThreadPool::Body()).isOk());
}

TEST(ThreadPool, ErrorsPropagateAndOthersFinish) {
  ThreadPool pool(4);
  for (int repeat = 0; repeat < 20; ++repeat) {
    std::atomic<int> ran{0};
    Status s = pool.parallelFor(100, 1, [&](int64_t begin, int64_t) {
      ++ran;
      if (begin % 10 == 7)
        return Status::error("chunk " + std::to_string(begin) + " failed");
      return Status::ok();
    });
    ASSERT_FALSE(s.isOk());
    // The lowest failing chunk, whatever the scheduling.
    EXPECT_EQ(s.message(), "chunk 7 failed");
    EXPECT_EQ(ran.load(), 100);
  }
  // The pool is still usable afterwards.
  checkSum(pool, 1000, 7);
}

TEST(ThreadPool, UsesSeveralThreads) {
  ThreadPool pool(4);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::atomic<int> waiting{0};
  // Each chunk waits (briefly) for others to start, so helpers get work.
  Status s = pool.parallelFor(4, 1, [&](int64_t, int64_t) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      threads.insert(std::this_thread::get_id());
    }
    ++waiting;
    for (int spin = 0; spin < 2000 && waiting.load() < 2; ++spin)
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    return Status::ok();
  });
  EXPECT_TRUE(s.isOk());
  EXPECT_GE(threads.size(), 2u);
}

TEST(ThreadPool, NestedUseRunsSerially) {
  ThreadPool pool(4);
  std::atomic<int64_t> sum{0};
  Status s = pool.parallelFor(8, 1, [&](int64_t outer, int64_t) {
    std::thread::id self = std::this_thread::get_id();
    return pool.parallelFor(100, 10, [&, self](int64_t begin, int64_t end) {
      EXPECT_EQ(std::this_thread::get_id(), self);
      for (int64_t i = begin; i < end; ++i)
        sum += outer * 100 + i;
      return Status::ok();
    });
  });
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(sum.load(), 800 * 799 / 2);
}

TEST(ThreadPool, ConcurrentCallersShareThePool) {
  ThreadPool pool(3);
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&pool] { checkSum(pool, 5000, 13); });
  for (std::thread &caller : callers)
    caller.join();
}

TEST(ThreadPool, DestroyIdleAndUsedPools) {
  for (int i = 0; i < 20; ++i) {
    ThreadPool idle(4);
    ThreadPool used(4);
    checkSum(used, 100, 1);
  }
}

} // namespace
