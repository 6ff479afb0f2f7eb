//===- LoweringCoverageTest.cpp - every tcc op has a lowering -------------===//
//
// Enumerates the ops the tcc dialect registers: each compute op must have a
// lowering to linalg (which the CPU backend and later the CUDA backend
// compile), and the others must be on the short list of ops the backends'
// plan builders handle themselves. An op added to the dialect without a
// lowering fails here. The numerics of each lowering are tested end to end
// by test/e2e (run once in the evaluator and once compiled for the CPU).
//
//===----------------------------------------------------------------------===//

#include "tcc/Conversion/TccToLinalg.h"
#include "tcc/Dialect/Tcc/IR/TccDialect.h"

#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

#include <set>
#include <string>

using namespace mlir;

namespace {

/// Structure and communication, not computation: the plan builders turn
/// these into commands (collectives, send/recv, pipeline stages) or they
/// describe the program (mesh, annotate, fusion regions).
const std::set<std::string> kNotKernels = {
    "tcc.mesh",      "tcc.annotate",        "tcc.all_reduce",
    "tcc.all_gather", "tcc.reduce_scatter", "tcc.all_slice", "tcc.all_to_all",
    "tcc.collective_broadcast", "tcc.send", "tcc.recv",
    "tcc.stage",     "tcc.yield",           "tcc.fusion",
};

TEST(LoweringCoverage, EveryComputeOpLowers) {
  MLIRContext context;
  context.loadDialect<mlir::tcc::TccDialect>();
  int computeOps = 0;
  for (RegisteredOperationName name : context.getRegisteredOperations()) {
    if (name.getDialectNamespace() != "tcc")
      continue;
    std::string op = name.getStringRef().str();
    if (kNotKernels.count(op)) {
      EXPECT_FALSE(mlir::tcc::hasLinalgLowering(name))
          << op << " is listed as not a kernel but has a lowering";
      continue;
    }
    ++computeOps;
    EXPECT_TRUE(mlir::tcc::hasLinalgLowering(name))
        << op << " has no lowering to linalg: add one in "
                 "lib/Conversion/TccToLinalg and an end-to-end test";
  }
  // The dialect has 43 compute ops today; fewer means the enumeration broke.
  EXPECT_GE(computeOps, 43);
}

TEST(LoweringCoverage, NonKernelListNamesRealOps) {
  MLIRContext context;
  context.loadDialect<mlir::tcc::TccDialect>();
  for (const std::string &op : kNotKernels)
    EXPECT_TRUE(RegisteredOperationName::lookup(op, &context).has_value())
        << op << " is not a registered op: update the list";
}

} // namespace
