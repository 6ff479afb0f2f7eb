// Options of tcc-train-step that are rejected, and gradient accumulation.
// RUN: not tcc-opt %S/Inputs/train-step-accumulate.mlir -tcc-train-step=accumulate=0 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: gradient accumulation needs at least one microbatch, got 0
// RUN: not tcc-opt %S/Inputs/train-step-accumulate.mlir -tcc-train-step=precision=f8 2>&1 | FileCheck %s --check-prefix=PRECISION
// PRECISION: error: unknown precision 'f8' (f32 or bf16)
// RUN: tcc-opt %s -tcc-train-step="optimizer=sgd accumulate=3" | FileCheck %s

// Three microbatches of x: the step takes [3 * 2, 4], slices rows 0-2,
// 2-4, 4-6, and averages the three losses and gradients.
// CHECK-LABEL: func.func @train_step(%{{.*}}: tensor<6x4xf32> {tcc.name = "x", tcc.role = "input"}
// CHECK: tcc.slice %{{.*}}, start = [0, 0], limit = [2, 4]
// CHECK: tcc.slice %{{.*}}, start = [2, 0], limit = [4, 4]
// CHECK: tcc.slice %{{.*}}, start = [4, 0], limit = [6, 4]
// CHECK: tcc.constant dense<0.333333343> : tensor<f32>
func.func @forward(%x: tensor<2x4xf32> {tcc.name = "x", tcc.role = "input"},
                   %w: tensor<4xf32> {tcc.name = "w", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %wb = tcc.broadcast %w : tensor<4xf32> -> tensor<2x4xf32>
  %p = tcc.mul %x, %wb : tensor<2x4xf32>
  %l = tcc.reduce sum %p dims = [0, 1] : tensor<2x4xf32> -> tensor<f32>
  return %l : tensor<f32>
}
