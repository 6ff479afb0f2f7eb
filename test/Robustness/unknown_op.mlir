// An op name the tcc dialect does not define.
// RUN: not tcc-opt %s 2>&1 | FileCheck %s %nocrash
// RUN: not tcc eval %s 2>&1 | FileCheck %s %nocrash

// CHECK: unknown_op.mlir:[[@LINE+2]]:8: error: custom op 'tcc.frobnicate' is unknown
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tcc.frobnicate %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
