//===- ModuleLoader.cpp - parse and verify a user's .mlir file ------------===//

#include "tcc/Driver/ModuleLoader.h"

#include "tcc/Tools/InputLimits.h"
#include "tcc/Tools/TccOptMain.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
using namespace mlir::tcc;

LoadedModule::LoadedModule() = default;
LoadedModule::~LoadedModule() = default;

std::unique_ptr<LoadedModule> LoadedModule::load(StringRef path,
                                                 MLIRContext &context) {
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = openInputFile(path, &error);
  if (!buffer) {
    llvm::WithColor::error(llvm::errs(), "tcc") << error << "\n";
    return nullptr;
  }
  std::unique_ptr<LoadedModule> loaded(new LoadedModule());
  loaded->sourceMgr_.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  loaded->handler_ = std::make_unique<SourceMgrDiagnosticHandler>(
      loaded->sourceMgr_, &context);
  if (failed(checkInputLimits(loaded->sourceMgr_)))
    return nullptr;
  loaded->module_ = parseSourceFile<ModuleOp>(loaded->sourceMgr_, &context);
  if (!loaded->module_)
    return nullptr;
  return loaded;
}

std::unique_ptr<MLIRContext> mlir::tcc::createTccContext() {
  DialectRegistry registry;
  registerTccDialects(registry);
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  // Diagnostics point at the user's source line; the generic op dump that
  // MLIR appends by default only repeats it less readably.
  context->printOpOnDiagnostic(false);
  return context;
}
