// f32 + f16: tcc.add requires one type for operands and result. In custom
// form the parser catches it at the use of %y; in generic form the verifier.
// RUN: not tcc-opt %s 2>&1 | FileCheck %s %nocrash
// RUN: not tcc eval %s 2>&1 | FileCheck %s %nocrash
// RUN: sed 's/^  %0 = "tcc.add"(%x, %y) : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>$/  %0 = tcc.add %x, %y : tensor<4xf32>/' %s > %t.mlir
// RUN: not tcc-opt %t.mlir 2>&1 | FileCheck %s --check-prefix=CUSTOM %nocrash
// RUN: not tcc eval %t.mlir 2>&1 | FileCheck %s --check-prefix=CUSTOM %nocrash

// CHECK: wrong_operand_mixed_float.mlir:[[@LINE+3]]:8: error: 'tcc.add' op requires the same type for all operands and results
// CUSTOM: .tmp.mlir:[[@LINE+2]]:20: error: use of value '%y' expects different type than prior uses: 'tensor<4xf32>' vs 'tensor<4xf16>'
func.func @f(%x: tensor<4xf32>, %y: tensor<4xf16>) -> tensor<4xf32> {
  %0 = "tcc.add"(%x, %y) : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
