//===- JitTest.cpp - compiling and running in-process ---------------------===//
//
// jitCompile against the evaluator on the same inputs, and the compilation
// cache: a second compilation of the same module and options loads the
// artifact instead of compiling, and any change of module or options
// compiles again.
//
//===----------------------------------------------------------------------===//

#include "tcc/JIT/Jit.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Driver/ModuleLoader.h"
#include "tcc/Interpreter/Interpreter.h"
#include "tcc/Interpreter/Tensor.h"
#include "tcc/runtime/RandomInputs.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
namespace rt = ::tcc::rt;

namespace {

// A small MLP block with a softmax: a BLAS matmul, a fused epilogue and a
// row reduction.
constexpr const char *kModel = R"mlir(
func.func @main(%x: tensor<32x48xf32> {tcc.name = "x"},
                %w: tensor<64x48xf32> {tcc.name = "w", tcc.role = "parameter"},
                %b: tensor<64xf32> {tcc.name = "b", tcc.role = "parameter"})
    -> (tensor<32x64xf32> {tcc.name = "p"}) {
  %h = tcc.matmul %x, %w {transpose_rhs} : (tensor<32x48xf32>, tensor<64x48xf32>) -> tensor<32x64xf32>
  %bb = tcc.broadcast %b : tensor<64xf32> -> tensor<32x64xf32>
  %z = tcc.add %h, %bb : tensor<32x64xf32>
  %a = tcc.gelu %z : tensor<32x64xf32>
  %p = tcc.softmax %a dim = 1 : tensor<32x64xf32>
  return %p : tensor<32x64xf32>
}
)mlir";

class JitTest : public ::testing::Test {
protected:
  JitTest()
      : context(createTccContext()),
        handler(context.get(), [this](Diagnostic &d) {
          diagnostics += d.str() + "\n";
          return success();
        }) {
    llvm::SmallString<128> dir;
    EXPECT_FALSE(llvm::sys::fs::createUniqueDirectory("tcc-jit-test", dir));
    cacheDir = std::string(dir);
  }
  ~JitTest() override { llvm::sys::fs::remove_directories(cacheDir); }

  OwningOpRef<ModuleOp> parse(StringRef source) {
    return parseSourceString<ModuleOp>(source, context.get());
  }

  JitOptions options() {
    JitOptions o;
    o.cacheDirectory = cacheDir;
    o.threads = 2;
    return o;
  }

  static rt::HostArray normal(std::vector<int64_t> shape, unsigned stream) {
    rt::HostArray a;
    a.dtype = rt::DType::F32;
    a.shape = std::move(shape);
    a.bytes.resize(static_cast<size_t>(a.numElements()) * 4);
    for (int64_t i = 0; i < a.numElements(); ++i)
      rt::setElement(a, i, rt::randomNormal(7, stream, i));
    return a;
  }

  std::unique_ptr<MLIRContext> context;
  ScopedDiagnosticHandler handler;
  std::string diagnostics;
  std::string cacheDir;
};

TEST_F(JitTest, MatchesTheEvaluator) {
  OwningOpRef<ModuleOp> module = parse(kModel);
  ASSERT_TRUE(module);
  auto model = jitCompile(*module, options());
  ASSERT_TRUE(succeeded(model)) << diagnostics;
  std::vector<rt::HostArray> inputs = {normal({32, 48}, 0), normal({64, 48}, 1),
                                       normal({64}, 2)};
  std::vector<const rt::HostArray *> bound;
  SmallVector<interp::Tensor> arguments;
  for (const rt::HostArray &a : inputs) {
    bound.push_back(&a);
    arguments.push_back(*interp::Tensor::fromHostArray(a));
  }
  std::vector<rt::HostArray> outputs;
  rt::Status ran = (*model)->run(bound, outputs);
  ASSERT_TRUE(ran.isOk()) << ran.message();

  FailureOr<func::FuncOp> entry = findEntryFunction(*module, "");
  ASSERT_TRUE(succeeded(entry));
  auto expected = interp::evaluate(*entry, arguments);
  ASSERT_TRUE(succeeded(expected)) << diagnostics;
  rt::HostArray want = (*expected)[0].toHostArray();
  ASSERT_EQ(outputs.size(), 1u);
  ASSERT_EQ(outputs[0].shape, want.shape);
  // f32 tolerance: ||got - want|| / ||want|| <= 1e-5.
  double diff = 0, norm = 0;
  for (int64_t i = 0; i < want.numElements(); ++i) {
    double g = rt::getElement(outputs[0], i), w = rt::getElement(want, i);
    diff += (g - w) * (g - w);
    norm += w * w;
  }
  EXPECT_LE(std::sqrt(diff) / std::max(std::sqrt(norm), 1e-6), 1e-5);

  // Running again reuses the output arrays.
  const uint8_t *data = outputs[0].bytes.data();
  ASSERT_TRUE((*model)->run(bound, outputs).isOk());
  EXPECT_EQ(outputs[0].bytes.data(), data);
}

TEST_F(JitTest, TheCacheSkipsCompilation) {
  OwningOpRef<ModuleOp> module = parse(kModel);
  ASSERT_TRUE(module);
  auto first = jitCompile(*module, options());
  ASSERT_TRUE(succeeded(first)) << diagnostics;
  EXPECT_FALSE((*first)->loadedFromCache());

  // The same module, parsed again (a new process would do the same).
  OwningOpRef<ModuleOp> again = parse(kModel);
  auto second = jitCompile(*again, options());
  ASSERT_TRUE(succeeded(second)) << diagnostics;
  EXPECT_TRUE((*second)->loadedFromCache());
  EXPECT_EQ((*first)->artifact(), (*second)->artifact());

  // Another option compiles again.
  JitOptions noBlas = options();
  noBlas.target.useBlas = false;
  auto third = jitCompile(*again, noBlas);
  ASSERT_TRUE(succeeded(third)) << diagnostics;
  EXPECT_FALSE((*third)->loadedFromCache());

  // So does another module.
  std::string changed(kModel);
  changed.replace(changed.find("dim = 1"), 7, "dim = 0");
  OwningOpRef<ModuleOp> other = parse(changed);
  ASSERT_TRUE(other);
  auto fourth = jitCompile(*other, options());
  ASSERT_TRUE(succeeded(fourth)) << diagnostics;
  EXPECT_FALSE((*fourth)->loadedFromCache());
}

TEST_F(JitTest, CompilationErrorsAreDiagnostics) {
  OwningOpRef<ModuleOp> module = parse(R"mlir(
tcc.mesh @m(dp = 2)
func.func @main(%x: tensor<2xf32> {tcc.name = "x"}) -> (tensor<2xf32> {tcc.name = "y"}) {
  %y = tcc.all_reduce sum %x over @m ["dp"] : tensor<2xf32>
  return %y : tensor<2xf32>
}
)mlir");
  ASSERT_TRUE(module);
  EXPECT_TRUE(failed(jitCompile(*module, options())));
  EXPECT_NE(diagnostics.find("is a collective in a single-device program"),
            std::string::npos)
      << diagnostics;
}

} // namespace
