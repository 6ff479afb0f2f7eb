//===- TccToLinalg.cpp - the lowering table and the pass ------------------===//

#include "tcc/Conversion/TccToLinalg.h"

#include "LinalgBuilder.h"

#include "tcc/Conversion/Passes.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::tcc {
#define GEN_PASS_DEF_TCCLOWERTOLINALG
#include "tcc/Conversion/Passes.h.inc"
} // namespace mlir::tcc

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::lowering;

namespace {

const LoweringTable &loweringTable() {
  static const LoweringTable table = [] {
    LoweringTable t;
    registerElementwiseLowerings(t);
    registerShapeLowerings(t);
    registerReductionLowerings(t);
    registerNNLowerings(t);
    return t;
  }();
  return table;
}

} // namespace

LogicalResult mlir::tcc::lowerToLinalg(OpBuilder &builder, Operation *op,
                                       ValueRange operands, Value status,
                                       SmallVectorImpl<Value> &results) {
  const LoweringTable &table = loweringTable();
  auto it = table.find(op->getName().getStringRef());
  if (it == table.end())
    return op->emitOpError(
        "has no lowering to linalg: collectives, pipeline stages and fusion "
        "regions are handled by the backends' plan builders, not as kernels");
  LinalgBuilder lb(builder, op->getLoc(), status);
  size_t before = results.size();
  if (failed(it->second(lb, op, operands, results)))
    return failure();
  if (results.size() - before != op->getNumResults())
    return op->emitOpError("lowering produced ")
           << results.size() - before << " values for " << op->getNumResults()
           << " results";
  return success();
}

bool mlir::tcc::hasLinalgLowering(OperationName name) {
  return loweringTable().contains(name.getStringRef());
}

void mlir::tcc::registerLinalgLoweringDialects(DialectRegistry &registry) {
  registry.insert<arith::ArithDialect, linalg::LinalgDialect,
                  math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                  tensor::TensorDialect>();
}

namespace {

/// Lowers the ops of `block` in order, fusion regions inlined, mapping old
/// values to new ones in `mapping`. The new ops go before each op, or before
/// `anchor` (the fusion being inlined) when it is given.
LogicalResult lowerBlock(OpBuilder &builder, Block &block, IRMapping &mapping,
                         SmallVectorImpl<Operation *> &lowered,
                         Operation *anchor = nullptr) {
  for (Operation &op : block.without_terminator()) {
    SmallVector<Value> operands;
    for (Value v : op.getOperands())
      operands.push_back(mapping.lookupOrDefault(v));
    if (auto fusion = dyn_cast<FusionOp>(op)) {
      Block &body = fusion.getBody().front();
      mapping.map(body.getArguments(), operands);
      SmallVector<Operation *> inner;
      if (failed(lowerBlock(builder, body, mapping, inner,
                            anchor ? anchor : &op)))
        return failure();
      for (auto [result, yielded] :
           llvm::zip(fusion.getResults(), body.getTerminator()->getOperands()))
        mapping.map(result, mapping.lookupOrDefault(yielded));
      if (!anchor)
        lowered.push_back(&op);
      continue;
    }
    if (!isa_and_present<TccDialect>(op.getDialect()))
      continue;
    builder.setInsertionPoint(anchor ? anchor : &op);
    SmallVector<Value> results;
    if (failed(lowerToLinalg(builder, &op, operands, Value(), results)))
      return failure();
    mapping.map(op.getResults(), results);
    if (!anchor)
      lowered.push_back(&op);
  }
  return success();
}

struct TccLowerToLinalgPass
    : public mlir::tcc::impl::TccLowerToLinalgBase<TccLowerToLinalgPass> {
  void runOnOperation() override {
    func::FuncOp function = getOperation();
    if (function.isExternal())
      return;
    Block &entry = function.getBody().front();
    OpBuilder builder(function.getContext());
    IRMapping mapping;
    SmallVector<Operation *> lowered;
    if (failed(lowerBlock(builder, entry, mapping, lowered)))
      return signalPassFailure();
    Operation *terminator = entry.getTerminator();
    for (OpOperand &operand : terminator->getOpOperands())
      operand.set(mapping.lookupOrDefault(operand.get()));
    for (Operation *op : llvm::reverse(lowered)) {
      op->dropAllUses();
      op->erase();
    }
  }
};

} // namespace
