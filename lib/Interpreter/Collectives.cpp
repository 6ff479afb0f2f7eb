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

} // namespace

void interp::registerCollectiveKernels(KernelTable &table) {
  addKernel<AllReduceOp>(table, [](AllReduceOp op,
                                   ArrayRef<const Tensor *> operands,
                                   SmallVectorImpl<Tensor> &results,
                                   KernelContext &context) -> LogicalResult {
    CollectiveKind kind = op.getKind();
    return runCollective(
        op, op.getAxes(), operands, results, context,
        [kind](ArrayRef<const Tensor *> in, SmallVectorImpl<Tensor> &out)
            -> std::optional<std::string> {
          Tensor reduced = reduceAll(in, kind);
          out.assign(in.size(), reduced);
          return std::nullopt;
        });
  });

  addKernel<AllGatherOp>(table, [](AllGatherOp op,
                                   ArrayRef<const Tensor *> operands,
                                   SmallVectorImpl<Tensor> &results,
                                   KernelContext &context) -> LogicalResult {
    int64_t dim = op.getDim();
    return runCollective(
        op, op.getAxes(), operands, results, context,
        [dim](ArrayRef<const Tensor *> in, SmallVectorImpl<Tensor> &out)
            -> std::optional<std::string> {
          out.assign(in.size(), concatenate(in, dim));
          return std::nullopt;
        });
  });

  addKernel<ReduceScatterOp>(table, [](ReduceScatterOp op,
                                       ArrayRef<const Tensor *> operands,
                                       SmallVectorImpl<Tensor> &results,
                                       KernelContext &context) -> LogicalResult {
    int64_t dim = op.getDim();
    CollectiveKind kind = op.getKind();
    return runCollective(
        op, op.getAxes(), operands, results, context,
        [dim, kind](ArrayRef<const Tensor *> in, SmallVectorImpl<Tensor> &out)
            -> std::optional<std::string> {
          Tensor reduced = reduceAll(in, kind);
          int64_t n = static_cast<int64_t>(in.size());
          for (int64_t k = 0; k < n; ++k)
            out.push_back(chunk(reduced, dim, n, k));
          return std::nullopt;
        });
  });

  addKernel<AllToAllOp>(table, [](AllToAllOp op,
                                  ArrayRef<const Tensor *> operands,
                                  SmallVectorImpl<Tensor> &results,
                                  KernelContext &context) -> LogicalResult {
    int64_t split = op.getSplitDim(), concat = op.getConcatDim();
    return runCollective(
        op, op.getAxes(), operands, results, context,
        [split, concat](ArrayRef<const Tensor *> in,
                        SmallVectorImpl<Tensor> &out)
            -> std::optional<std::string> {
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
          return std::nullopt;
        });
  });

  addKernel<CollectiveBroadcastOp>(table, [](CollectiveBroadcastOp op,
                                             ArrayRef<const Tensor *> operands,
                                             SmallVectorImpl<Tensor> &results,
                                             KernelContext &context) -> LogicalResult {
    int64_t root = op.getRoot();
    return runCollective(
        op, op.getAxes(), operands, results, context,
        [root](ArrayRef<const Tensor *> in, SmallVectorImpl<Tensor> &out)
            -> std::optional<std::string> {
          out.assign(in.size(), *in[root]);
          return std::nullopt;
        });
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
