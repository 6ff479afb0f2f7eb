//===- TccFolders.cpp - folds of the tcc ops ------------------------------===//
//
// Only rewrites that are right for every input: identities, chains of
// layout ops that compose, and shape ops applied to splat constants.
//
//===----------------------------------------------------------------------===//

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::tcc;

namespace {
/// A splat constant of `type` with the splat value of `operand`, if it is one.
Attribute reshapeSplat(Attribute operand, ShapedType type) {
  auto dense = dyn_cast_if_present<DenseElementsAttr>(operand);
  if (!dense || !dense.isSplat())
    return {};
  return DenseElementsAttr::get(type, dense.getSplatValue<Attribute>());
}
} // namespace

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getOperand().getType() == getType())
    return getOperand();
  return {};
}

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  if (getOperand().getType() == getType())
    return getOperand();
  return reshapeSplat(adaptor.getOperand(), getType());
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getOperand().getType() == getType())
    return getOperand();
  if (Attribute splat = reshapeSplat(adaptor.getOperand(), getType()))
    return splat;
  // reshape(reshape(x)) is reshape(x): only the element order matters.
  if (auto producer = getOperand().getDefiningOp<ReshapeOp>()) {
    getOperandMutable().assign(producer.getOperand());
    return getResult();
  }
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  if (llvm::equal(getPermutation(),
                  llvm::seq<int64_t>(0, getPermutation().size())))
    return getOperand();
  if (Attribute splat = reshapeSplat(adaptor.getOperand(), getType()))
    return splat;
  // transpose(transpose(x, p1), p2) is transpose(x, p1 o p2).
  if (auto producer = getOperand().getDefiningOp<TransposeOp>()) {
    ArrayRef<int64_t> inner = producer.getPermutation();
    SmallVector<int64_t> composed;
    for (int64_t p : getPermutation())
      composed.push_back(inner[p]);
    getOperandMutable().assign(producer.getOperand());
    setPermutation(composed);
    if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())))
      return getOperand();
    return getResult();
  }
  return {};
}
