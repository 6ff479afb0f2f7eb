// tcc programs have static shapes; a `?` is rejected by the type constraint.
// RUN: not tcc-opt %s 2>&1 | FileCheck %s %nocrash
// RUN: not tcc eval %s 2>&1 | FileCheck %s %nocrash

// CHECK: dynamic_shape.mlir:[[@LINE+2]]:8: error: 'tcc.exp' op operand #0 must be statically shaped tensor of {{.*}}, but got 'tensor<?x4xf32>'
func.func @f(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = tcc.exp %x : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
