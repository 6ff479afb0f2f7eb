//===- CollectiveWaitsTest.cpp - what waits for an overlapped collective --===//
//
// With --overlap-collectives a command waits for the last earlier
// collective whose memory it touches: reads of its result, writes over its
// operand (the arena reuses memory), and the program's own arrays.
//
//===----------------------------------------------------------------------===//

#include "CollectiveQueue.h"

#include <gtest/gtest.h>

using namespace tcc::rt;

namespace {

BufferRef buffer(int64_t i) { return {BufferRef::Kind::Buffer, i}; }

Command kernel(std::vector<BufferRef> args) {
  Command c;
  c.kind = Command::Kind::Kernel;
  c.kernel.args = std::move(args);
  return c;
}

Command allReduce(BufferRef in, BufferRef out) {
  Command c;
  c.kind = Command::Kind::Collective;
  c.collective.in = in;
  c.collective.out = out;
  return c;
}

TEST(CollectiveWaits, CommandsWaitForTheCollectivesTheyTouch) {
  Plan plan;
  plan.inputs = {TensorSpec{"x", "input", DType::F32, {16}, {}}};
  plan.outputs = {TensorSpec{"y", "output", DType::F32, {16}, {}}};
  // Buffers 0..3 of 64 bytes; buffer 4 reuses buffer 0's bytes.
  for (int64_t offset : {0, 64, 128, 192})
    plan.buffers.push_back({offset, 64});
  plan.buffers.push_back({0, 64});
  plan.commands = {
      kernel({buffer(0)}),                   // 0: produces the bucket
      allReduce(buffer(0), buffer(1)),       // 1: collective #1
      kernel({buffer(2)}),                   // 2: unrelated: no wait
      allReduce(buffer(2), buffer(3)),       // 3: collective #2: no wait
      kernel({buffer(4)}),                   // 4: overwrites #1's operand
      kernel({{BufferRef::Kind::Input, 0}}), // 5: the program's input
      kernel({buffer(3), {BufferRef::Kind::Output, 0}}), // 6: reads #2
  };
  std::vector<int64_t> waits = cpu::collectiveWaits(plan);
  EXPECT_EQ(waits, (std::vector<int64_t>{0, 0, 0, 0, 1, 0, 2}));
}

TEST(CollectiveWaits, MatmulsAndCopiesCountTheirOperands) {
  Plan plan;
  for (int64_t offset : {0, 64, 128})
    plan.buffers.push_back({offset, 64});
  Command matmul;
  matmul.kind = Command::Kind::Matmul;
  matmul.matmul.lhs = buffer(2);
  matmul.matmul.rhs = buffer(2);
  matmul.matmul.out = buffer(2);
  matmul.matmul.hasBias = true;
  matmul.matmul.bias = buffer(1); // the collective's result
  Command copy;
  copy.kind = Command::Kind::Copy;
  copy.copy = {buffer(2), buffer(0), 64}; // over its operand
  plan.commands = {allReduce(buffer(0), buffer(1)), matmul, copy};
  EXPECT_EQ(cpu::collectiveWaits(plan), (std::vector<int64_t>{0, 1, 1}));
}

} // namespace
