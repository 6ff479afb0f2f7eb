// Symbol references to a mesh the module does not define: from a collective,
// from a function's tcc.mesh, and from a sharding. verifySymbolUses reports
// each at its user.
// RUN: split-file --leading-lines %s %t
// RUN: not tcc-opt %t/collective.mlir 2>&1 | FileCheck %s --check-prefix=COLL %nocrash
// RUN: not tcc eval %t/collective.mlir 2>&1 | FileCheck %s --check-prefix=COLL %nocrash
// RUN: not tcc-opt %t/function.mlir 2>&1 | FileCheck %s --check-prefix=FUNC %nocrash
// RUN: not tcc eval %t/function.mlir 2>&1 | FileCheck %s --check-prefix=FUNC %nocrash
// RUN: not tcc-opt %t/sharding.mlir 2>&1 | FileCheck %s --check-prefix=SHARD %nocrash
// RUN: not tcc eval %t/sharding.mlir 2>&1 | FileCheck %s --check-prefix=SHARD %nocrash

//--- collective.mlir
// COLL: collective.mlir:[[@LINE+2]]:8: error: 'tcc.all_reduce' op references unknown mesh @nowhere
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tcc.all_reduce sum %x over @nowhere ["dp"] : tensor<4xf32>
  return %0 : tensor<4xf32>
}

//--- function.mlir
// A symbol that exists but is not a mesh counts as missing.
// FUNC: function.mlir:[[@LINE+4]]:1: error: 'tcc.mesh' references unknown mesh @g
func.func private @g(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> attributes {tcc.mesh = @g} {
  return %x : tensor<4xf32>
}

//--- sharding.mlir
// SHARD: sharding.mlir:[[@LINE+1]]:1: error: 'tcc.sharding' references unknown mesh @nowhere
func.func @f(%x: tensor<4xf32> {tcc.sharding = #tcc.sharding<@nowhere, [["dp"]]>}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
