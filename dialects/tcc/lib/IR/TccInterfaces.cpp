//===- TccInterfaces.cpp - tcc op interfaces ------------------------------===//

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "tcc/Dialect/Tcc/IR/TccInterfaces.cpp.inc"
