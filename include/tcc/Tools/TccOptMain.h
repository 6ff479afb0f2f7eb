//===- TccOptMain.h - the tcc-opt tool --------------------------*- C++ -*-===//

#ifndef TCC_TOOLS_TCCOPTMAIN_H
#define TCC_TOOLS_TCCOPTMAIN_H

namespace mlir {
class DialectRegistry;
namespace tcc {

/// Registers the tcc dialect and the upstream dialects tcc programs use.
void registerTccDialects(DialectRegistry &registry);

/// Registers every tcc pass and the upstream passes tcc pipelines use.
void registerTccPasses();

/// `tcc-opt`: mlir-opt with tcc's dialects and passes, after tcc's input
/// limits check. Returns the process exit code.
int tccOptMain(int argc, char **argv);

} // namespace tcc
} // namespace mlir

#endif // TCC_TOOLS_TCCOPTMAIN_H
