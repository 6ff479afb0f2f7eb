//===- ThreadPool.cpp - A fixed pool for parallel loops -------------------===//

#include "tcc/runtime/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <memory>

using namespace tcc::rt;

namespace {

/// Set while this thread runs a parallelFor body.
thread_local bool insideParallelFor = false;

/// One parallelFor call, shared with the helper tasks it queued.
struct Loop {
  Loop(int64_t n, int64_t grain, const ThreadPool::Body &body, int64_t helpers)
      : n(n), grain(grain), chunks(n / grain + (n % grain != 0)), body(body),
        helpersLeft(helpers) {}

  /// Takes chunks until none are left.
  void run() {
    bool saved = insideParallelFor;
    insideParallelFor = true;
    for (int64_t c; (c = next.fetch_add(1)) < chunks;) {
      int64_t begin = c * grain;
      int64_t end = n - begin > grain ? begin + grain : n;
      Status s = body(begin, end);
      if (!s) {
        std::lock_guard<std::mutex> lock(mutex);
        if (firstError.isOk() || begin < firstErrorBegin) {
          firstError = std::move(s);
          firstErrorBegin = begin;
        }
      }
    }
    insideParallelFor = saved;
  }

  const int64_t n, grain, chunks;
  const ThreadPool::Body &body;
  std::atomic<int64_t> next{0};

  std::mutex mutex;
  std::condition_variable done;
  int64_t helpersLeft;
  Status firstError;
  int64_t firstErrorBegin = 0;
};

} // namespace

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  workers_.reserve(threads - 1);
  for (unsigned i = 1; i < threads; ++i)
    workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread &worker : workers_)
    worker.join();
}

void ThreadPool::workerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty())
        return; // stopping_, and nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

Status ThreadPool::parallelFor(int64_t n, int64_t grain, const Body &body) {
  if (grain < 1)
    return Status::error("parallelFor: grain must be at least 1, not " +
                         std::to_string(grain));
  if (n <= 0)
    return Status::ok();
  if (!body)
    return Status::error("parallelFor: empty body");

  int64_t chunks = n / grain + (n % grain != 0);
  // Nested loops and single chunks run here; the caller takes one chunk
  // stream itself, the workers help with the rest.
  int64_t helpers =
      insideParallelFor
          ? 0
          : std::min<int64_t>(chunks - 1, int64_t(workers_.size()));
  Loop loop(n, grain, body, helpers);
  if (helpers > 0) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (int64_t i = 0; i < helpers; ++i)
        tasks_.emplace_back([&loop] {
          loop.run();
          std::lock_guard<std::mutex> lock(loop.mutex);
          if (--loop.helpersLeft == 0)
            loop.done.notify_one();
        });
    }
    wake_.notify_all();
  }
  loop.run();
  // The helpers reference `loop`, so wait for every one of them, even those
  // that start after the caller took the last chunk.
  std::unique_lock<std::mutex> lock(loop.mutex);
  loop.done.wait(lock, [&loop] { return loop.helpersLeft == 0; });
  return loop.firstError;
}
