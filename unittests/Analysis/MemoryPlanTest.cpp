//===- MemoryPlanTest.cpp - buffer placement ------------------------------===//

#include "tcc/Analysis/MemoryPlan.h"

#include "gtest/gtest.h"

#include <random>

using namespace mlir::tcc;

namespace {

/// Checks that buffers live at the same time never share a byte, and that
/// every offset is aligned.
void expectValid(llvm::ArrayRef<BufferRequest> requests,
                 llvm::ArrayRef<int64_t> offsets, int64_t alignment) {
  ASSERT_EQ(requests.size(), offsets.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(offsets[i] % alignment, 0);
    for (size_t j = i + 1; j < requests.size(); ++j) {
      bool liveTogether = requests[i].start <= requests[j].end &&
                          requests[j].start <= requests[i].end;
      bool overlap = offsets[i] < offsets[j] + requests[j].bytes &&
                     offsets[j] < offsets[i] + requests[i].bytes;
      EXPECT_FALSE(liveTogether && overlap)
          << "buffers " << i << " and " << j << " collide";
    }
  }
}

TEST(MemoryPlan, DisjointLifetimesShareMemory) {
  std::vector<BufferRequest> requests = {{256, 0, 1}, {256, 2, 3}, {256, 4, 5}};
  auto offsets = placeBuffers(requests, 64);
  expectValid(requests, offsets, 64);
  EXPECT_EQ(offsets, (llvm::SmallVector<int64_t>{0, 0, 0}));
}

TEST(MemoryPlan, OverlappingLifetimesStack) {
  std::vector<BufferRequest> requests = {{100, 0, 5}, {200, 1, 3}, {50, 2, 4}};
  auto offsets = placeBuffers(requests, 64);
  expectValid(requests, offsets, 64);
  // Largest first at 0, then aligned above it.
  EXPECT_EQ(offsets[1], 0);
  EXPECT_EQ(offsets[0], 256);
  EXPECT_EQ(offsets[2], 384);
}

TEST(MemoryPlan, RandomPlansAreValidAndNearTheLowerBound) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferRequest> requests;
    int n = 1 + rng() % 40;
    for (int i = 0; i < n; ++i) {
      unsigned start = rng() % 50, length = rng() % 10;
      requests.push_back({int64_t(64 * (1 + rng() % 64)), start,
                          start + length});
    }
    auto offsets = placeBuffers(requests, 64);
    expectValid(requests, offsets, 64);
    int64_t peak = 0, bound = 0;
    for (size_t i = 0; i < requests.size(); ++i)
      peak = std::max(peak, offsets[i] + requests[i].bytes);
    for (unsigned at = 0; at < 60; ++at) {
      int64_t live = 0;
      for (const BufferRequest &r : requests)
        live += (r.start <= at && at <= r.end) ? r.bytes : 0;
      bound = std::max(bound, live);
    }
    EXPECT_GE(peak, bound);
    // Greedy-by-size is not optimal in general, but stays close here.
    EXPECT_LE(peak, 2 * bound) << "trial " << trial;
  }
}

} // namespace
