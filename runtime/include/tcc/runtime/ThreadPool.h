//===- ThreadPool.h - A fixed pool for parallel loops -----------*- C++ -*-===//
//
// The runtime's CPU parallelism: a fixed set of worker threads and a
// parallelFor that splits a range into chunks run by the workers and the
// calling thread together. No work stealing; chunks are taken in order from
// a shared counter.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_THREADPOOL_H
#define TCC_RUNTIME_THREADPOOL_H

#include "tcc/runtime/Status.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tcc::rt {

class ThreadPool {
public:
  /// A pool running parallelFor on `threads` threads in all: the caller and
  /// threads-1 workers. 0 means std::thread::hardware_concurrency() (or 1
  /// when that is unknown). With -fno-exceptions, failing to start a thread
  /// terminates the process; the pool is created once, at startup.
  explicit ThreadPool(unsigned threads = 0);
  /// Joins the workers. No parallelFor may be running.
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// Threads parallelFor uses, the caller included.
  unsigned size() const { return unsigned(workers_.size()) + 1; }

  using Body = std::function<Status(int64_t begin, int64_t end)>;

  /// Runs body(begin, end) over chunks of [0, n) of `grain` iterations each
  /// (the last may be shorter), on the workers and the calling thread, and
  /// returns when all have finished. Every chunk runs even when some fail;
  /// the result is the error of the failing chunk that starts lowest, so it
  /// does not depend on scheduling. n <= 0 runs nothing; grain < 1 is an
  /// error.
  ///
  /// Nested use — parallelFor called from inside a body, on this pool or
  /// another — runs the inner loop serially on the calling thread, chunk by
  /// chunk, so it cannot deadlock. Several threads may call parallelFor on
  /// one pool at once; their chunks share the workers.
  Status parallelFor(int64_t n, int64_t grain, const Body &body);

private:
  void workerLoop();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
};

} // namespace tcc::rt

#endif // TCC_RUNTIME_THREADPOOL_H
