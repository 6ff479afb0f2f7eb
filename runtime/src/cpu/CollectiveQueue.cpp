//===- CollectiveQueue.cpp - collectives that overlap computation ---------===//

#include "CollectiveQueue.h"

#include <algorithm>

using namespace tcc::rt;
using namespace tcc::rt::cpu;

namespace {

/// Bytes [begin, end) of one allocation: a program input, an output, or
/// the arena (inputs and outputs are distinct arrays).
struct Range {
  BufferRef::Kind kind;
  int64_t index;
  int64_t begin, end;

  bool overlaps(const Range &other) const {
    if (kind != other.kind)
      return false;
    if (kind != BufferRef::Kind::Buffer && index != other.index)
      return false;
    return begin < other.end && other.begin < end;
  }
};

Range rangeOf(const Plan &plan, const BufferRef &ref) {
  if (ref.kind != BufferRef::Kind::Buffer)
    return {ref.kind, ref.index, 0, plan.bytesOf(ref)};
  const ArenaBuffer &buffer = plan.buffers[size_t(ref.index)];
  return {ref.kind, 0, buffer.offset, buffer.offset + buffer.bytes};
}

/// What `command` reads or writes.
std::vector<Range> rangesOf(const Plan &plan, const Command &command) {
  std::vector<BufferRef> refs;
  switch (command.kind) {
  case Command::Kind::Kernel:
    refs = command.kernel.args;
    break;
  case Command::Kind::Matmul:
    refs = {command.matmul.lhs, command.matmul.rhs, command.matmul.out};
    if (command.matmul.hasBias)
      refs.push_back(command.matmul.bias);
    break;
  case Command::Kind::Copy:
    refs = {command.copy.from, command.copy.to};
    break;
  case Command::Kind::Collective:
    refs = {command.collective.in, command.collective.out};
    break;
  }
  std::vector<Range> ranges;
  for (const BufferRef &ref : refs)
    ranges.push_back(rangeOf(plan, ref));
  return ranges;
}

} // namespace

std::vector<int64_t> cpu::collectiveWaits(const Plan &plan) {
  std::vector<int64_t> waits(plan.commands.size(), 0);
  std::vector<std::vector<Range>> pending; // per collective, in plan order
  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const Command &command = plan.commands[c];
    std::vector<Range> ranges = rangesOf(plan, command);
    if (command.kind == Command::Kind::Collective) {
      // The queue runs collectives in order: no wait for earlier ones.
      pending.push_back(std::move(ranges));
      continue;
    }
    for (size_t k = pending.size(); k-- > 0;) {
      bool touches = false;
      for (const Range &mine : ranges)
        for (const Range &theirs : pending[k])
          touches |= mine.overlaps(theirs);
      if (touches) {
        waits[c] = int64_t(k) + 1;
        break;
      }
    }
  }
  return waits;
}

CollectiveQueue::CollectiveQueue(CollectiveRunner &runner)
    : runner_(runner), thread_([this] { work(); }) {}

CollectiveQueue::~CollectiveQueue() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void CollectiveQueue::submit(const CollectiveCommand &command,
                             std::string label, const void *in, void *out) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back({&command, std::move(label), in, out});
    ++submitted_;
  }
  changed_.notify_all();
}

void CollectiveQueue::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty())
        return; // stopping, nothing left
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Status ran = runner_.run(*job.command, job.in, job.out);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!ran && error_)
        error_ = ran.withContext(job.label);
      ++completed_;
    }
    changed_.notify_all();
  }
}

Status CollectiveQueue::waitFor(int64_t count) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return completed_ >= count; });
  return error_;
}

Status CollectiveQueue::drain() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return completed_ >= submitted_; });
  Status result = error_;
  error_ = Status::ok();
  submitted_ = completed_ = 0;
  return result;
}
