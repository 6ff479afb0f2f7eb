// A type cut short: the parser reports the first token it cannot accept.
// RUN: not tcc-opt %s 2>&1 | FileCheck %s %nocrash
// RUN: not tcc eval %s 2>&1 | FileCheck %s %nocrash

// CHECK: syntax_error.mlir:[[@LINE+2]]:33: error: expected '>' in tensor type
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tcc.exp %x : tensor<4xf32
  return %0 : tensor<4xf32>
}
