//===- Collectives.cpp - evaluator kernels of collectives and send/recv ---===//

#include "Arithmetic.h"
#include "Kernels.h"
#include "SimulatedMesh.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

namespace {

/// Elementwise reduction of the group's tensors.
Tensor reduceAll(ArrayRef<const Tensor *> inputs, CollectiveKind kind) {
  Tensor result = *inputs.front();
  int64_t n = static_cast<int64_t>(inputs.size());
  for (int64_t i = 0, e = result.numElements(); i < e; ++i) {
    if (result.isFloat()) {
      double acc = inputs[0]->getDouble(i);
      for (const Tensor *in : inputs.drop_front())
        acc = combine(kind, acc, in->getDouble(i));
      result.setDouble(i, kind == CollectiveKind::avg ? acc / n : acc);
    } else {
      int64_t acc = inputs[0]->getInt(i);
      for (const Tensor *in : inputs.drop_front())
        acc = combine(kind, acc, in->getInt(i));
      result.setInt(i, kind == CollectiveKind::avg ? acc / n : acc);
    }
  }
  result.roundToDType();
  return result;
}

/// The tensors of `parts`, all of one shape, joined along `dim`.
Tensor concatenate(ArrayRef<const Tensor *> parts, int64_t dim) {
  SmallVector<int64_t> shape(parts.front()->shape());
  shape[dim] *= static_cast<int64_t>(parts.size());
  Tensor result(parts.front()->dtype(), shape);
  int64_t partSize = parts.front()->shape()[dim];
  auto partStrides = stridesOf(parts.front()->shape());
  forEachIndex(shape, [&](ArrayRef<int64_t> index, int64_t i) {
    int64_t linear = 0;
    for (auto [d, v] : llvm::enumerate(index))
      linear += partStrides[d] *
                (static_cast<int64_t>(d) == dim ? v % partSize : v);
    result.copyElement(i, *parts[index[dim] / partSize], linear);
  });
  return result;
}

/// Slice `k` of `count` equal slices of `tensor` along `dim`.
Tensor chunk(const Tensor &tensor, int64_t dim, int64_t count, int64_t k) {
  SmallVector<int64_t> shape(tensor.shape());
  shape[dim] /= count;
  Tensor result(tensor.dtype(), shape);
  auto strides = stridesOf(tensor.shape());
  forEachIndex(shape, [&](ArrayRef<int64_t> index, int64_t i) {
    int64_t linear = 0;
    for (auto [d, v] : llvm::enumerate(index))
      linear += strides[d] * (static_cast<int64_t>(d) == dim
                                  ? v + k * shape[dim]
                                  : v);
    result.copyElement(i, tensor, linear);
  });
  return result;
}

SmallVector<StringRef> axesOf(ArrayAttr axes) {
  return llvm::to_vector(axes.getAsValueRange<StringAttr>());
}

/// Runs a collective of `op` through the device's simulated mesh.
LogicalResult runCollective(Operation *op, ArrayAttr axes,
                            ArrayRef<const Tensor *> operands,
                            SmallVectorImpl<Tensor> &results,
                            KernelContext &context, const CombineFn &combine) {
  if (!context.device)
    return op->emitOpError(kNeedsMesh);
  if (failed(context.checkBudget(
          op, cast<RankedTensorType>(op->getResult(0).getType()).getShape())))
    return failure();
  FailureOr<Tensor> result = context.device->mesh.exchange(
      op, *context.device, axesOf(axes), *operands[0], combine);
  if (failed(result))
    return failure();
  results.push_back(std::move(*result));
  return success();
}

/// Registers collective `OpTy`: `makeCombine(op)` binds the op's attributes
/// into the function that computes every group member's result.
template <typename OpTy, typename MakeCombine>
void addCollective(KernelTable &table, MakeCombine makeCombine) {
  addKernel<OpTy>(table, [makeCombine](OpTy op,
                                       ArrayRef<const Tensor *> operands,
                                       SmallVectorImpl<Tensor> &results,
                                       KernelContext &context) {
    return runCollective(op, op.getAxes(), operands, results, context,
                         makeCombine(op));
  });
}

} // namespace

void interp::registerCollectiveKernels(KernelTable &table) {
  using Inputs = ArrayRef<const Tensor *>;
  using Outputs = SmallVectorImpl<Tensor>;
  addCollective<AllReduceOp>(table, [](AllReduceOp op) -> CombineFn {
    return [kind = op.getKind()](Inputs in, Outputs &out) {
      out.assign(in.size(), reduceAll(in, kind));
    };
  });
  addCollective<AllGatherOp>(table, [](AllGatherOp op) -> CombineFn {
    return [dim = static_cast<int64_t>(op.getDim())](Inputs in, Outputs &out) {
      out.assign(in.size(), concatenate(in, dim));
    };
  });
  addCollective<ReduceScatterOp>(table, [](ReduceScatterOp op) -> CombineFn {
    return [dim = static_cast<int64_t>(op.getDim()),
            kind = op.getKind()](Inputs in, Outputs &out) {
      Tensor reduced = reduceAll(in, kind);
      int64_t n = static_cast<int64_t>(in.size());
      for (int64_t k = 0; k < n; ++k)
        out.push_back(chunk(reduced, dim, n, k));
    };
  });
  addCollective<AllSliceOp>(table, [](AllSliceOp op) -> CombineFn {
    return [dim = static_cast<int64_t>(op.getDim())](Inputs in, Outputs &out) {
      int64_t n = static_cast<int64_t>(in.size());
      for (int64_t k = 0; k < n; ++k)
        out.push_back(chunk(*in[k], dim, n, k));
    };
  });
  addCollective<AllToAllOp>(table, [](AllToAllOp op) -> CombineFn {
    return [split = static_cast<int64_t>(op.getSplitDim()),
            concat = static_cast<int64_t>(op.getConcatDim())](Inputs in,
                                                              Outputs &out) {
      int64_t n = static_cast<int64_t>(in.size());
      for (int64_t k = 0; k < n; ++k) {
        // Device k receives slice k of every device's operand.
        SmallVector<Tensor> received;
        for (const Tensor *source : in)
          received.push_back(chunk(*source, split, n, k));
        SmallVector<const Tensor *> parts;
        for (const Tensor &t : received)
          parts.push_back(&t);
        out.push_back(concatenate(parts, concat));
      }
    };
  });
  addCollective<CollectiveBroadcastOp>(
      table, [](CollectiveBroadcastOp op) -> CombineFn {
        return [root = static_cast<int64_t>(op.getRoot())](Inputs in,
                                                           Outputs &out) {
          out.assign(in.size(), *in[root]);
        };
      });

  addKernel<SendOp>(table, [](SendOp op, ArrayRef<const Tensor *> operands,
                              SmallVectorImpl<Tensor> &,
                              KernelContext &context) -> LogicalResult {
    DeviceState *device = context.device;
    if (!device)
      return op.emitOpError(kNeedsMesh);
    SmallVector<int64_t> peer(device->coordinates);
    peer[*device->mesh.axisIndex(op.getAxis())] = op.getPeer();
    device->mesh.send(device->rank, device->mesh.rankOf(peer), op.getTag(),
                      *operands[0]);
    return success();
  });

  addKernel<RecvOp>(table, [](RecvOp op, ArrayRef<const Tensor *>,
                              SmallVectorImpl<Tensor> &results,
                              KernelContext &context) -> LogicalResult {
    DeviceState *device = context.device;
    if (!device)
      return op.emitOpError(kNeedsMesh);
    SmallVector<int64_t> peer(device->coordinates);
    peer[*device->mesh.axisIndex(op.getAxis())] = op.getPeer();
    FailureOr<Tensor> received = device->mesh.recv(
        op, *device, device->mesh.rankOf(peer), op.getTag());
    if (failed(received))
      return failure();
    RankedTensorType type = op.getType();
    if (received->shape() != type.getShape() ||
        received->dtype() != *dtypeOf(type.getElementType()))
      return op.emitOpError("received a tensor of another shape or type than ")
             << type;
    results.push_back(std::move(*received));
    return success();
  });
}
