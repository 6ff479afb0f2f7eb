//===- ShapeInferenceTest.cpp - the tcc shape library ---------------------===//

#include "tcc/Dialect/Tcc/IR/ShapeInference.h"

#include "gtest/gtest.h"

#include <string>

using namespace mlir;
using namespace mlir::tcc::shape;

namespace {

/// Collects the library's error messages.
struct Errors {
  std::string text;
  void operator()(const llvm::Twine &message) { text += message.str(); }
};

TEST(ShapeInference, BroadcastFollowsNumpy) {
  Errors e;
  EXPECT_EQ(*broadcastShapes({8, 1, 6, 1}, {7, 1, 5}, e),
            Shape({8, 7, 6, 5}));
  EXPECT_EQ(*broadcastShapes({}, {3}, e), Shape({3}));
  EXPECT_TRUE(failed(broadcastShapes({2, 3}, {4, 3}, e)));
  EXPECT_NE(e.text.find("not broadcast-compatible"), std::string::npos);
  EXPECT_TRUE(succeeded(checkBroadcastTo({3, 1}, {2, 3, 4}, e)));
  EXPECT_TRUE(failed(checkBroadcastTo({3, 2}, {3, 4}, e)));
}

TEST(ShapeInference, MatmulBroadcastsBatchAndTransposes) {
  Errors e;
  EXPECT_EQ(*matmulShape({4, 8, 16}, {16, 32}, false, false, e),
            Shape({4, 8, 32}));
  EXPECT_EQ(*matmulShape({2, 1, 8, 16}, {3, 32, 16}, false, true, e),
            Shape({2, 3, 8, 32}));
  EXPECT_EQ(*matmulShape({16, 8}, {16, 32}, true, false, e),
            Shape({8, 32}));
  EXPECT_TRUE(failed(matmulShape({8, 16}, {15, 4}, false, false, e)));
  EXPECT_NE(e.text.find("contraction dimensions differ"), std::string::npos);
  EXPECT_TRUE(failed(matmulShape({8}, {8, 4}, false, false, e)));
}

TEST(ShapeInference, ConvMatchesPyTorch) {
  Errors e;
  int64_t stride[] = {2, 2}, pad[] = {3, 3, 3, 3}, dil[] = {1, 1};
  // torchvision ResNet's stem: 7x7 stride 2 padding 3 on 224x224.
  EXPECT_EQ(*conv2dShape({1, 3, 224, 224}, {64, 3, 7, 7}, std::nullopt,
                         {stride, pad, dil, 1}, e),
            Shape({1, 64, 112, 112}));
  int64_t one[] = {1, 1}, nopad[] = {0, 0, 0, 0}, two[] = {2, 2};
  EXPECT_EQ(*conv2dShape({2, 8, 10, 10}, {16, 2, 3, 3}, std::nullopt,
                         {one, nopad, two, 4}, e),
            Shape({2, 16, 6, 6}));
  EXPECT_TRUE(failed(conv2dShape({2, 8, 10, 10}, {16, 3, 3, 3}, std::nullopt,
                                 {one, nopad, one, 4}, e)));
}

TEST(ShapeInference, PoolingCeilModeRule) {
  // PyTorch: MaxPool2d(3, 2, padding=1) on 112 -> 56; ceil_mode on 5 with
  // kernel 2 stride 2 -> 3; a last window starting in the padding is dropped.
  EXPECT_EQ(pooledSize(112, 3, 2, 1, 1, 1, false), 56);
  EXPECT_EQ(pooledSize(5, 2, 2, 0, 0, 1, true), 3);
  EXPECT_EQ(pooledSize(5, 2, 2, 0, 0, 1, false), 2);
  EXPECT_EQ(pooledSize(6, 3, 3, 1, 1, 1, true), 3);
}

TEST(ShapeInference, ReduceAndSliceAndConcat) {
  Errors e;
  int64_t dims[] = {0, 2};
  EXPECT_EQ(*reduceShape({2, 3, 4}, dims, false, e), Shape({3}));
  EXPECT_EQ(*reduceShape({2, 3, 4}, dims, true, e), Shape({1, 3, 1}));
  int64_t twice[] = {1, 1};
  EXPECT_TRUE(failed(reduceShape({2, 3}, twice, false, e)));
  EXPECT_EQ(*sliceShape({10, 8}, {1, 0}, {10, 8}, {3, 2}, e),
            Shape({3, 4}));
  EXPECT_TRUE(failed(sliceShape({10}, {4}, {2}, {1}, e)));
  SmallVector<int64_t> a = {2, 3}, b = {2, 5};
  ArrayRef<int64_t> inputs[] = {a, b};
  EXPECT_EQ(*concatShape(inputs, 1, e), Shape({2, 8}));
  EXPECT_TRUE(failed(concatShape(inputs, 0, e)));
}

TEST(ShapeInference, CollectivesAndShards) {
  Errors e;
  EXPECT_EQ(*allGatherShape({4, 8}, 0, 4, e), Shape({16, 8}));
  EXPECT_EQ(*reduceScatterShape({16, 8}, 0, 4, e), Shape({4, 8}));
  EXPECT_TRUE(failed(reduceScatterShape({6, 8}, 0, 4, e)));
  EXPECT_EQ(*allToAllShape({4, 8}, 1, 0, 2, e), Shape({8, 4}));
  EXPECT_EQ(*shardShape({16, 8}, {4, 2}, e), Shape({4, 4}));
}

TEST(ShapeInference, ElementCountsAreBounded) {
  Errors e;
  EXPECT_EQ(*numElements({1024, 1024}, e), 1 << 20);
  EXPECT_TRUE(failed(numElements({int64_t(1) << 31, int64_t(1) << 31}, e)));
  EXPECT_TRUE(failed(numElements({int64_t(1) << 62, 4, 4}, e)));
  EXPECT_NE(e.text.find("2^40"), std::string::npos);
}

} // namespace
