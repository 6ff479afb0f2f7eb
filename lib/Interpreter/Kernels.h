//===- Kernels.h - the evaluator's per-op kernels ---------------*- C++ -*-===//
//
// One kernel per op, grouped by family in Elementwise.cpp, DataMovement.cpp,
// Reductions.cpp, Contractions.cpp, Normalization.cpp, Random.cpp and
// Collectives.cpp; Interpreter.cpp walks the function and calls them.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_INTERPRETER_KERNELS_H
#define TCC_LIB_INTERPRETER_KERNELS_H

#include "tcc/Interpreter/Interpreter.h"

#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringMap.h"

#include <functional>

namespace mlir::tcc::interp {

class DeviceState;

/// Diagnostic of ops that only a per-device program can run.
inline constexpr llvm::StringLiteral kNeedsMesh =
    "needs a per-device program: add `tcc.mesh = @mesh` to the function";

/// What a kernel may use besides its operands.
class KernelContext {
public:
  KernelContext(const EvalOptions &options, DeviceState *device,
                int64_t budgetBytes)
      : options(options), device(device), budgetBytes(budgetBytes) {}

  /// Checks that a tensor of `shape` fits the memory budget beside the live
  /// tensors; reports at `op` otherwise.
  LogicalResult checkBudget(Operation *op, ArrayRef<int64_t> shape);
  /// A zero tensor of `result`'s type, or failure (reported at `op`) when
  /// it does not fit the budget.
  FailureOr<Tensor> allocate(Operation *op, Value result);
  FailureOr<Tensor> allocate(Operation *op, DType dtype,
                             ArrayRef<int64_t> shape);

  const EvalOptions &options;
  /// The simulated device running this op; null outside an SPMD evaluation.
  DeviceState *device;
  /// This device's share of EvalOptions::maxBytes, and the bytes its live
  /// values hold (8 per element, as the evaluator stores them).
  int64_t budgetBytes;
  int64_t liveBytes = 0;
};

/// Bytes the evaluator uses for a tensor of `shape`.
int64_t evaluatorBytes(ArrayRef<int64_t> shape);

using Kernel = std::function<LogicalResult(
    Operation *op, ArrayRef<const Tensor *> operands,
    SmallVectorImpl<Tensor> &results, KernelContext &context)>;
using KernelTable = llvm::StringMap<Kernel>;

void registerElementwiseKernels(KernelTable &table);
void registerDataMovementKernels(KernelTable &table);
void registerReductionKernels(KernelTable &table);
void registerContractionKernels(KernelTable &table);
void registerNormalizationKernels(KernelTable &table);
void registerRandomKernels(KernelTable &table);
void registerCollectiveKernels(KernelTable &table);

/// Calls `fn(index, linear)` for every multi-index of `shape` in row-major
/// order.
void forEachIndex(ArrayRef<int64_t> shape,
                  llvm::function_ref<void(ArrayRef<int64_t>, int64_t)> fn);

/// Adds `kernel` for op `OpTy`, adapting the generic signature to a typed op.
template <typename OpTy, typename Fn>
void addKernel(KernelTable &table, Fn fn) {
  table[OpTy::getOperationName()] =
      [fn](Operation *op, ArrayRef<const Tensor *> operands,
           SmallVectorImpl<Tensor> &results, KernelContext &context) {
        return fn(cast<OpTy>(op), operands, results, context);
      };
}

} // namespace mlir::tcc::interp

#endif // TCC_LIB_INTERPRETER_KERNELS_H
