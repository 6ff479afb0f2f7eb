// tcc.exp takes floating-point tensors; the type constraint names what it
// takes and what it got.
// RUN: not tcc-opt %s 2>&1 | FileCheck %s %nocrash
// RUN: not tcc eval %s 2>&1 | FileCheck %s %nocrash

// CHECK: wrong_operand_i1.mlir:[[@LINE+2]]:8: error: 'tcc.exp' op operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values of at most 2^40 elements, but got 'tensor<4xi1>'
func.func @f(%x: tensor<4xi1>) -> tensor<4xi1> {
  %0 = tcc.exp %x : tensor<4xi1>
  return %0 : tensor<4xi1>
}
