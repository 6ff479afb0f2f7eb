//===- TensorParallel.h - Megatron's split of matmul regions ----*- C++ -*-===//
//
// Tensor parallelism as Megatron-LM does it for a transformer (Shoeybi et
// al. 2019): in an MLP `act(x W1^T + b1) W2^T + b2`, each of `tp` devices
// holds a slice of W1's rows and b1 (column-parallel) and the same slice of
// W2's columns (row-parallel), computes its slice of the hidden activation,
// and the devices' partial products of the second matmul are summed by one
// all_reduce over tp. Attention is split the same way per head: each
// device holds q, k and v of its heads (rows of the fused qkv weight) and
// the output projection's matching columns. The backward's matching
// all_reduce (of the gradient of x, which every device holds whole) comes
// from autodiff's rule for per-device programs (ReverseMode.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_AUTODIFF_TENSORPARALLEL_H
#define TCC_LIB_AUTODIFF_TENSORPARALLEL_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace mlir::tcc::autodiff {

/// What a tcc.annotate on a parameter asks of tensor parallelism: the
/// dimension split over tp, or none (kept whole).
struct SplitRequest {
  Location loc;
  std::optional<int64_t> dim;
};
using SplitRequests = llvm::DenseMap<Value, SplitRequest>;

/// Splits every region `forward` (a per-device function on `mesh`)
/// computes from a matmul `x W1^T` (W1 a parameter read nowhere else) to
/// matmuls `h W2^T` (W2 likewise), through the ops TensorParallel.cpp
/// lists, where `tp` divides every size it cuts: the parameters become the
/// device's parts (with their tcc.sharding over `axis`, and tcc.user_shape
/// for a weight of interleaved groups such as fused qkv), the values in
/// between are retyped to their local shapes, and each end's partial
/// products are summed over `axis`; then the vocabulary tables
/// (VocabParallel.h). Returns how many regions and tables it split, and
/// warns when that is none.
///
/// A `tcc.annotate` on a parameter is honoured: replicated keeps every
/// region that would split it whole; a split over `axis` along one
/// dimension is made by the region that splits the parameter that way, and
/// is an error (at the annotation) when there is none. Other annotations
/// are dropped with a warning.
FailureOr<unsigned> splitMatmulRegions(func::FuncOp forward,
                                       FlatSymbolRefAttr mesh, StringRef axis,
                                       int64_t tp);

/// Replaces operand `operand` of `user`, a splat constant or a broadcast
/// that repeats along a dimension being split, by a copy of type `local`
/// (the device's part).
void useLocalCopy(Operation *user, unsigned operand, RankedTensorType local);

/// Removes the tcc.annotate ops of `function`, built into a per-device
/// program without a tensor-parallel axis `axis` (it runs on tcc's own
/// mesh), each with a warning: a split over `axis` (of size 1 here) holds
/// the whole parameter, other annotations are not honoured. Fails on an
/// annotation asking for a split over another axis.
LogicalResult dropAnnotations(func::FuncOp function, StringRef axis);

} // namespace mlir::tcc::autodiff

#endif // TCC_LIB_AUTODIFF_TENSORPARALLEL_H
