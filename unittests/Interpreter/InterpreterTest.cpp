//===- InterpreterTest.cpp - the reference evaluator ----------------------===//

#include "tcc/Interpreter/Interpreter.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"
#include "tcc/Driver/ModuleLoader.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

namespace {

class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest()
      : context(createTccContext()),
        handler(context.get(), [this](Diagnostic &d) {
          diagnostics += d.str() + "\n";
          return success();
        }) {}

  func::FuncOp parse(StringRef source) {
    module = parseSourceString<ModuleOp>(source, context.get());
    if (!module)
      return {};
    FailureOr<func::FuncOp> entry = findEntryFunction(*module, "");
    return succeeded(entry) ? *entry : func::FuncOp();
  }

  static Tensor iotaTensor(ArrayRef<int64_t> shape, double offset = 0) {
    Tensor t(DType::F32, shape);
    for (int64_t i = 0; i < t.numElements(); ++i)
      t.setDouble(i, offset + i);
    return t;
  }

  std::unique_ptr<MLIRContext> context;
  ScopedDiagnosticHandler handler;
  OwningOpRef<ModuleOp> module;
  std::string diagnostics;
};

TEST_F(InterpreterTest, EveryRegisteredOpIsEvaluable) {
  SmallVector<StringRef> supported = supportedOperations();
  auto *dialect = context->getLoadedDialect<TccDialect>();
  int count = 0;
  for (RegisteredOperationName name : context->getRegisteredOperations()) {
    if (&name.getDialect() != dialect)
      continue;
    ++count;
    EXPECT_TRUE(llvm::is_contained(supported, name.getStringRef()))
        << name.getStringRef().str() << " has no evaluator kernel";
  }
  EXPECT_GT(count, 50);
}

TEST_F(InterpreterTest, CollectivesOverSimulatedMesh) {
  func::FuncOp f = parse(R"mlir(
    tcc.mesh @m(dp = 2, tp = 2)
    func.func @f(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<4x4xf32>,
                                           tensor<1x4xf32>, tensor<2x4xf32>,
                                           tensor<2x4xf32>)
        attributes {tcc.mesh = @m} {
      %s = tcc.all_reduce sum %x over @m ["tp"] : tensor<2x4xf32>
      %g = tcc.all_gather %x over @m ["dp"] dim = 0 : tensor<2x4xf32> -> tensor<4x4xf32>
      %r = tcc.reduce_scatter max %x over @m ["tp"] dim = 0 : tensor<2x4xf32> -> tensor<1x4xf32>
      %b = tcc.collective_broadcast %x over @m ["dp", "tp"] root = 3 : tensor<2x4xf32>
      %a = tcc.all_to_all %x over @m ["tp"] split_dim = 1 concat_dim = 1 : tensor<2x4xf32> -> tensor<2x4xf32>
      return %s, %g, %r, %b, %a : tensor<2x4xf32>, tensor<4x4xf32>, tensor<1x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
    })mlir");
  ASSERT_TRUE(f) << diagnostics;
  auto mesh = functionMesh(f);
  // Device d holds 8 * d + [0, 8).
  SmallVector<SmallVector<Tensor>> args;
  for (int d = 0; d < 4; ++d)
    args.push_back({iotaTensor({2, 4}, 8.0 * d)});
  auto out = evaluateSpmd(f, mesh, args);
  ASSERT_TRUE(succeeded(out)) << diagnostics;
  for (int d = 0; d < 4; ++d) {
    int dp = d / 2, tp = d % 2;
    const auto &r = (*out)[d];
    for (int i = 0; i < 8; ++i) {
      // all_reduce over tp: devices (dp, 0) and (dp, 1).
      EXPECT_EQ(r[0].getDouble(i), (16.0 * dp + i) + (16.0 * dp + 8 + i));
      // collective_broadcast from group position 3 = device 3.
      EXPECT_EQ(r[3].getDouble(i), 24.0 + i);
    }
    // all_gather over dp: rows of device (0, tp) then (1, tp).
    for (int i = 0; i < 16; ++i)
      EXPECT_EQ(r[1].getDouble(i), 8.0 * (2 * (i / 8) + tp) + i % 8);
    // reduce_scatter max over tp: the larger device (dp, 1), row tp.
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(r[2].getDouble(i), 8.0 * (2 * dp + 1) + 4 * tp + i);
    // all_to_all over tp, split/concat dim 1: columns [2 tp, 2 tp + 2) of
    // both devices, side by side.
    for (int row = 0; row < 2; ++row)
      for (int col = 0; col < 4; ++col)
        EXPECT_EQ(r[4].getDouble(row * 4 + col),
                  8.0 * (2 * dp + col / 2) + row * 4 + 2 * tp + col % 2);
  }
}

TEST_F(InterpreterTest, ShardedDropoutDrawsTheSingleDeviceMask) {
  // The same dropout, on one device and split over a 2x2 mesh (rows over
  // dp, columns over tp): every element must get the same mask.
  func::FuncOp whole = parse(R"mlir(
    func.func @f(%x: tensor<4x6xf32>, %s: tensor<i64>) -> tensor<4x6xf32> {
      %y = tcc.dropout %x, %s {rate = 0.5 : f64, stream = 9 : i64} : tensor<4x6xf32>, tensor<i64>
      return %y : tensor<4x6xf32>
    })mlir");
  ASSERT_TRUE(whole) << diagnostics;
  Tensor x = iotaTensor({4, 6}, 1.0), seed(DType::I64, {});
  seed.setInt(0, 1234);
  auto expected = evaluate(whole, {x, seed});
  ASSERT_TRUE(succeeded(expected)) << diagnostics;
  OwningOpRef<ModuleOp> keep = std::move(module);

  func::FuncOp split = parse(R"mlir(
    tcc.mesh @m(dp = 2, tp = 2)
    func.func @f(%x: tensor<2x3xf32>, %s: tensor<i64>) -> tensor<2x3xf32>
        attributes {tcc.mesh = @m} {
      %y = tcc.dropout %x, %s {rate = 0.5 : f64, stream = 9 : i64,
                               sharding = #tcc.sharding<@m, [["dp"], ["tp"]]>}
          : tensor<2x3xf32>, tensor<i64>
      return %y : tensor<2x3xf32>
    })mlir");
  ASSERT_TRUE(split) << diagnostics;
  SmallVector<SmallVector<Tensor>> args;
  for (int d = 0; d < 4; ++d) {
    Tensor shard(DType::F32, {2, 3});
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c)
        shard.setDouble(r * 3 + c, x.getDouble((2 * (d / 2) + r) * 6 +
                                               3 * (d % 2) + c));
    args.push_back({shard, seed});
  }
  auto out = evaluateSpmd(split, functionMesh(split), args);
  ASSERT_TRUE(succeeded(out)) << diagnostics;
  int dropped = 0;
  for (int d = 0; d < 4; ++d)
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 3; ++c) {
        double want =
            (*expected)[0].getDouble((2 * (d / 2) + r) * 6 + 3 * (d % 2) + c);
        EXPECT_EQ((*out)[d][0].getDouble(r * 3 + c), want);
        dropped += want == 0.0;
      }
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, 24);
}

TEST_F(InterpreterTest, PipelineStagesSendAndReceive) {
  func::FuncOp f = parse(R"mlir(
    tcc.mesh @m(pp = 2)
    func.func @f(%x: tensor<3xf32>) -> tensor<3xf32> attributes {tcc.mesh = @m} {
      tcc.stage 0 over @m "pp" {
        %y = tcc.exp %x : tensor<3xf32>
        tcc.send %y over @m "pp" to 1 : tensor<3xf32>
        tcc.yield
      }
      %r = tcc.stage 1 over @m "pp" -> tensor<3xf32> {
        %y = tcc.recv over @m "pp" from 0 : tensor<3xf32>
        %z = tcc.neg %y : tensor<3xf32>
        tcc.send %z over @m "pp" to 0 : tensor<3xf32>
        tcc.yield %z : tensor<3xf32>
      }
      %back = tcc.recv over @m "pp" from 1 : tensor<3xf32>
      return %back : tensor<3xf32>
    })mlir");
  ASSERT_TRUE(f) << diagnostics;
  SmallVector<SmallVector<Tensor>> args = {{iotaTensor({3})}, {iotaTensor({3})}};
  // Device 1 never sends to itself, so its final recv must time out.
  EvalOptions options;
  options.collectiveTimeout = std::chrono::milliseconds(200);
  EXPECT_TRUE(failed(evaluateSpmd(f, functionMesh(f), args, options)));
  EXPECT_NE(diagnostics.find("never sent"), std::string::npos) << diagnostics;
}

TEST_F(InterpreterTest, MismatchedCollectivesFailInsteadOfHanging) {
  func::FuncOp f = parse(R"mlir(
    tcc.mesh @m(dp = 2)
    func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> attributes {tcc.mesh = @m} {
      %r = tcc.stage 0 over @m "dp" -> tensor<4xf32> {
        %s = tcc.all_reduce sum %x over @m ["dp"] : tensor<4xf32>
        tcc.yield %s : tensor<4xf32>
      }
      return %x : tensor<4xf32>
    })mlir");
  ASSERT_TRUE(f) << diagnostics;
  EvalOptions options;
  options.collectiveTimeout = std::chrono::milliseconds(200);
  SmallVector<SmallVector<Tensor>> args = {{iotaTensor({4})}, {iotaTensor({4})}};
  EXPECT_TRUE(failed(evaluateSpmd(f, functionMesh(f), args, options)));
  EXPECT_NE(diagnostics.find("waited"), std::string::npos) << diagnostics;
}

TEST_F(InterpreterTest, MemoryBudgetIsALocatedError) {
  func::FuncOp f = parse(R"mlir(
    func.func @f() -> tensor<1048576x1048576xf32> {
      %c = tcc.constant dense<1.0> : tensor<1048576x1048576xf32>
      return %c : tensor<1048576x1048576xf32>
    })mlir");
  ASSERT_TRUE(f) << diagnostics;
  EXPECT_TRUE(failed(evaluate(f, {})));
  EXPECT_NE(diagnostics.find("more than its limit"), std::string::npos)
      << diagnostics;
}

TEST_F(InterpreterTest, OutOfRangeGatherIndexIsAnError) {
  func::FuncOp f = parse(R"mlir(
    func.func @f(%t: tensor<4x2xf32>, %i: tensor<3xi64>) -> tensor<3x2xf32> {
      %g = tcc.gather %t, %i axis = 0 : (tensor<4x2xf32>, tensor<3xi64>) -> tensor<3x2xf32>
      return %g : tensor<3x2xf32>
    })mlir");
  ASSERT_TRUE(f) << diagnostics;
  Tensor indices(DType::I64, {3});
  indices.setInt(1, 4);
  EXPECT_TRUE(failed(evaluate(f, {iotaTensor({4, 2}), indices})));
  EXPECT_NE(diagnostics.find("out of range [0, 4)"), std::string::npos)
      << diagnostics;
}

TEST_F(InterpreterTest, ArgumentsAreCheckedAgainstTheSignature) {
  func::FuncOp f = parse(R"mlir(
    func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
      return %x : tensor<2x3xf32>
    })mlir");
  ASSERT_TRUE(f) << diagnostics;
  EXPECT_TRUE(failed(evaluate(f, {iotaTensor({3, 2})})));
  EXPECT_NE(diagnostics.find(
                "is f32[3, 2], but the function expects 'tensor<2x3xf32>'"),
            std::string::npos)
      << diagnostics;
}

TEST_F(InterpreterTest, F32ResultsAreRoundedUnlessComputingInF64) {
  func::FuncOp f = parse(R"mlir(
    func.func @f(%x: tensor<1xf32>) -> tensor<1xf32> {
      %y = tcc.exp %x : tensor<1xf32>
      return %y : tensor<1xf32>
    })mlir");
  ASSERT_TRUE(f) << diagnostics;
  Tensor x = iotaTensor({1}, 1.0);
  auto native = evaluate(f, {x});
  EvalOptions f64;
  f64.computeInF64 = true;
  auto wide = evaluate(f, {x}, f64);
  ASSERT_TRUE(succeeded(native) && succeeded(wide));
  EXPECT_EQ((*native)[0].getDouble(0), static_cast<double>(std::exp(1.0f)));
  EXPECT_EQ((*wide)[0].getDouble(0), std::exp(1.0));
}

} // namespace
