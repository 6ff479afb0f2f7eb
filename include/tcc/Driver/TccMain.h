//===- TccMain.h - the tcc driver -------------------------------*- C++ -*-===//

#ifndef TCC_DRIVER_TCCMAIN_H
#define TCC_DRIVER_TCCMAIN_H

namespace mlir::tcc {

/// `tcc <subcommand> ...`; returns the process exit code.
int tccMain(int argc, char **argv);

} // namespace mlir::tcc

#endif // TCC_DRIVER_TCCMAIN_H
