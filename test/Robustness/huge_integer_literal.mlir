// Integer literals wider than their type, in a dense literal, an op's
// integer attribute and a mesh axis size. Each is reported at the literal.
// RUN: split-file --leading-lines %s %t
// RUN: not tcc-opt %t/dense.mlir 2>&1 | FileCheck %s --check-prefix=DENSE %nocrash
// RUN: not tcc eval %t/dense.mlir 2>&1 | FileCheck %s --check-prefix=DENSE %nocrash
// RUN: not tcc-opt %t/attr.mlir 2>&1 | FileCheck %s --check-prefix=ATTR %nocrash
// RUN: not tcc eval %t/attr.mlir 2>&1 | FileCheck %s --check-prefix=ATTR %nocrash
// RUN: not tcc-opt %t/mesh.mlir 2>&1 | FileCheck %s --check-prefix=MESH %nocrash
// RUN: not tcc eval %t/mesh.mlir 2>&1 | FileCheck %s --check-prefix=MESH %nocrash

//--- dense.mlir
// DENSE: dense.mlir:[[@LINE+2]]:31: error: integer constant out of range for type
func.func @dense() -> tensor<2xi64> {
  %0 = tcc.constant dense<[1, 99999999999999999999999999999999]> : tensor<2xi64>
  return %0 : tensor<2xi64>
}

//--- attr.mlir
// ATTR: attr.mlir:[[@LINE+2]]:23: error: integer constant out of range for attribute
func.func @attr() -> tensor<4x3xi64> {
  %0 = tcc.iota dim = 99999999999999999999 : tensor<4x3xi64>
  return %0 : tensor<4x3xi64>
}

//--- mesh.mlir
// MESH: mesh.mlir:[[@LINE+1]]:18: error: custom op 'tcc.mesh' integer value too large
tcc.mesh @m(dp = 99999999999999999999)
