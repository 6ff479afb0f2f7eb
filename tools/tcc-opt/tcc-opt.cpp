//===- tcc-opt.cpp - run any tcc pass or pipeline on an MLIR file ---------===//

#include "tcc/Tools/TccOptMain.h"

int main(int argc, char **argv) { return mlir::tcc::tccOptMain(argc, argv); }
