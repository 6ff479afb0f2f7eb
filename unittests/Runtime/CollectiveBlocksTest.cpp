//===- CollectiveBlocksTest.cpp - gathers and scatters along inner dims ---===//
//
// The strided copies that turn a communicator's contiguous per-rank chunks
// into a tensor split along dimension d (and back) are shared by the CPU
// executor (memcpy) and the CUDA one (cuMemcpy2DAsync). They are checked
// here against concatenation and slicing written with index arithmetic.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/src/exec/CollectiveGroups.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace tcc::rt;

namespace {

/// Row-major strides of `shape`.
std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * shape[d];
  return strides;
}

int64_t numElements(const std::vector<int64_t> &shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t(1),
                         std::multiplies<>());
}

/// Element `index` of the tensor `whole` split along `dim` into `ranks`
/// blocks: which block, and the element's index inside it.
std::pair<int64_t, int64_t> blockOf(const std::vector<int64_t> &whole,
                                    int64_t dim, int64_t ranks, int64_t index) {
  std::vector<int64_t> block = whole;
  block[size_t(dim)] /= ranks;
  std::vector<int64_t> wholeStrides = stridesOf(whole),
                       blockStrides = stridesOf(block);
  int64_t owner = 0, inner = 0;
  for (size_t d = 0; d < whole.size(); ++d) {
    int64_t coordinate = index / wholeStrides[d] % whole[d];
    if (int64_t(d) == dim) {
      owner = coordinate / block[d];
      coordinate %= block[d];
    }
    inner += coordinate * blockStrides[d];
  }
  return {owner, inner};
}

struct Split {
  std::vector<int64_t> whole;
  int64_t dim, ranks;
};

class CollectiveBlocksTest : public testing::TestWithParam<Split> {};

TEST_P(CollectiveBlocksTest, GatherScatterAndSliceMatchIndexArithmetic) {
  const Split &split = GetParam();
  int64_t total = numElements(split.whole);
  int64_t perRank = total / split.ranks;
  // Rank r's block holds values 1000 r + i.
  std::vector<int32_t> chunks(static_cast<size_t>(total));
  for (int64_t r = 0; r < split.ranks; ++r)
    for (int64_t i = 0; i < perRank; ++i)
      chunks[size_t(r * perRank + i)] = int32_t(1000 * r + i);
  std::vector<int32_t> whole(static_cast<size_t>(total));
  for (int64_t i = 0; i < total; ++i) {
    auto [owner, inner] = blockOf(split.whole, split.dim, split.ranks, i);
    whole[size_t(i)] = int32_t(1000 * owner + inner);
  }

  CollectiveCommand cc;
  cc.dtype = DType::I32;
  cc.dim = split.dim;
  // all_gather: the operand is one rank's block; the communicator returns
  // the blocks one after another.
  cc.kind = CollectiveCommand::Kind::AllGather;
  cc.shape = split.whole;
  cc.shape[size_t(split.dim)] /= split.ranks;
  BlockLayout gather = blockLayoutOf(cc, size_t(split.ranks));
  std::vector<int32_t> gathered(size_t(total), -1);
  if (gather.contiguous())
    gathered = chunks;
  else
    copyOnHost(gather.gatheredToTensor(), chunks.data(), gathered.data());
  EXPECT_EQ(gathered, whole);

  // reduce_scatter: the operand is the whole tensor; the communicator
  // takes the blocks one after another.
  cc.kind = CollectiveCommand::Kind::ReduceScatter;
  cc.shape = split.whole;
  BlockLayout scatter = blockLayoutOf(cc, size_t(split.ranks));
  EXPECT_EQ(scatter.contiguous(), gather.contiguous());
  std::vector<int32_t> scattered(size_t(total), -1);
  if (scatter.contiguous())
    scattered = whole;
  else
    copyOnHost(scatter.tensorToScattered(), whole.data(), scattered.data());
  EXPECT_EQ(scattered, chunks);

  // all_slice: each rank packs its own block.
  cc.kind = CollectiveCommand::Kind::AllSlice;
  BlockLayout slice = blockLayoutOf(cc, size_t(split.ranks));
  for (int64_t r = 0; r < split.ranks; ++r) {
    std::vector<int32_t> mine(size_t(perRank), -1);
    copyOnHost({slice.slice(size_t(r))}, whole.data(), mine.data());
    EXPECT_TRUE(
        std::equal(mine.begin(), mine.end(), chunks.begin() + r * perRank))
        << "rank " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Splits, CollectiveBlocksTest,
    testing::Values(Split{{8}, 0, 4}, Split{{6, 5}, 0, 3}, Split{{5, 6}, 1, 3},
                    Split{{2, 3, 8}, 2, 4}, Split{{2, 4, 3}, 1, 2},
                    Split{{3, 1, 2, 4}, 3, 2}, Split{{1, 6, 2}, 1, 6}));

TEST(CollectiveBlocks, EmptyTensorsMoveNothing) {
  CollectiveCommand cc;
  cc.kind = CollectiveCommand::Kind::ReduceScatter;
  cc.dtype = DType::F32;
  cc.shape = {0, 4};
  cc.dim = 1;
  BlockLayout blocks = blockLayoutOf(cc, 2);
  EXPECT_EQ(blocks.outer, 0u);
  for (const StridedCopy &copy : blocks.tensorToScattered())
    EXPECT_EQ(copy.height * copy.width, 0u);
}

} // namespace
