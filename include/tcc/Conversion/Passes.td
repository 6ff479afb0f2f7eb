//===- Passes.td - tcc's conversion passes -----------------*- tablegen -*-===//

#ifndef TCC_CONVERSION_PASSES_TD
#define TCC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def TccLowerToLinalg : Pass<"tcc-lower-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lowers tcc compute ops to linalg, tensor, arith and math";
  let description = [{
    Replaces every tcc compute op of a function (and the bodies of its
    `tcc.fusion` regions, inlined) by its lowering on tensors
    (tcc/Conversion/TccToLinalg.h): elementwise ops become `linalg.generic`
    maps, broadcasts and transposes maps with projected or permuted inputs,
    reductions `linalg.generic` reductions into filled accumulators, softmax,
    layer_norm and the losses a few reductions and one map, matmul and
    conv2d contractions. The backends use the same lowering per kernel; this
    pass shows it whole for tests and for people. Collectives, stages and
    other ops without a lowering are an error naming the op.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

#endif // TCC_CONVERSION_PASSES_TD
