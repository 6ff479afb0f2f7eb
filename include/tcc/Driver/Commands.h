//===- Commands.h - the subcommands of the tcc driver -----------*- C++ -*-===//

#ifndef TCC_DRIVER_COMMANDS_H
#define TCC_DRIVER_COMMANDS_H

namespace mlir::tcc {

/// `tcc eval`: runs a model through the reference evaluator. `argv[0]` is
/// the subcommand's name.
int evalMain(int argc, char **argv);
int compileMain(int argc, char **argv);
int runMain(int argc, char **argv);
int benchMain(int argc, char **argv);
int verifyMain(int argc, char **argv);
int importMain(int argc, char **argv);

} // namespace mlir::tcc

#endif // TCC_DRIVER_COMMANDS_H
