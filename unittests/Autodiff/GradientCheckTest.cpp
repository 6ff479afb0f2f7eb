//===- GradientCheckTest.cpp - every VJP against finite differences -------===//
//
// For each differentiable op, a small f64 function computes
// loss = sum(op(params...) * w) with random inputs and weights w; the
// gradient tcc-autodiff builds, run by the reference evaluator, must match
// central finite differences of the loss: ||g - fd|| / ||fd|| <= 1e-6
// (h = 1e-6: truncation error ~h^2 and rounding ~1e-16/h, both ~1e-10
// relative on these O(1) values). A second test enumerates the registered
// ops so that no differentiable op goes without a case, and every op
// without a gradient is listed with the reason.
//
//===----------------------------------------------------------------------===//

#include "tcc/Autodiff/Autodiff.h"
#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"
#include "tcc/Interpreter/Interpreter.h"
#include "tcc/Interpreter/ShardedValues.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringSet.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::tcc;

namespace {

struct Argument {
  std::string name, type;
  /// parameter (differentiated), input (held fixed), or a kind of value:
  /// "positive" parameters are drawn from [0.5, 1.5], "index:N" inputs are
  /// integers in [0, N).
  std::string role = "parameter";
};

struct Case {
  /// The op the case is for (several cases may share one).
  std::string op;
  std::vector<Argument> arguments;
  /// Ops computing %y of `resultType` from the arguments.
  std::string body;
  std::string resultType;
};

// clang-format off
const std::vector<Case> &cases() {
  static const std::vector<Case> all = {
    {"tcc.add", {{"a", "tensor<2x3xf64>"}, {"b", "tensor<2x3xf64>"}}, "%y = tcc.add %a, %b : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.sub", {{"a", "tensor<2x3xf64>"}, {"b", "tensor<2x3xf64>"}}, "%y = tcc.sub %a, %b : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.mul", {{"a", "tensor<2x3xf64>"}, {"b", "tensor<2x3xf64>"}}, "%y = tcc.mul %a, %b : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.div", {{"a", "tensor<2x3xf64>"}, {"b", "tensor<2x3xf64>", "positive"}}, "%y = tcc.div %a, %b : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.max", {{"a", "tensor<2x3xf64>"}, {"b", "tensor<2x3xf64>"}}, "%y = tcc.max %a, %b : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.min", {{"a", "tensor<2x3xf64>"}, {"b", "tensor<2x3xf64>"}}, "%y = tcc.min %a, %b : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.pow", {{"a", "tensor<2x3xf64>", "positive"}, {"b", "tensor<2x3xf64>"}}, "%y = tcc.pow %a, %b : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.neg", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.neg %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.abs", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.abs %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.exp", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.exp %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.log", {{"a", "tensor<2x3xf64>", "positive"}}, "%y = tcc.log %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.sqrt", {{"a", "tensor<2x3xf64>", "positive"}}, "%y = tcc.sqrt %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.rsqrt", {{"a", "tensor<2x3xf64>", "positive"}}, "%y = tcc.rsqrt %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.tanh", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.tanh %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.sigmoid", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.sigmoid %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.relu", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.relu %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.silu", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.silu %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.erf", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.erf %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.gelu", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.gelu %a : tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.gelu", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.gelu %a approximate = tanh : tensor<2x3xf64>", "tensor<2x3xf64>"},
    // Through f32 and back: the gradient is a cast, checked at f64 to f64
    // (an f32 round trip would make the differences f32-noisy).
    {"tcc.cast", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.cast %a : tensor<2x3xf64> -> tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.select", {{"a", "tensor<2x3xf64>"}, {"b", "tensor<2x3xf64>"}, {"c", "tensor<2x3xf64>", "input"}},
     "%z = tcc.constant dense<0.0> : tensor<2x3xf64>\n"
     "%m = tcc.compare gt, %c, %z : tensor<2x3xf64>\n"
     "%y = tcc.select %m, %a, %b : tensor<2x3xi1>, tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.dropout", {{"a", "tensor<4x8xf64>"}, {"seed", "tensor<i64>", "index:1000"}},
     "%y = tcc.dropout %a, %seed {rate = 0.25 : f64, stream = 1 : i64} : tensor<4x8xf64>, tensor<i64>", "tensor<4x8xf64>"},
    {"tcc.annotate", {{"a", "tensor<4x2xf64>"}},
     "%y = tcc.annotate %a {sharding = #tcc.sharding<@world, [[\"dp\"], []]>} : tensor<4x2xf64>", "tensor<4x2xf64>"},
    {"tcc.broadcast", {{"a", "tensor<3x1xf64>"}}, "%y = tcc.broadcast %a : tensor<3x1xf64> -> tensor<2x3x4xf64>", "tensor<2x3x4xf64>"},
    {"tcc.broadcast_in_dim", {{"a", "tensor<3xf64>"}}, "%y = tcc.broadcast_in_dim %a, dims = [1] : tensor<3xf64> -> tensor<2x3x4xf64>", "tensor<2x3x4xf64>"},
    {"tcc.broadcast_in_dim", {{"a", "tensor<2x1xf64>"}}, "%y = tcc.broadcast_in_dim %a, dims = [0, 2] : tensor<2x1xf64> -> tensor<2x4x3xf64>", "tensor<2x4x3xf64>"},
    {"tcc.reshape", {{"a", "tensor<2x3xf64>"}}, "%y = tcc.reshape %a : tensor<2x3xf64> -> tensor<3x2xf64>", "tensor<3x2xf64>"},
    {"tcc.transpose", {{"a", "tensor<2x3x4xf64>"}}, "%y = tcc.transpose %a, permutation = [2, 0, 1] : tensor<2x3x4xf64> -> tensor<4x2x3xf64>", "tensor<4x2x3xf64>"},
    {"tcc.slice", {{"a", "tensor<3x7xf64>"}}, "%y = tcc.slice %a, start = [1, 1], limit = [3, 7], stride = [1, 2] : tensor<3x7xf64> -> tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.slice", {{"a", "tensor<8x5xf64>"}}, "%y = tcc.slice %a, start = [0, 2], limit = [8, 4], stride = [3, 1] : tensor<8x5xf64> -> tensor<3x2xf64>", "tensor<3x2xf64>"},
    {"tcc.concat", {{"a", "tensor<2x3xf64>"}, {"b", "tensor<2x2xf64>"}}, "%y = tcc.concat %a, %b dim = 1 : (tensor<2x3xf64>, tensor<2x2xf64>) -> tensor<2x5xf64>", "tensor<2x5xf64>"},
    {"tcc.gather", {{"a", "tensor<5x3xf64>"}, {"i", "tensor<2x4xi64>", "index:5"}}, "%y = tcc.gather %a, %i axis = 0 : (tensor<5x3xf64>, tensor<2x4xi64>) -> tensor<2x4x3xf64>", "tensor<2x4x3xf64>"},
    {"tcc.gather", {{"a", "tensor<2x5x3xf64>"}, {"i", "tensor<6xi64>", "index:5"}}, "%y = tcc.gather %a, %i axis = 1 : (tensor<2x5x3xf64>, tensor<6xi64>) -> tensor<2x6x3xf64>", "tensor<2x6x3xf64>"},
    {"tcc.scatter_add", {{"u", "tensor<7x3xf64>"}, {"i", "tensor<7xi64>", "index:4"}}, "%y = tcc.scatter_add %u, %i rows = 4 : (tensor<7x3xf64>, tensor<7xi64>) -> tensor<4x3xf64>", "tensor<4x3xf64>"},
    {"tcc.reduce", {{"a", "tensor<2x3x4xf64>"}}, "%y = tcc.reduce sum %a dims = [0, 2] : tensor<2x3x4xf64> -> tensor<3xf64>", "tensor<3xf64>"},
    {"tcc.reduce", {{"a", "tensor<2x3x4xf64>"}}, "%y = tcc.reduce mean %a dims = [1] keepdims : tensor<2x3x4xf64> -> tensor<2x1x4xf64>", "tensor<2x1x4xf64>"},
    {"tcc.reduce", {{"a", "tensor<2x3x4xf64>"}}, "%y = tcc.reduce max %a dims = [2] : tensor<2x3x4xf64> -> tensor<2x3xf64>", "tensor<2x3xf64>"},
    {"tcc.reduce", {{"a", "tensor<2x3x4xf64>"}}, "%y = tcc.reduce min %a dims = [0, 1] : tensor<2x3x4xf64> -> tensor<4xf64>", "tensor<4xf64>"},
    {"tcc.reduce", {{"a", "tensor<2x3xf64>", "positive"}}, "%y = tcc.reduce prod %a dims = [1] : tensor<2x3xf64> -> tensor<2xf64>", "tensor<2xf64>"},
    {"tcc.softmax", {{"a", "tensor<2x5xf64>"}}, "%y = tcc.softmax %a dim = 1 : tensor<2x5xf64>", "tensor<2x5xf64>"},
    {"tcc.log_softmax", {{"a", "tensor<3x4xf64>"}}, "%y = tcc.log_softmax %a dim = 0 : tensor<3x4xf64>", "tensor<3x4xf64>"},
    {"tcc.layer_norm", {{"x", "tensor<2x3x4xf64>"}, {"w", "tensor<3x4xf64>"}, {"b", "tensor<3x4xf64>"}},
     "%y = tcc.layer_norm %x, %w, %b : (tensor<2x3x4xf64>, tensor<3x4xf64>, tensor<3x4xf64>) -> tensor<2x3x4xf64>", "tensor<2x3x4xf64>"},
    {"tcc.batch_norm", {{"x", "tensor<3x2x2x2xf64>"}, {"w", "tensor<2xf64>"}, {"b", "tensor<2xf64>"}, {"m", "tensor<2xf64>", "input"}, {"v", "tensor<2xf64>", "positive-input"}},
     "%y, %nm, %nv = tcc.batch_norm %x, %w, %b, %m, %v {training} : (tensor<3x2x2x2xf64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>) -> (tensor<3x2x2x2xf64>, tensor<2xf64>, tensor<2xf64>)", "tensor<3x2x2x2xf64>"},
    {"tcc.batch_norm", {{"x", "tensor<3x2x2x2xf64>"}, {"w", "tensor<2xf64>"}, {"b", "tensor<2xf64>"}, {"m", "tensor<2xf64>", "input"}, {"v", "tensor<2xf64>", "positive-input"}},
     "%y, %nm, %nv = tcc.batch_norm %x, %w, %b, %m, %v : (tensor<3x2x2x2xf64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>) -> (tensor<3x2x2x2xf64>, tensor<2xf64>, tensor<2xf64>)", "tensor<3x2x2x2xf64>"},
    {"tcc.matmul", {{"a", "tensor<2x3x4xf64>"}, {"b", "tensor<4x5xf64>"}}, "%y = tcc.matmul %a, %b : (tensor<2x3x4xf64>, tensor<4x5xf64>) -> tensor<2x3x5xf64>", "tensor<2x3x5xf64>"},
    {"tcc.matmul", {{"a", "tensor<4x3xf64>"}, {"b", "tensor<2x5x4xf64>"}}, "%y = tcc.matmul %a, %b {transpose_lhs, transpose_rhs} : (tensor<4x3xf64>, tensor<2x5x4xf64>) -> tensor<2x3x5xf64>", "tensor<2x3x5xf64>"},
    {"tcc.conv2d", {{"x", "tensor<2x3x6x6xf64>"}, {"w", "tensor<4x3x3x3xf64>"}, {"b", "tensor<4xf64>"}},
     "%y = tcc.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>} : (tensor<2x3x6x6xf64>, tensor<4x3x3x3xf64>, tensor<4xf64>) -> tensor<2x4x6x6xf64>", "tensor<2x4x6x6xf64>"},
    {"tcc.conv2d", {{"x", "tensor<2x4x7x8xf64>"}, {"w", "tensor<6x2x3x3xf64>"}, {"b", "tensor<6xf64>"}},
     "%y = tcc.conv2d %x, %w, %b {stride = array<i64: 2, 1>, padding = array<i64: 1, 0, 2, 1>, dilation = array<i64: 1, 2>, groups = 2 : i64} : (tensor<2x4x7x8xf64>, tensor<6x2x3x3xf64>, tensor<6xf64>) -> tensor<2x6x3x7xf64>", "tensor<2x6x3x7xf64>"},
    {"tcc.conv2d", {{"x", "tensor<1x2x5x5xf64>"}, {"w", "tensor<3x2x1x1xf64>"}},
     "%y = tcc.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x2x5x5xf64>, tensor<3x2x1x1xf64>) -> tensor<1x3x4x4xf64>", "tensor<1x3x4x4xf64>"},
    {"tcc.max_pool2d", {{"x", "tensor<2x2x7x7xf64>"}},
     "%y = tcc.max_pool2d %x {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<2x2x7x7xf64> -> tensor<2x2x4x4xf64>", "tensor<2x2x4x4xf64>"},
    {"tcc.max_pool2d", {{"x", "tensor<2x2x7x7xf64>"}},
     "%y = tcc.max_pool2d %x {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, dilation = array<i64: 2, 1>} : tensor<2x2x7x7xf64> -> tensor<2x2x3x4xf64>", "tensor<2x2x3x4xf64>"},
    {"tcc.avg_pool2d", {{"x", "tensor<1x2x6x5xf64>"}},
     "%y = tcc.avg_pool2d %x {kernel_size = array<i64: 3, 2>, stride = array<i64: 2, 1>, padding = array<i64: 1, 1, 0, 1>, count_include_pad} : tensor<1x2x6x5xf64> -> tensor<1x2x3x5xf64>", "tensor<1x2x3x5xf64>"},
    {"tcc.avg_pool2d", {{"x", "tensor<1x2x6x5xf64>"}},
     "%y = tcc.avg_pool2d %x {kernel_size = array<i64: 3, 2>, stride = array<i64: 2, 1>, padding = array<i64: 1, 1, 0, 1>} : tensor<1x2x6x5xf64> -> tensor<1x2x3x5xf64>", "tensor<1x2x3x5xf64>"},
    {"tcc.cross_entropy", {{"a", "tensor<4x5xf64>"}, {"l", "tensor<4xi64>", "index:5"}}, "%y = tcc.cross_entropy %a, %l : (tensor<4x5xf64>, tensor<4xi64>) -> tensor<f64>", "tensor<f64>"},
    {"tcc.cross_entropy", {{"a", "tensor<4x5xf64>"}, {"l", "tensor<4xi64>", "index:5"}}, "%y = tcc.cross_entropy %a, %l {label_smoothing = 0.2 : f64, ignore_index = 3 : i64} : (tensor<4x5xf64>, tensor<4xi64>) -> tensor<f64>", "tensor<f64>"},
    {"tcc.mse_loss", {{"a", "tensor<2x3xf64>"}, {"b", "tensor<2x3xf64>"}}, "%y = tcc.mse_loss %a, %b : (tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<f64>", "tensor<f64>"},
  };
  return all;
}
// clang-format on

/// Ops without a gradient, and why; every registered op is either
/// differentiable, or here.
const llvm::StringMap<std::string> &noGradient() {
  static const llvm::StringMap<std::string> reasons = {
      {"tcc.constant", "no operands"},
      {"tcc.iota", "no operands"},
      {"tcc.compare", "an i1 result carries no gradient"},
      {"tcc.mesh", "not a computation"},
      {"tcc.fusion", "autodiff runs before fusion"},
      {"tcc.yield", "a terminator"},
      {"tcc.stage", "pipeline stages: the distribution issue"},
      {"tcc.send", "pipeline transfers: the distribution issue"},
      {"tcc.recv", "pipeline transfers: the distribution issue"},
      {"tcc.reduce_scatter", "collectives: inserted after autodiff"},
      {"tcc.all_slice", "collectives: inserted after autodiff"},
      {"tcc.all_to_all", "collectives: inserted after autodiff"},
      {"tcc.collective_broadcast", "collectives: inserted after autodiff"},
  };
  return reasons;
}

std::string functionText(const Case &c) {
  std::string text = "tcc.mesh @world(dp = 2)\nfunc.func @f(";
  for (size_t i = 0; i < c.arguments.size(); ++i) {
    const Argument &a = c.arguments[i];
    bool parameter = a.role == "parameter" || a.role == "positive";
    text += (i ? ", %" : "%") + a.name + ": " + a.type + " {tcc.name = \"" +
            a.name + "\", tcc.role = \"" + (parameter ? "parameter" : "input") +
            "\"}";
  }
  text += ", %weights: " + c.resultType +
          " {tcc.name = \"weights\", tcc.role = \"input\"}) -> (tensor<f64> "
          "{tcc.name = \"loss\", tcc.role = \"loss\"}) {\n" +
          c.body + "\n%p = tcc.mul %y, %weights : " + c.resultType + "\n";
  return text;
}

class GradientCheck : public ::testing::Test {
protected:
  GradientCheck() {
    DialectRegistry registry;
    registry.insert<TccDialect, func::FuncDialect>();
    registerDifferentiableOpModels(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }
  MLIRContext context;
};

/// The loss of `c` as MLIR: sum over all dims of y * weights.
std::string lossFunction(const Case &c, MLIRContext &context) {
  auto type = cast<RankedTensorType>(parseType(c.resultType, &context));
  std::string text = functionText(c);
  if (type.getRank() == 0) {
    text += "return %p : tensor<f64>\n}\n";
    return text;
  }
  std::string dims;
  for (int64_t d = 0; d < type.getRank(); ++d)
    dims += (d ? ", " : "") + std::to_string(d);
  text += "%l = tcc.reduce sum %p dims = [" + dims + "] : " + c.resultType +
          " -> tensor<f64>\nreturn %l : tensor<f64>\n}\n";
  return text;
}

interp::Tensor randomTensor(RankedTensorType type, const std::string &role,
                            std::mt19937_64 &rng) {
  auto dtype = isa<FloatType>(type.getElementType()) ? ::tcc::rt::DType::F64
                                                     : ::tcc::rt::DType::I64;
  interp::Tensor t(dtype, type.getShape());
  std::uniform_real_distribution<double> normal(-1.5, 1.5), positive(0.5, 1.5);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    if (role.rfind("index:", 0) == 0) {
      int64_t bound = std::stoll(role.substr(6));
      t.setInt(i, static_cast<int64_t>(rng() % bound));
    } else if (role.find("positive") != std::string::npos) {
      t.setDouble(i, positive(rng));
    } else {
      t.setDouble(i, normal(rng));
    }
  }
  return t;
}

double relativeError(const std::vector<double> &got,
                     const std::vector<double> &want) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    diff += (got[i] - want[i]) * (got[i] - want[i]);
    norm += want[i] * want[i];
  }
  return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-12);
}

TEST_F(GradientCheck, EveryVjpMatchesCentralDifferences) {
  std::mt19937_64 rng(20261127);
  for (const Case &c : cases()) {
    SCOPED_TRACE(c.op + ": " + c.body);
    std::string diagnostics;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
      diagnostics += d.str() + "\n";
      return success();
    });
    std::string text = lossFunction(c, context);
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
    ASSERT_TRUE(module) << text << diagnostics;
    auto forward = *module->getOps<func::FuncOp>().begin();
    FailureOr<func::FuncOp> gradient = buildGradientFunction(forward);
    ASSERT_TRUE(succeeded(gradient)) << diagnostics;
    ASSERT_TRUE(succeeded(verify(*module))) << diagnostics;

    SmallVector<interp::Tensor> args;
    for (BlockArgument arg : forward.getArguments()) {
      std::string role = arg.getArgNumber() < c.arguments.size()
                             ? c.arguments[arg.getArgNumber()].role
                             : "input";
      args.push_back(randomTensor(cast<RankedTensorType>(arg.getType()), role,
                                  rng));
    }
    FailureOr<SmallVector<interp::Tensor>> grads =
        interp::evaluate(*gradient, args);
    ASSERT_TRUE(succeeded(grads)) << diagnostics;

    const double h = 1e-6;
    unsigned gradientIndex = 1; // after the loss
    for (size_t a = 0; a < c.arguments.size(); ++a) {
      const std::string &role = c.arguments[a].role;
      if (role != "parameter" && role != "positive")
        continue;
      std::vector<double> finite;
      for (int64_t i = 0; i < args[a].numElements(); ++i) {
        double saved = args[a].getDouble(i);
        args[a].setDouble(i, saved + h);
        double up = (*interp::evaluate(forward, args))[0].getDouble(0);
        args[a].setDouble(i, saved - h);
        double down = (*interp::evaluate(forward, args))[0].getDouble(0);
        args[a].setDouble(i, saved);
        finite.push_back((up - down) / (2 * h));
      }
      const std::vector<double> &analytic = (*grads)[gradientIndex++].floats();
      double error = relativeError(analytic, finite);
      EXPECT_LE(error, 1e-6) << "gradient of '" << c.arguments[a].name
                             << "': relative error " << error;
    }
  }
}

/// A per-device program on tp = 2 (Megatron's MLP pair with a replicated
/// input that is itself trained): its loss is the same on every device, and
/// each device's gradient of its shard, or of a replicated argument, must
/// be the derivative of that loss by the global tensor's elements. This
/// checks the VJPs of all_reduce (sum, avg, max) and all_gather (what
/// vocabulary parallelism writes before autodiff), and autodiff's rule that sums
/// over tp the contributions a replicated value gets from ops whose
/// results differ along tp (ReverseMode.cpp).
const char *kPerDeviceLoss = R"mlir(
tcc.mesh @m(tp = 2)
func.func @f(%x: tensor<2x3xf64> {tcc.name = "x", tcc.role = "parameter"},
             %w1: tensor<2x3xf64> {tcc.name = "w1", tcc.role = "parameter",
                                   tcc.sharding = #tcc.sharding<@m, [["tp"], []]>},
             %w2: tensor<2x2xf64> {tcc.name = "w2", tcc.role = "parameter",
                                   tcc.sharding = #tcc.sharding<@m, [[], ["tp"]]>})
    -> (tensor<f64> {tcc.name = "loss", tcc.role = "loss"})
    attributes {tcc.mesh = @m} {
  %h = tcc.matmul %x, %w1 {transpose_rhs} : (tensor<2x3xf64>, tensor<2x3xf64>) -> tensor<2x2xf64>
  %t = tcc.tanh %h : tensor<2x2xf64>
  %p = tcc.matmul %t, %w2 {transpose_rhs} : (tensor<2x2xf64>, tensor<2x2xf64>) -> tensor<2x2xf64>
  %s = tcc.all_reduce sum %p over @m ["tp"] : tensor<2x2xf64>
  %a = tcc.all_reduce avg %x over @m ["tp"] : tensor<2x3xf64>
  %r = tcc.reduce sum %a dims = [1] : tensor<2x3xf64> -> tensor<2xf64>
  %rb = tcc.broadcast %r : tensor<2xf64> -> tensor<2x2xf64>
  %y = tcc.mul %s, %rb : tensor<2x2xf64>
  %q = tcc.mul %y, %y : tensor<2x2xf64>
  %l0 = tcc.reduce sum %q dims = [0, 1] : tensor<2x2xf64> -> tensor<f64>
  %g = tcc.all_gather %t over @m ["tp"] dim = 1 : tensor<2x2xf64> -> tensor<2x4xf64>
  %g2 = tcc.mul %g, %g : tensor<2x4xf64>
  %l1 = tcc.reduce sum %g2 dims = [0, 1] : tensor<2x4xf64> -> tensor<f64>
  %mx = tcc.all_reduce max %t over @m ["tp"] : tensor<2x2xf64>
  %l2 = tcc.reduce sum %mx dims = [0, 1] : tensor<2x2xf64> -> tensor<f64>
  %l01 = tcc.add %l0, %l1 : tensor<f64>
  %l = tcc.add %l01, %l2 : tensor<f64>
  return %l : tensor<f64>
}
)mlir";

TEST_F(GradientCheck, PerDeviceProgramsMatchCentralDifferences) {
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    diagnostics += d.str() + "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(kPerDeviceLoss, &context);
  ASSERT_TRUE(module) << diagnostics;
  auto forward = *module->getOps<func::FuncOp>().begin();
  MeshOp mesh = *module->getOps<MeshOp>().begin();
  FailureOr<func::FuncOp> gradient = buildGradientFunction(forward);
  ASSERT_TRUE(succeeded(gradient)) << diagnostics;
  ASSERT_TRUE(succeeded(verify(*module))) << diagnostics;

  // Global arguments, each device's shards of them.
  std::mt19937_64 rng(20261128);
  SmallVector<interp::Tensor> global;
  SmallVector<ShardingAttr> shardings;
  for (unsigned i = 0; i < forward.getNumArguments(); ++i) {
    shardings.push_back(
        forward.getArgAttrOfType<ShardingAttr>(i, attrs::kSharding));
    SmallVector<int64_t> shape(
        cast<RankedTensorType>(forward.getArgumentTypes()[i]).getShape());
    if (shardings.back())
      for (unsigned d = 0; d < shape.size(); ++d)
        shape[d] *= shardings.back().getDimAxes(d).empty() ? 1 : 2;
    global.push_back(randomTensor(
        RankedTensorType::get(shape, Float64Type::get(&context)), "parameter",
        rng));
  }
  auto perDevice = [&] {
    SmallVector<SmallVector<interp::Tensor>> arguments(2);
    for (int64_t rank = 0; rank < 2; ++rank)
      for (auto [tensor, sharding] : llvm::zip_equal(global, shardings))
        arguments[rank].push_back(interp::shardOf(
            tensor, sharding, mesh, mesh.getCoordinates(rank)));
    return arguments;
  };
  auto loss = [&] {
    auto results = interp::evaluateSpmd(forward, mesh, perDevice());
    EXPECT_TRUE(succeeded(results)) << diagnostics;
    // The same on both devices.
    EXPECT_EQ((*results)[0][0].getDouble(0), (*results)[1][0].getDouble(0));
    return (*results)[0][0].getDouble(0);
  };
  auto grads = interp::evaluateSpmd(*gradient, mesh, perDevice());
  ASSERT_TRUE(succeeded(grads)) << diagnostics;

  const double h = 1e-6;
  for (unsigned a = 0; a < global.size(); ++a) {
    SmallVector<interp::Tensor> shards{(*grads)[0][1 + a], (*grads)[1][1 + a]};
    interp::Tensor analytic = interp::assembleShards(shards, shardings[a], mesh);
    if (!shardings[a]) // a replicated argument's gradient: the same on both
      EXPECT_EQ(shards[0].floats(), shards[1].floats())
          << argumentName(forward, a);
    std::vector<double> finite;
    for (int64_t i = 0; i < global[a].numElements(); ++i) {
      double saved = global[a].getDouble(i);
      global[a].setDouble(i, saved + h);
      double up = loss();
      global[a].setDouble(i, saved - h);
      double down = loss();
      global[a].setDouble(i, saved);
      finite.push_back((up - down) / (2 * h));
    }
    double error = relativeError(analytic.floats(), finite);
    EXPECT_LE(error, 1e-6) << "gradient of '" << argumentName(forward, a)
                           << "': relative error " << error;
  }
}

TEST_F(GradientCheck, EveryRegisteredOpIsDifferentiableOrSaysWhyNot) {
  llvm::StringSet<> tested;
  for (const Case &c : cases())
    tested.insert(c.op);
  // PerDeviceProgramsMatchCentralDifferences:
  tested.insert("tcc.all_reduce");
  tested.insert("tcc.all_gather");
  for (RegisteredOperationName name : context.getRegisteredOperations()) {
    if (name.getDialectNamespace() != "tcc")
      continue;
    std::string op = name.getStringRef().str();
    bool differentiable = name.hasInterface<DifferentiableOp>();
    if (differentiable) {
      EXPECT_TRUE(tested.contains(op))
          << op << " has a VJP but no finite-difference case";
      EXPECT_FALSE(noGradient().count(op))
          << op << " has a VJP and is listed as having none";
    } else {
      EXPECT_TRUE(noGradient().count(op))
          << op << " has no VJP and is not listed with a reason";
    }
  }
}

} // namespace
