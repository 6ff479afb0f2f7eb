// A dense literal whose elements do not fill its type: too few elements,
// ragged nested lists, and hex data of the wrong byte count.
// RUN: split-file --leading-lines %s %t
// RUN: not tcc-opt %t/short.mlir 2>&1 | FileCheck %s --check-prefix=SHORT %nocrash
// RUN: not tcc eval %t/short.mlir 2>&1 | FileCheck %s --check-prefix=SHORT %nocrash
// RUN: not tcc-opt %t/ragged.mlir 2>&1 | FileCheck %s --check-prefix=RAGGED %nocrash
// RUN: not tcc eval %t/ragged.mlir 2>&1 | FileCheck %s --check-prefix=RAGGED %nocrash
// RUN: not tcc-opt %t/hex.mlir 2>&1 | FileCheck %s --check-prefix=HEX %nocrash
// RUN: not tcc eval %t/hex.mlir 2>&1 | FileCheck %s --check-prefix=HEX %nocrash

//--- short.mlir
// SHORT: short.mlir:[[@LINE+2]]:21: error: inferred shape of elements literal ([3]) does not match type ([4])
func.func @f() -> tensor<4xf32> {
  %0 = tcc.constant dense<[1.0, 2.0, 3.0]> : tensor<4xf32>
  return %0 : tensor<4xf32>
}

//--- ragged.mlir
// RAGGED: ragged.mlir:[[@LINE+2]]:45: error: tensor literal is invalid; ranks are not consistent between elements
func.func @f() -> tensor<2x2xf32> {
  %0 = tcc.constant dense<[[1.0, 2.0], [3.0]]> : tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

//--- hex.mlir
// HEX: hex.mlir:[[@LINE+2]]:21: error: elements hex data size is invalid for provided type: 'tensor<4xf32>'
func.func @f() -> tensor<4xf32> {
  %0 = tcc.constant dense<"0x0000803F0000"> : tensor<4xf32>
  return %0 : tensor<4xf32>
}
