//===- LibraryEpilogue.cpp - ops a GEMM library applies to its product ----===//
//
// cuBLASLt (and the CPU runtime's BLAS path) can add a bias along the
// product's last dimension and apply ReLU or tanh-GELU before storing it,
// saving the separate kernel's pass over the product. The ops qualify when
// they form a chain starting at the matmul, each link the only use of the
// previous value and none of them needed elsewhere:
//
//   %p = tcc.matmul ...            -> out = act(p + bias)
//   %b = tcc.broadcast %bias       (bias: a group input of n elements)
//   %q = tcc.add %p, %b
//   %r = tcc.relu %q | tcc.gelu %q approximate = tanh
//
// GELU without the approximation (erf) stays in the kernel: cuBLASLt's
// GELU is the tanh form.
//
//===----------------------------------------------------------------------===//

#include "tcc/Target/CPU/CpuPipeline.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

using namespace mlir;
using namespace mlir::tcc;

cpu::LibraryEpilogue cpu::matchLibraryEpilogue(MatmulOp matmul,
                                               ArrayRef<Operation *> ops,
                                               ArrayRef<Value> inputs,
                                               ArrayRef<Value> outputs) {
  LibraryEpilogue epilogue;
  epilogue.result = matmul.getResult();
  auto type = cast<RankedTensorType>(matmul.getType());
  // cuBLASLt documents its epilogues for f32 and the half types.
  Type element = type.getElementType();
  if (!element.isF32() && !element.isF16() && !element.isBF16())
    return epilogue;
  int64_t n = type.getShape().back();

  // The op of the group that alone reads `v`, when nothing else needs `v`.
  auto soleUser = [&](Value v) -> Operation * {
    if (llvm::is_contained(outputs, v) || !v.hasOneUse())
      return nullptr;
    Operation *user = *v.user_begin();
    return llvm::is_contained(ops, user) ? user : nullptr;
  };

  if (auto add = dyn_cast_or_null<AddOp>(soleUser(epilogue.result))) {
    Value other = add.getLhs() == epilogue.result ? add.getRhs() : add.getLhs();
    auto broadcast = other.getDefiningOp<BroadcastOp>();
    if (other != epilogue.result && broadcast &&
        llvm::is_contained(ops, broadcast.getOperation())) {
      Value bias = broadcast.getOperand();
      auto biasType = cast<RankedTensorType>(bias.getType());
      // n contiguous elements, one per column: [n], [1, n], ...
      if (llvm::is_contained(inputs, bias) && biasType.getRank() >= 1 &&
          biasType.getShape().back() == n && biasType.getNumElements() == n) {
        epilogue.bias = bias;
        epilogue.absorbed.push_back(add);
        if (broadcast.getResult().hasOneUse())
          epilogue.absorbed.push_back(broadcast);
        epilogue.result = add.getResult();
      }
    }
  }
  Operation *next = soleUser(epilogue.result);
  if (auto relu = dyn_cast_or_null<ReluOp>(next)) {
    epilogue.activation = rt::MatmulActivation::Relu;
    epilogue.absorbed.push_back(relu);
    epilogue.result = relu.getResult();
  } else if (auto gelu = dyn_cast_or_null<GeluOp>(next);
             gelu && gelu.getApproximate() == GeluApproximation::tanh) {
    epilogue.activation = rt::MatmulActivation::GeluTanh;
    epilogue.absorbed.push_back(gelu);
    epilogue.result = gelu.getResult();
  }
  return epilogue;
}
