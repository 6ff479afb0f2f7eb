// Errors only the evaluator can see, since they depend on values: integer
// division by zero, gather indices and cross_entropy labels out of range.
// Each is reported at the op.
// RUN: split-file --leading-lines %s %t
// RUN: not tcc eval %t/div.mlir 2>&1 | FileCheck %s --check-prefix=DIV %nocrash
// RUN: not tcc eval %t/gather.mlir 2>&1 | FileCheck %s --check-prefix=GATHER %nocrash
// RUN: not tcc eval %t/labels.mlir 2>&1 | FileCheck %s --check-prefix=LABELS %nocrash
// The same files are valid IR.
// RUN: tcc-opt %t/div.mlir > /dev/null
// RUN: tcc-opt %t/gather.mlir > /dev/null
// RUN: tcc-opt %t/labels.mlir > /dev/null

//--- div.mlir
// DIV: div.mlir:[[@LINE+4]]:8: error: 'tcc.div' op integer division by zero
// DIV-NEXT: tcc.div
func.func @f(%x: tensor<4xi64> {tcc.name = "x"}) -> tensor<4xi64> {
  %z = tcc.constant dense<[1, 2, 0, 4]> : tensor<4xi64>
  %0 = tcc.div %x, %z : tensor<4xi64>
  return %0 : tensor<4xi64>
}

//--- gather.mlir
// GATHER: gather.mlir:[[@LINE+4]]:8: error: 'tcc.gather' op index 7 at position 1 of the indices is out of range [0, 5)
// GATHER-NEXT: tcc.gather
func.func @f(%t: tensor<5x3xf32> {tcc.name = "table"}) -> tensor<2x3xf32> {
  %i = tcc.constant dense<[1, 7]> : tensor<2xi64>
  %0 = tcc.gather %t, %i axis = 0 : (tensor<5x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

//--- labels.mlir
// LABELS: labels.mlir:[[@LINE+4]]:8: error: 'tcc.cross_entropy' op label -1 of row 1 is out of range [0, 10)
// LABELS-NEXT: tcc.cross_entropy
func.func @f(%logits: tensor<2x10xf32> {tcc.name = "logits"}) -> tensor<f32> {
  %l = tcc.constant dense<[3, -1]> : tensor<2xi64>
  %0 = tcc.cross_entropy %logits, %l : (tensor<2x10xf32>, tensor<2xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}
