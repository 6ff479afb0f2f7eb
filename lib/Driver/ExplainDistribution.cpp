//===- ExplainDistribution.cpp - what a per-device program does -----------===//
//
// Bytes sent are what a ring algorithm (NCCL's, and what MPI libraries use
// for large messages) sends per device for a group of n: all_reduce
// 2 (n-1)/n of the tensor, all_gather and reduce_scatter (n-1)/n of the
// whole tensor, all_to_all (n-1)/n, a broadcast the tensor once (the root),
// all_slice nothing. tcc's own MPI communicator gathers every input to
// reduce in rank order (docs/distributed.md), so it moves more than this.
//
//===----------------------------------------------------------------------===//

#include "tcc/Driver/ExplainDistribution.h"

#include "tcc/Analysis/Replication.h"
#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"

using namespace mlir;
using namespace mlir::tcc;

namespace {

int64_t bytesOf(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return tensor.getNumElements() *
         int64_t((tensor.getElementTypeBitWidth() + 7) / 8);
}

std::string describe(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  std::string text;
  llvm::raw_string_ostream os(text);
  os << tensor.getElementType() << "[";
  llvm::interleaveComma(tensor.getShape(), os);
  os << "]";
  return text;
}

/// "dim 0 over dp" for each split dimension, "replicated" when none.
std::string describeSharding(ShardingAttr sharding, RankedTensorType local,
                             MeshOp mesh) {
  if (!sharding || sharding.isFullyReplicated())
    return "replicated";
  std::string text;
  llvm::raw_string_ostream os(text);
  SmallVector<int64_t> global(local.getShape());
  for (unsigned d = 0; d < local.getRank(); ++d) {
    SmallVector<StringRef> axes = sharding.getDimAxes(d);
    if (axes.empty())
      continue;
    os << (text.empty() ? "" : ", ") << "dim " << d << " split over "
       << llvm::join(axes, "x");
    for (StringRef axis : axes)
      global[d] *= mesh.getAxisSize(axis).value_or(1);
  }
  SmallVector<StringRef> partial = sharding.getPartialAxisNames();
  if (!partial.empty())
    os << (text.empty() ? "" : ", ") << "partial over "
       << llvm::join(partial, "x");
  os << " (whole: "
     << describe(RankedTensorType::get(global, local.getElementType())) << ")";
  return text;
}

} // namespace

void mlir::tcc::explainDistribution(func::FuncOp step, raw_ostream &os) {
  MeshOp mesh = functionMesh(step);
  if (!mesh) {
    os << "@" << step.getName() << " runs on one device: nothing is "
       << "distributed\n";
    return;
  }
  os << "@" << step.getName() << " runs on each device of mesh @"
     << mesh.getSymName() << " (";
  for (auto [i, axis] : llvm::enumerate(mesh.getAxisNames()))
    os << (i ? ", " : "") << cast<StringAttr>(axis).getValue() << " = "
       << mesh.getAxisSizes()[i];
  os << ")\n\ntensors each device holds (arguments):\n";
  int64_t held[2] = {0, 0}; // parameters, optimizer state
  for (unsigned i = 0, e = step.getNumArguments(); i < e; ++i) {
    Type type = step.getArgumentTypes()[i];
    StringRef role = argumentRole(step, i);
    os << llvm::format("  %-36s %-16s %-16s ", argumentName(step, i).c_str(),
                       role.str().c_str(), describe(type).c_str())
       << describeSharding(
              step.getArgAttrOfType<ShardingAttr>(i, attrs::kSharding),
              cast<RankedTensorType>(type), mesh);
    // A view of the user's tensor (tp's fused qkv weight, split per head).
    if (auto view =
            step.getArgAttrOfType<DenseI64ArrayAttr>(i, attrs::kUserShape))
      os << ", a view of the user's "
         << describe(RankedTensorType::get(
                view.asArrayRef(),
                cast<RankedTensorType>(type).getElementType()));
    os << "\n";
    if (role == "parameter")
      held[0] += bytesOf(type);
    if (role == "optimizer_state")
      held[1] += bytesOf(type);
  }

  os << "\ncollectives per step, in order (bytes each device sends, as a "
        "ring would; why):\n";
  int64_t sent = 0, count = 0;
  step.walk([&](Operation *op) {
    ArrayAttr axes = collectiveAxes(op);
    if (!axes)
      return;
    int64_t n = 1;
    for (StringRef axis : axes.getAsValueRange<StringAttr>())
      n *= mesh.getAxisSize(axis).value_or(1);
    int64_t in = bytesOf(op->getOperand(0).getType());
    int64_t out = bytesOf(op->getResult(0).getType());
    int64_t bytes = TypeSwitch<Operation *, int64_t>(op)
                        .Case([&](AllReduceOp) { return 2 * (n - 1) * in / n; })
                        .Case([&](AllGatherOp) { return (n - 1) * out / n; })
                        .Case<ReduceScatterOp, AllToAllOp>(
                            [&](Operation *) { return (n - 1) * in / n; })
                        .Case([&](CollectiveBroadcastOp) { return in; })
                        .Default([](Operation *) { return int64_t(0); });
    sent += bytes;
    ++count;
    auto why = op->getAttrOfType<StringAttr>(attrs::kWhy);
    os << llvm::format(
              "  %3lld. %-14s %-30s over %-6s %10lld  ",
              static_cast<long long>(count),
              op->getName().stripDialect().str().c_str(),
              (describe(op->getOperand(0).getType()) + " -> " +
               describe(op->getResult(0).getType()))
                  .c_str(),
              llvm::join(axes.getAsValueRange<StringAttr>(), "x").c_str(),
              static_cast<long long>(bytes))
       << (why ? why.getValue() : StringRef("(written in the program)"))
       << "\n";
  });
  os << "\nper device and step: " << count << " collectives sending " << sent
     << " bytes; held between steps: parameters " << held[0]
     << " bytes, optimizer state " << held[1] << " bytes\n";
}
