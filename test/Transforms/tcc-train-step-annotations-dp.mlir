// RUN: tcc-opt %s -split-input-file -tcc-train-step="optimizer=sgd data-parallel=2" -verify-diagnostics | FileCheck %s

// Without a tp axis (one of size 1): a split over tp holds the whole
// parameter, and a warning says so in case --mesh forgot tp; other
// annotations are dropped with a warning (the step runs on tcc's mesh).

tcc.mesh @world(tp = 2)
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %arg1: tensor<64x16xf32> {tcc.name = "c_fc.weight", tcc.role = "parameter"}
// CHECK-NOT: tcc.annotate
// CHECK: return
func.func @no_tp(%x: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input"},
                 %w1: tensor<64x16xf32> {tcc.name = "c_fc.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  // expected-warning@+1 {{asks to split c_fc.weight over 'tp'; --mesh has no tp axis, so every device holds it whole}}
  %w1a = tcc.annotate %w1 {sharding = #tcc.sharding<@world, [["tp"], []]>} : tensor<64x16xf32>
  %h = tcc.matmul %x, %w1a {transpose_rhs} : (tensor<8x16xf32>, tensor<64x16xf32>) -> tensor<8x64xf32>
  %l = tcc.mse_loss %h, %h : (tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

tcc.mesh @world(tp = 2)
// CHECK-LABEL: func.func @train_step(
// CHECK-NOT: tcc.annotate
// CHECK: tcc.all_reduce avg
func.func @activation(%x: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input"},
                      %w1: tensor<64x16xf32> {tcc.name = "c_fc.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %h = tcc.matmul %x, %w1 {transpose_rhs} : (tensor<8x16xf32>, tensor<64x16xf32>) -> tensor<8x64xf32>
  // expected-warning@+1 {{tcc.annotate is honoured on parameters only}}
  %ha = tcc.annotate %h {sharding = #tcc.sharding<@world, [[], ["tp"]]>} : tensor<8x64xf32>
  %l = tcc.mse_loss %ha, %ha : (tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
