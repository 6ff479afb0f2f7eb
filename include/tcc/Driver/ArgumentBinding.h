//===- ArgumentBinding.h - tensors for an entry function's arguments -*- C++ -*-===//
//
// How `tcc eval` (and later `tcc run`) fills a function's arguments: .npy
// files bound by argument name, checked against the signature, and
// deterministic random values for the rest.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_DRIVER_ARGUMENTBINDING_H
#define TCC_DRIVER_ARGUMENTBINDING_H

#include "tcc/Interpreter/Tensor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>

namespace mlir::tcc {

/// The global type of argument `index`: in a per-device function the
/// declared type is one device's shard, and the user gives the global
/// tensor that the argument's sharding splits (or, with tcc.user_shape, the
/// tensor it is a view of).
RankedTensorType globalArgumentType(func::FuncOp function, unsigned index);

/// Deterministic random values for argument `index` (global shape): normal
/// floats (Box-Muller on Philox draws, identical on every platform;
/// parameters scaled by 1/sqrt(fan-in) as PyTorch's initializers do),
/// integers in [0, n) where n is the size of the dimension they index, fair
/// booleans, and PyTorch's initial BatchNorm running statistics.
interp::Tensor randomArgument(func::FuncOp function, unsigned index,
                              uint64_t seed);

struct BoundArguments {
  SmallVector<interp::Tensor> values;
  /// The .npy files read, so that outputs never overwrite them.
  SmallVector<std::string> inputPaths;
};

/// Binds `NAME=@FILE.npy` specs to arguments by name and fills the rest
/// with random values from `seed` (noting each on stderr unless `quiet`;
/// messages are prefixed with `tool`).
/// Every argument counts against `maxBytes` before it is allocated.
/// Reports and returns failure on a malformed spec, an unknown or repeated
/// name, an unreadable file, or a tensor of the wrong shape or dtype.
FailureOr<BoundArguments> bindArguments(func::FuncOp function,
                                        ArrayRef<std::string> specs,
                                        uint64_t seed, int64_t maxBytes,
                                        bool quiet, StringRef tool);

/// "f32[2, 3]".
std::string describeTensor(interp::DType dtype, ArrayRef<int64_t> shape);

} // namespace mlir::tcc

#endif // TCC_DRIVER_ARGUMENTBINDING_H
