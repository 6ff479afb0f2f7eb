// `index` elements have no fixed width; no tcc op takes them.
// RUN: not tcc-opt %s 2>&1 | FileCheck %s %nocrash
// RUN: not tcc eval %s 2>&1 | FileCheck %s %nocrash

// CHECK: wrong_operand_index.mlir:[[@LINE+2]]:8: error: 'tcc.neg' op operand #0 must be statically shaped tensor of {{.*}} values of at most 2^40 elements, but got 'tensor<4xindex>'
func.func @f(%x: tensor<4xindex>) -> tensor<4xindex> {
  %0 = tcc.neg %x : tensor<4xindex>
  return %0 : tensor<4xindex>
}
