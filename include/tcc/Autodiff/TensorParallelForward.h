//===- TensorParallelForward.h - forward programs split over tp -*- C++ -*-===//
//
// Inference with tensor parallelism: a forward function (no loss needed)
// becomes a per-device program on tcc's mesh `tcc_mesh(tp = N)` with the
// splits tcc-train-step makes for training (Megatron's MLP and attention
// regions, the vocabulary's table and head), each device computing its
// part and every result whole on every device (the logits gathered).
// `tcc compile --mesh=tp=N model.mlir`; `mpirun -np N tcc run` binds the
// user's whole tensors and each rank keeps its block.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_AUTODIFF_TENSORPARALLELFORWARD_H
#define TCC_AUTODIFF_TENSORPARALLELFORWARD_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::tcc {

/// Makes `forward` (in a module) a per-device program over `tp` devices as
/// above, in place; warns when nothing is split. Fails (with an error) on
/// an annotation it cannot honour.
LogicalResult splitForwardOverTensorParallel(func::FuncOp forward, int64_t tp);

} // namespace mlir::tcc

#endif // TCC_AUTODIFF_TENSORPARALLELFORWARD_H
