//===- mlp.cpp - examples/mlp.mlir, written with the C++ tracing API ------===//
//
// The same two-layer perceptron with its cross-entropy loss as
// examples/mlp.mlir, defined eagerly in C++; prints the traced module. Its
// ops carry this file's lines as locations (printed with the module).
//
//   build/bin/tcc-example-mlp > mlp.mlir && build/bin/tcc eval mlp.mlir
//
//===----------------------------------------------------------------------===//

#include "tcc/Frontend/Graph.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::tcc::frontend;

int main() {
  MLIRContext context;
  Graph g(context, "forward");
  Type i64 = IntegerType::get(&context, 64);

  Tensor x = g.input("x", {16, 64});
  Tensor labels = g.input("labels", {16}, i64);
  Tensor w1 = g.parameter("fc1.weight", {128, 64});
  Tensor b1 = g.parameter("fc1.bias", {128});
  Tensor w2 = g.parameter("fc2.weight", {10, 128});
  Tensor b2 = g.parameter("fc2.bias", {10});

  Tensor h = linear(x, w1, b1).gelu();
  Tensor logits = linear(h, w2, b2);
  g.output("logits", logits);
  g.output("loss", crossEntropy(logits, labels), "loss");

  FailureOr<OwningOpRef<ModuleOp>> module = g.build();
  if (failed(module)) {
    for (const std::string &error : g.errors())
      llvm::errs() << error << "\n";
    return 1;
  }
  (*module)->print(llvm::outs(), OpPrintingFlags().enableDebugInfo());
  llvm::outs() << "\n";
  return 0;
}
