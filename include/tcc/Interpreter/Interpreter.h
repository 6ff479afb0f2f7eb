//===- Interpreter.h - the reference evaluator of tcc programs --*- C++ -*-===//
//
// The numerical oracle of tcc, like StableHLO's interpreter: it runs a tcc
// function on the host with straightforward loops, so every pass and backend
// can be checked against it. A function with a `tcc.mesh` attribute is a
// per-device program and runs once per device of a simulated mesh, one
// thread per device, with collectives and send/recv exchanged in memory.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_INTERPRETER_INTERPRETER_H
#define TCC_INTERPRETER_INTERPRETER_H

#include "tcc/Interpreter/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringRef.h"

#include <chrono>

namespace mlir::tcc {
class MeshOp;
namespace interp {

/// Largest mesh the evaluator simulates (one host thread per device).
inline constexpr int64_t kMaxSimulatedDevices = 1024;

struct EvalOptions {
  /// Compute every float op in f64 without rounding to the graph's dtype.
  bool computeInF64 = false;
  /// Largest total size of live tensors, in bytes (as the evaluator stores
  /// them: 8 bytes per element; an SPMD evaluation gives each device an
  /// equal share); a program over it fails with a located error instead of
  /// exhausting the host.
  int64_t maxBytes = int64_t(8) << 30;
  /// How long a device waits at a collective or recv for its peers before
  /// the evaluation fails (mismatched collectives would otherwise hang).
  std::chrono::milliseconds collectiveTimeout{20000};
};

/// Checks that every argument and result of `function` is a tensor the
/// evaluator can hold (static shape, tcc element type); reports at the
/// function otherwise.
LogicalResult checkSignature(func::FuncOp function);

/// Evaluates `function` on one device. Arguments must match its signature
/// (types are checked, with located errors). Errors are reported through the
/// context's diagnostic handler.
FailureOr<SmallVector<Tensor>> evaluate(func::FuncOp function,
                                        ArrayRef<Tensor> arguments,
                                        const EvalOptions &options = {});

/// Evaluates the per-device program `function` on every device of `mesh`;
/// `arguments[d]` are device d's arguments (d is the row-major device rank).
/// Returns each device's results.
FailureOr<SmallVector<SmallVector<Tensor>>>
evaluateSpmd(func::FuncOp function, MeshOp mesh,
             ArrayRef<SmallVector<Tensor>> arguments,
             const EvalOptions &options = {});

/// Names of the tcc ops the evaluator can run; a test checks that every
/// registered op of the dialect is among them.
SmallVector<StringRef> supportedOperations();

} // namespace interp
} // namespace mlir::tcc

#endif // TCC_INTERPRETER_INTERPRETER_H
