// Which function to run: with two public functions tcc eval asks for
// --entry and lists them; --entry must name a function.
// RUN: not tcc eval %s 2>&1 | FileCheck %s --check-prefix=TWO %nocrash
// RUN: not tcc eval %s --entry=nope 2>&1 | FileCheck %s --check-prefix=NOPE %nocrash
// RUN: not tcc eval %s --entry=world 2>&1 | FileCheck %s --check-prefix=MESH %nocrash
// RUN: tcc eval %s --entry=g --quiet
// TWO: eval_entry.mlir:{{[0-9]+}}:{{[0-9]+}}: error: the module has 2 public functions; choose one with --entry: @f @g
// NOPE: eval_entry.mlir:{{[0-9]+}}:{{[0-9]+}}: error: no function named 'nope'
// MESH: eval_entry.mlir:{{[0-9]+}}:{{[0-9]+}}: error: no function named 'world'

tcc.mesh @world(dp = 2)
func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
func.func @g(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = tcc.neg %x : tensor<2xf32>
  return %0 : tensor<2xf32>
}
// Private functions are not candidates.
func.func private @h(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
