//===- tcc-parse-fuzzer.cpp - libFuzzer target: parse and verify ----------===//
//
// Feeds arbitrary bytes through the path every tcc tool takes with a user's
// file: the input limits check, the parser and the verifiers of every tcc
// op; inputs that verify then go through tcc-fuse, whose output must verify
// too. Built with ASan and UBSan (TCC_BUILD_FUZZERS), so a crash, an
// out-of-bounds access, undefined behaviour or invalid IR out of the pass is
// a finding. CI runs it for about a minute from the lit tests as seeds.
//
//===----------------------------------------------------------------------===//

#include "tcc/Driver/ModuleLoader.h"
#include "tcc/Tools/InputLimits.h"
#include "tcc/Transforms/Passes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstddef>
#include <cstdint>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context now and then: uniqued types and attributes of past
  // inputs would otherwise accumulate for the whole run.
  static std::unique_ptr<MLIRContext> context;
  static unsigned uses = 0;
  if (!context || ++uses % 512 == 0) {
    context = tcc::createTccContext();
    context->disableMultithreading();
  }
  ScopedDiagnosticHandler silence(context.get(),
                                  [](Diagnostic &) { return success(); });
  llvm::SourceMgr sourceMgr;
  sourceMgr.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz"),
      llvm::SMLoc());
  if (failed(tcc::checkInputLimits(sourceMgr)))
    return 0;
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, context.get());
  if (!module)
    return 0;
  PassManager pm(context.get());
  pm.addPass(tcc::createTccFuse());
  // The pass manager verifies after the pass: a failure here means tcc-fuse
  // turned valid IR into invalid IR.
  if (failed(pm.run(*module)))
    __builtin_trap();
  return 0;
}
