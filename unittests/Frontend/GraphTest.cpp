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
