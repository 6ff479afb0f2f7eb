// Dimensions whose product (about 10^22) overflows int64: the type
// constraint's 2^40-element bound rejects the type without overflowing.
// RUN: not tcc-opt %s 2>&1 | FileCheck %s %nocrash
// RUN: not tcc eval %s 2>&1 | FileCheck %s %nocrash

// CHECK: huge_shape.mlir:[[@LINE+2]]:8: error: 'tcc.exp' op operand #0 must be statically shaped tensor of {{.*}} values of at most 2^40 elements, but got 'tensor<99999999999x99999999999xf32>'
func.func @f(%x: tensor<99999999999x99999999999xf32>) -> tensor<99999999999x99999999999xf32> {
  %0 = tcc.exp %x : tensor<99999999999x99999999999xf32>
  return %0 : tensor<99999999999x99999999999xf32>
}
