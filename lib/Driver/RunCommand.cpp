//===- RunCommand.cpp - `tcc run` and `tcc bench` -------------------------===//
//
// The same code as the runtime's tcc-run, linked into the driver.
//
//===----------------------------------------------------------------------===//

#include "tcc/Driver/Commands.h"

#include "tcc/runtime/RunTool.h"

int mlir::tcc::runMain(int argc, char **argv) {
  return ::tcc::rt::runMain(argc - 1, argv + 1, "tcc run");
}

int mlir::tcc::benchMain(int argc, char **argv) {
  return ::tcc::rt::benchMain(argc - 1, argv + 1, "tcc bench");
}
