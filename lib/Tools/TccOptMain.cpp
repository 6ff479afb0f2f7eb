//===- TccOptMain.cpp - the tcc-opt tool ----------------------------------===//

#include "tcc/Tools/TccOptMain.h"

#include "tcc/Autodiff/Autodiff.h"
#include "tcc/Conversion/Passes.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"
#include "tcc/Tools/InputLimits.h"
#include "tcc/Transforms/Passes.h"

#include "mlir/Dialect/Func/Extensions/AllExtensions.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;

void tcc::registerTccDialects(DialectRegistry &registry) {
  registry.insert<tcc::TccDialect, func::FuncDialect>();
  // Gradients of the tcc ops (tcc-autodiff).
  registerDifferentiableOpModels(registry);
  // func.call inlining and the other interfaces of the func dialect.
  func::registerAllExtensions(registry);
}

void tcc::registerTccPasses() {
  registerTccTransformsPasses();
  registerTccConversionPasses();
  // canonicalize, cse, inline, symbol-dce, ... for pipelines and tests.
  registerTransformsPasses();
}

int tcc::tccOptMain(int argc, char **argv) {
  DialectRegistry registry;
  registerTccDialects(registry);
  registerTccPasses();
  // tcc-opt is mlir-opt plus tcc: every upstream dialect and pass, so that
  // each phase of tcc's lowering (linalg, bufferization, vector, gpu, nvvm,
  // llvm) can be run and tested alone, as the phases' lit tests do.
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllPasses();
  auto [inputFilename, outputFilename] =
      registerAndParseCLIOptions(argc, argv, "tcc modular optimizer", registry);
  MlirOptMainConfig config = MlirOptMainConfig::createFromCLOptions();

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      openInputFile(inputFilename, &error);
  if (!input) {
    llvm::WithColor::error(llvm::errs(), "tcc-opt") << error << "\n";
    return 1;
  }
  // Check the limits on a copy the SourceMgr owns, then hand the original
  // buffer to MlirOptMain.
  llvm::SourceMgr limitsCheck;
  limitsCheck.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(input->getBuffer(),
                                           input->getBufferIdentifier()),
      llvm::SMLoc());
  if (failed(checkInputLimits(limitsCheck)))
    return 1;

  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::WithColor::error(llvm::errs(), "tcc-opt") << error << "\n";
    return 1;
  }
  if (failed(MlirOptMain(output->os(), std::move(input), registry, config)))
    return 1;
  output->keep();
  return 0;
}
