//===- tcc.cpp - the tcc driver -------------------------------------------===//

#include "tcc/Driver/TccMain.h"

int main(int argc, char **argv) { return mlir::tcc::tccMain(argc, argv); }
