//===- InputLimits.h - reject inputs that would exhaust the parser -*- C++ -*-===//
//
// MLIR's parser recurses once per nesting level of brackets and types, so a
// file of a few hundred kilobytes of `(((...` overflows the stack. Every tool
// that parses user files runs this check first and reports the place.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_TOOLS_INPUTLIMITS_H
#define TCC_TOOLS_INPUTLIMITS_H

#include "mlir/IR/Location.h"
#include "llvm/Support/LogicalResult.h"
#include "llvm/Support/SourceMgr.h"

namespace mlir::tcc {

/// Deepest bracket nesting accepted in a source file; real models stay far
/// below it (a transformer block nests about 10 deep).
inline constexpr unsigned kMaxNestingDepth = 256;

/// Checks the buffers of `sourceMgr` for nesting deeper than
/// kMaxNestingDepth; reports the first offending place through `sourceMgr`.
llvm::LogicalResult checkInputLimits(llvm::SourceMgr &sourceMgr);

} // namespace mlir::tcc

#endif // TCC_TOOLS_INPUTLIMITS_H
