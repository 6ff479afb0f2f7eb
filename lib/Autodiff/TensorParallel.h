//===- TensorParallel.h - Megatron's split of matmul pairs ------*- C++ -*-===//
//
// Tensor parallelism as Megatron-LM does it for a transformer's MLP
// (Shoeybi et al. 2019): in `act(x W1^T + b1) W2^T + b2`, each of `tp`
// devices holds a slice of W1's rows and b1 (column-parallel) and the same
// slice of W2's columns (row-parallel), computes its slice of the hidden
// activation, and the devices' partial products of the second matmul are
// summed by one all_reduce over tp. The backward's matching all_reduce (of
// the gradient of x, which every device holds whole) comes from autodiff's
// rule for per-device programs (ReverseMode.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_AUTODIFF_TENSORPARALLEL_H
#define TCC_LIB_AUTODIFF_TENSORPARALLEL_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::tcc::autodiff {

/// Splits every pair `forward` (a per-device function on `mesh`) computes
/// as `matmul(h(matmul(x, W1^T) [+ broadcast(b1)]), W2^T)`, where W1 [H, D],
/// b1 [H] and W2 [O, H] are parameters read nowhere else, h is
/// elementwise ops and reshapes that keep the last dimension H, and `tp`
/// divides H: the parameters become the device's slices (with their
/// tcc.sharding over `axis`), the values in between are retyped to H / tp,
/// and the second matmul's partial products are summed over `axis`.
/// Returns how many pairs it split.
unsigned splitMatmulPairs(func::FuncOp forward, FlatSymbolRefAttr mesh,
                          StringRef axis, int64_t tp);

} // namespace mlir::tcc::autodiff

#endif // TCC_LIB_AUTODIFF_TENSORPARALLEL_H
