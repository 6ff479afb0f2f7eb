// A function whose return does not match its signature: func.return's
// verifier reports it at the return.
// RUN: not tcc-opt %s 2>&1 | FileCheck %s %nocrash
// RUN: not tcc eval %s 2>&1 | FileCheck %s %nocrash

// CHECK: wrong_return_type.mlir:[[@LINE+3]]:3: error: type of return operand 0 ('tensor<4xf32>') doesn't match function result type ('tensor<4xf16>') in function @f
func.func @f(%x: tensor<4xf32>) -> tensor<4xf16> {
  %0 = tcc.exp %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
