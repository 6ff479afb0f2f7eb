// Entry functions tcc eval cannot bind arguments to. It says so before it
// makes random values or reads files: arguments of a type the evaluator does
// not hold, arguments too large for --max-memory (for a per-device function,
// the global tensor the user supplies), and --entry naming a declaration.
// RUN: split-file --leading-lines %s %t
// RUN: not tcc eval %t/dynamic.mlir 2>&1 | FileCheck %s --check-prefix=DYNAMIC %nocrash
// RUN: not tcc eval %t/unranked.mlir 2>&1 | FileCheck %s --check-prefix=UNRANKED %nocrash
// RUN: not tcc eval %t/index.mlir 2>&1 | FileCheck %s --check-prefix=INDEX %nocrash
// RUN: not tcc eval %t/over_limit.mlir 2>&1 | FileCheck %s --check-prefix=OVER %nocrash
// RUN: not tcc eval %t/budget.mlir 2>&1 | FileCheck %s --check-prefix=BUDGET %nocrash
// RUN: not tcc eval %t/budget.mlir --max-memory=9223372036854775807 --entry=small 2>&1 | FileCheck %s --check-prefix=HUGE-FLAG %nocrash
// RUN: not tcc eval %t/sharded.mlir --max-memory=1024 2>&1 | FileCheck %s --check-prefix=SHARDED %nocrash
// RUN: not tcc eval %t/declaration.mlir --entry=g 2>&1 | FileCheck %s --check-prefix=DECL %nocrash

//--- dynamic.mlir
// DYNAMIC: dynamic.mlir:[[@LINE+1]]:1: error: argument #0 has type 'tensor<?xf32>', which tcc cannot evaluate
func.func @f(%x: tensor<?xf32>) -> tensor<?xf32> {
  return %x : tensor<?xf32>
}

//--- unranked.mlir
// UNRANKED: unranked.mlir:[[@LINE+1]]:1: error: argument #0 has type 'tensor<*xf32>', which tcc cannot evaluate
func.func @f(%x: tensor<*xf32>) -> tensor<*xf32> {
  return %x : tensor<*xf32>
}

//--- index.mlir
// INDEX: index.mlir:[[@LINE+1]]:1: error: argument #0 has type 'tensor<4xindex>', which tcc cannot evaluate
func.func @f(%x: tensor<4xindex>) -> tensor<4xindex> {
  return %x : tensor<4xindex>
}

//--- over_limit.mlir
// No op uses the argument, so no verifier bounds its size.
// OVER: over_limit.mlir:[[@LINE+1]]:1: error: argument #0 has type 'tensor<99999999999x99999999999xf32>', which tcc cannot evaluate
func.func @f(%x: tensor<99999999999x99999999999xf32>) -> tensor<99999999999x99999999999xf32> {
  return %x : tensor<99999999999x99999999999xf32>
}

//--- budget.mlir
// Valid IR (2^40 elements), but its random values would need 8 TiB.
// BUDGET: budget.mlir:[[@LINE+1]]:1: error: argument 'x' of 1099511627776 elements needs 8388608 MiB in the evaluator, more than its limit of 8192 MiB (--max-memory)
func.func @f(%x: tensor<1073741824x1024xf32> {tcc.name = "x"}) -> tensor<1073741824x1024xf32> {
  %0 = tcc.exp %x : tensor<1073741824x1024xf32>
  return %0 : tensor<1073741824x1024xf32>
}
// A budget too large to count in bytes is clamped, not overflowed: the
// division by zero below is then the first error.
// HUGE-FLAG: budget.mlir:[[@LINE+4]]:8: error: 'tcc.div' op integer division by zero
func.func private @small() -> tensor<2xi32> {
  %x = tcc.constant dense<[1, 2]> : tensor<2xi32>
  %z = tcc.constant dense<0> : tensor<2xi32>
  %0 = tcc.div %x, %z : tensor<2xi32>
  return %0 : tensor<2xi32>
}

//--- sharded.mlir
// Each device holds 2^26 elements (512 MiB); the user supplies all 16.
// SHARDED: sharded.mlir:[[@LINE+2]]:1: error: argument 'w' of 1073741824 elements needs 8192 MiB in the evaluator, more than its limit of 1024 MiB (--max-memory)
tcc.mesh @world(dp = 16)
func.func @f(%w: tensor<67108864xf32> {tcc.name = "w", tcc.sharding = #tcc.sharding<@world, [["dp"]]>}) -> tensor<67108864xf32> attributes {tcc.mesh = @world} {
  return %w : tensor<67108864xf32>
}

//--- declaration.mlir
// DECL: declaration.mlir:[[@LINE+1]]:1: error: cannot evaluate a function without a body
func.func private @g(%x: tensor<2xf32>) -> tensor<2xf32>
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
