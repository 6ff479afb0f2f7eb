//===- GraphTest.cpp - the C++ tracing API --------------------------------===//

#include "tcc/Frontend/Graph.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::tcc::frontend;

namespace {

TEST(Graph, TracesBroadcastingArithmeticWithCallerLines) {
  MLIRContext context;
  Graph g(context);
  Tensor x = g.input("x", {4, 8});
  Tensor b = g.parameter("b", {8});
  unsigned line = __LINE__ + 1;
  Tensor y = x.add(b).mul(2.0).relu();
  g.output("y", y.sum({1}, /*keepdims=*/true));
  auto module = g.build();
  ASSERT_TRUE(succeeded(module));
  int broadcasts = 0, adds = 0, located = 0;
  (*module)->walk([&](Operation *op) {
    broadcasts += isa<mlir::tcc::BroadcastOp>(op);
    adds += isa<mlir::tcc::AddOp>(op);
    if (auto loc = dyn_cast<FileLineColLoc>(op->getLoc()))
      located += loc.getLine() == line &&
                 loc.getFilename().getValue().ends_with("GraphTest.cpp");
  });
  // b broadcast to [4, 8], the scalar 2 broadcast from a 0-d constant.
  EXPECT_EQ(broadcasts, 2);
  EXPECT_EQ(adds, 1);
  EXPECT_GE(located, 4);
  EXPECT_EQ(y.shape(), ArrayRef<int64_t>({4, 8}));
}

TEST(Graph, ErrorsNameTheOpTheShapesAndTheLine) {
  MLIRContext context;
  Graph g(context);
  Tensor x = g.input("x", {4, 8});
  Tensor w = g.parameter("w", {7, 3});
  unsigned line = __LINE__ + 1;
  Tensor y = x.matmul(w);
  EXPECT_FALSE(y.valid());
  // Ops on an invalid tensor record nothing more.
  Tensor z = y.relu().softmax(1);
  EXPECT_FALSE(z.valid());
  g.output("z", z);
  EXPECT_TRUE(failed(g.build()));
  ASSERT_GE(g.errors().size(), 1u);
  const std::string &first = g.errors().front();
  EXPECT_NE(first.find("GraphTest.cpp:" + std::to_string(line) +
                       ": error: tcc.matmul: contraction dimensions differ"),
            std::string::npos)
      << first;
}

TEST(Graph, RejectsMismatchedElementTypesAndBadDims) {
  MLIRContext context;
  Graph g(context);
  Tensor x = g.input("x", {4, 8});
  Tensor i = g.input("i", {4, 8}, IntegerType::get(&context, 64));
  EXPECT_FALSE(x.add(i).valid());
  EXPECT_FALSE(x.softmax(2).valid());
  EXPECT_FALSE(i.exp().valid());
  EXPECT_FALSE(x.reshape({5, 7}).valid());
  EXPECT_EQ(g.errors().size(), 4u);
  EXPECT_NE(g.errors()[0].find("tcc.add: element types differ"),
            std::string::npos);
  EXPECT_NE(g.errors()[2].find("tcc.exp needs a float tensor"),
            std::string::npos);
}

} // namespace

namespace {

TEST(Graph, TracesConvolutionalAndSequenceModels) {
  MLIRContext context;
  Graph g(context);
  Type i64 = IntegerType::get(&context, 64);
  // conv-BN-ReLU-pool, as torchvision writes it.
  Tensor x = g.input("x", {2, 3, 8, 8});
  Tensor w = g.parameter("conv.weight", {4, 3, 3, 3});
  Tensor b = g.parameter("conv.bias", {4});
  Tensor gamma = g.parameter("bn.weight", {4}), beta = g.parameter("bn.bias", {4});
  Tensor mean = g.input("bn.running_mean", {4}, {}, "buffer");
  Tensor var = g.input("bn.running_var", {4}, {}, "buffer");
  Conv2dOptions conv;
  conv.padding = {1, 1, 1, 1};
  Tensor c = conv2d(x, w, b, conv);
  BatchNormResult bn = batchNorm(c, gamma, beta, mean, var, /*training=*/true);
  Tensor p = maxPool2d(bn.output.relu(), {2, 2}, {2, 2});
  Tensor a = avgPool2d(p, {4, 4}, {4, 4});
  EXPECT_EQ(p.shape(), ArrayRef<int64_t>({2, 4, 4, 4}));
  EXPECT_EQ(a.shape(), ArrayRef<int64_t>({2, 4, 1, 1}));
  g.output("features", a.reshape({2, 4}));
  g.output("bn.running_mean", bn.runningMean, "buffer");
  g.output("bn.running_var", bn.runningVar, "buffer");
  // Token embedding, slicing, concatenation and dropout.
  Tensor tokens = g.input("tokens", {2, 5}, i64);
  Tensor seed = g.input("seed", {}, i64);
  Tensor table = g.parameter("wte", {11, 6});
  Tensor e = embedding(tokens, table);
  Tensor halves = concat({e.slice({0, 0, 3}, {2, 5, 6}), e.slice({0, 0, 0}, {2, 5, 3})}, 2);
  Tensor d1 = dropout(halves, seed, 0.1);
  Tensor d2 = dropout(d1, seed, 0.1);
  EXPECT_EQ(halves.shape(), ArrayRef<int64_t>({2, 5, 6}));
  g.output("h", d2.cast(Float64Type::get(&context)));
  auto module = g.build();
  ASSERT_TRUE(succeeded(module)) << (g.errors().empty() ? "" : g.errors()[0]);
  // Each dropout got its own random stream.
  SmallVector<int64_t> streams;
  (*module)->walk([&](mlir::tcc::DropoutOp op) { streams.push_back(op.getStream()); });
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_NE(streams[0], streams[1]);
}

TEST(Graph, ConvolutionAndPoolingErrorsNameTheShapes) {
  MLIRContext context;
  Graph g(context);
  Tensor x = g.input("x", {2, 3, 8, 8});
  Tensor w = g.parameter("w", {4, 5, 3, 3});
  EXPECT_FALSE(conv2d(x, w, Tensor()).valid());
  EXPECT_FALSE(maxPool2d(x, {9, 9}, {1, 1}).valid());
  Type i64 = IntegerType::get(&context, 64);
  EXPECT_FALSE(embedding(x, w).valid());
  EXPECT_FALSE(dropout(x, g.input("s", {}, i64), 1.5).valid());
  ASSERT_EQ(g.errors().size(), 4u);
  EXPECT_NE(g.errors()[0].find("tcc.conv2d: "), std::string::npos);
  EXPECT_NE(g.errors()[1].find("tcc.max_pool2d: "), std::string::npos);
  EXPECT_NE(g.errors()[2].find("tcc.gather: indices must be integers"),
            std::string::npos);
  EXPECT_NE(g.errors()[3].find("tcc.dropout: rate must be in [0, 1)"),
            std::string::npos);
}

} // namespace

namespace {

TEST(Graph, MasksSelectsAndGathersLikeTorch) {
  MLIRContext context;
  Graph g(context);
  Tensor scores = g.input("scores", {2, 4, 4});
  Tensor table = g.parameter("table", {10, 3});
  Tensor ids = g.input("ids", {2, 5}, IntegerType::get(&context, 64));
  // A causal mask from iotas, as nanoGPT's torch.tril(torch.ones(T, T)).
  Tensor row = g.iota({4, 4}, 0), col = g.iota({4, 4}, 1);
  Tensor causal = row.compare(mlir::tcc::CompareDirection::ge, col);
  Tensor masked = where(causal, scores, scores.mul(0.0).add(-1e9));
  EXPECT_EQ(masked.shape(), ArrayRef<int64_t>({2, 4, 4}));
  Tensor rows = table.gather(ids, /*axis=*/0);
  EXPECT_EQ(rows.shape(), ArrayRef<int64_t>({2, 5, 3}));
  Tensor cols = table.gather(g.iota({2}, 0), /*axis=*/1);
  EXPECT_EQ(cols.shape(), ArrayRef<int64_t>({10, 2}));
  Tensor clipped = scores.maximum(scores.mul(0.5)).minimum(scores.abs());
  g.output("masked", masked.softmax(2));
  g.output("rows", rows.pow(rows).erf());
  g.output("cols", cols.min({1}).add(cols.prod({1})));
  g.output("clipped", clipped);
  auto module = g.build();
  ASSERT_TRUE(succeeded(module)) << (g.errors().empty() ? "" : g.errors()[0]);
  int selects = 0, compares = 0, gathers = 0;
  (*module)->walk([&](Operation *op) {
    selects += isa<mlir::tcc::SelectOp>(op);
    compares += isa<mlir::tcc::CompareOp>(op);
    gathers += isa<mlir::tcc::GatherOp>(op);
  });
  EXPECT_EQ(selects, 1);
  EXPECT_EQ(compares, 1);
  EXPECT_EQ(gathers, 2);
}

TEST(Graph, SelectGatherAndIotaErrorsNameTheProblem) {
  MLIRContext context;
  Graph g(context);
  Tensor x = g.input("x", {3, 4});
  Tensor notBool = g.input("c", {3, 4});
  EXPECT_FALSE(where(notBool, x, x).valid());
  EXPECT_FALSE(x.gather(x).valid());                  // float indices
  EXPECT_FALSE(x.gather(g.iota({2}, 0), 2).valid());  // axis out of range
  EXPECT_FALSE(g.iota({2, 2}, 2).valid());
  ASSERT_EQ(g.errors().size(), 4u);
  EXPECT_NE(g.errors()[0].find("tcc.select: the condition must be i1"),
            std::string::npos) << g.errors()[0];
  EXPECT_NE(g.errors()[1].find("tcc.gather: indices must be integers"),
            std::string::npos) << g.errors()[1];
  EXPECT_NE(g.errors()[2].find("tcc.gather"), std::string::npos)
      << g.errors()[2];
  EXPECT_NE(g.errors()[3].find("tcc.iota: dim 2 is outside a rank-2 shape"),
            std::string::npos) << g.errors()[3];
}

TEST(Graph, ScopedLocationsLabelOpsAndErrors) {
  MLIRContext context;
  Graph g(context);
  Tensor x = g.input("x", {2, 3});
  Location node = NameLoc::get(StringAttr::get(&context, "Relu_7"));
  Tensor y;
  {
    Graph::ScopedLocation at(g, node, "model.onnx: node 'Relu_7' (Relu)");
    y = x.relu();
    EXPECT_FALSE(x.matmul(x).valid());
  }
  Tensor z = y.neg(); // back to the caller's line
  g.output("z", z);
  ASSERT_EQ(g.errors().size(), 1u);
  EXPECT_EQ(g.errors()[0].rfind("model.onnx: node 'Relu_7' (Relu): error: "
                                "tcc.matmul",
                                0),
            0u)
      << g.errors()[0];
  EXPECT_EQ(y.value().getDefiningOp()->getLoc(), node);
  EXPECT_TRUE(isa<FileLineColLoc>(z.value().getDefiningOp()->getLoc()));
}

} // namespace
