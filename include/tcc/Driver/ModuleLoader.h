//===- ModuleLoader.h - parse and verify a user's .mlir file ----*- C++ -*-===//

#ifndef TCC_DRIVER_MODULELOADER_H
#define TCC_DRIVER_MODULELOADER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/SourceMgr.h"

#include <memory>

namespace mlir {
class SourceMgrDiagnosticHandler;
namespace tcc {

/// A module parsed from a file, with the source manager and diagnostic
/// handler that keep later diagnostics (verification, evaluation) pointing
/// at the file's lines.
class LoadedModule {
public:
  /// Reads, limit-checks, parses and verifies `path`. Returns null after
  /// printing located diagnostics when any step fails.
  static std::unique_ptr<LoadedModule> load(StringRef path,
                                            MLIRContext &context);
  ~LoadedModule();

  ModuleOp module() { return *module_; }

private:
  LoadedModule();
  llvm::SourceMgr sourceMgr_;
  std::unique_ptr<SourceMgrDiagnosticHandler> handler_;
  OwningOpRef<ModuleOp> module_;
};

/// An MLIRContext with every dialect a tcc program may use.
std::unique_ptr<MLIRContext> createTccContext();

} // namespace tcc
} // namespace mlir

#endif // TCC_DRIVER_MODULELOADER_H
