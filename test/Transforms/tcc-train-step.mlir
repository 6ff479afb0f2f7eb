// RUN: tcc-opt %s -split-input-file -tcc-train-step=optimizer=adamw -verify-diagnostics | FileCheck %s
// RUN: tcc-opt %s -split-input-file -tcc-train-step="optimizer=sgd momentum=0.9" -verify-diagnostics | FileCheck %s --check-prefix=SGD
// RUN: tcc-opt %S/Inputs/train-step-linear.mlir -tcc-train-step=optimizer=rmsprop -verify-diagnostics

// train_step's signature: the forward's arguments, the optimizer's slots,
// step and lr; results loss, new parameters, new slots, step + 1.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: {tcc.name = "w", tcc.role = "parameter"}
// CHECK-SAME: {tcc.name = "w.exp_avg", tcc.role = "optimizer_state"}
// CHECK-SAME: {tcc.name = "w.exp_avg_sq", tcc.role = "optimizer_state"}
// CHECK-SAME: %{{.*}}: tensor<i64> {tcc.name = "step", tcc.role = "optimizer_state"}
// CHECK-SAME: %{{.*}}: tensor<f32> {tcc.name = "lr", tcc.role = "input"}
// CHECK-SAME: -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}, tensor<3x4xf32> {tcc.name = "w", tcc.role = "parameter"}, tensor<3x4xf32> {tcc.name = "w.exp_avg", tcc.role = "optimizer_state"}, tensor<3x4xf32> {tcc.name = "w.exp_avg_sq", tcc.role = "optimizer_state"}, tensor<i64> {tcc.name = "step", tcc.role = "optimizer_state"})
// CHECK-DAG: tcc.sqrt
// CHECK-DAG: tcc.pow
// SGD-LABEL: func.func @train_step(
// SGD-SAME: {tcc.name = "w.momentum_buffer", tcc.role = "optimizer_state"}
// SGD-NOT: exp_avg
func.func @forward(%x: tensor<2x4xf32> {tcc.name = "x", tcc.role = "input"},
                   %t: tensor<2x3xf32> {tcc.name = "t", tcc.role = "input"},
                   %w: tensor<3x4xf32> {tcc.name = "w", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %y = tcc.matmul %x, %w {transpose_rhs} : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<2x3xf32>
  %l = tcc.mse_loss %y, %t : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error@+1 {{has no float parameters to train}}
func.func @nothing_to_train(%x: tensor<4xf32> {tcc.name = "x", tcc.role = "input"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %l = tcc.reduce sum %x dims = [0] : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}
