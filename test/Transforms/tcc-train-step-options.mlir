// Options of tcc-train-step that are rejected, and gradient accumulation.
// RUN: not tcc-opt %S/Inputs/train-step-accumulate.mlir -tcc-train-step=accumulate=0 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: gradient accumulation needs at least one microbatch, got 0
// RUN: not tcc-opt %S/Inputs/train-step-accumulate.mlir -tcc-train-step=precision=f8 2>&1 | FileCheck %s --check-prefix=PRECISION
// PRECISION: error: unknown precision 'f8' (f32, bf16 or f16)
// RUN: not tcc-opt %S/Inputs/train-step-accumulate.mlir -tcc-train-step="precision=f16 loss-scale-growth-interval=0" 2>&1 | FileCheck %s --check-prefix=INTERVAL
// INTERVAL: error: loss scaling needs an initial scale > 0, a growth factor > 1, a backoff factor in (0, 1) and a growth interval >= 1
// RUN: tcc-opt %S/Inputs/train-step-accumulate.mlir -tcc-train-step="optimizer=sgd precision=f16 loss-scale-init=1024 loss-scale-growth-interval=7" | FileCheck %s --check-prefix=F16
// RUN: not tcc-opt %S/Inputs/train-step-accumulate.mlir -tcc-train-step="data-parallel=0" 2>&1 | FileCheck %s --check-prefix=DPZERO
// RUN: not tcc-opt %S/Inputs/train-step-accumulate.mlir -tcc-train-step="tensor-parallel=0" 2>&1 | FileCheck %s --check-prefix=TPZERO
// DPZERO: error: data parallelism needs at least one device, got 0
// TPZERO: error: tensor parallelism needs at least one device, got 0
// RUN: tcc-opt %s -tcc-train-step="optimizer=sgd data-parallel=4" | FileCheck %s --check-prefix=DP
// RUN: tcc-opt %s -tcc-train-step="optimizer=sgd data-parallel=4" | not tcc-opt -tcc-train-step="function=train_step data-parallel=2" 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: error: is already a per-device program (tcc.mesh); data and tensor parallelism partition single-device models

// Data parallelism over 4 devices: a mesh, the batch input sharded over dp,
// the per-device function, and each gradient and the loss averaged over dp
// right after they exist.
// DP: tcc.mesh @tcc_mesh (dp = 4)
// DP-LABEL: func.func @train_step(%{{.*}}: tensor<2x4xf32> {tcc.name = "x", tcc.role = "input", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[}}["dp"], []]>}
// DP-SAME: tcc.mesh = @tcc_mesh
// DP: %[[LOSS:.*]] = tcc.reduce sum %{{.*}} dims = [0, 1]
// DP-NEXT: %[[MEAN:.*]] = tcc.all_reduce avg %[[LOSS]] over @tcc_mesh ["dp"]
// DP: %[[GRAD:.*]] = tcc.reduce sum %{{.*}} dims = [0]
// DP-NEXT: %[[AVG:.*]] = tcc.all_reduce avg %[[GRAD]] over @tcc_mesh ["dp"]
// DP: tcc.mul %{{.*}}, %[[AVG]]
// DP: return %[[MEAN]],

// f16 loss scaling: the stored scale (0 = not yet set: the initial 1024)
// seeds the backward; gradients are unscaled; a non-finite element (not
// <= the largest f32) keeps the parameter and the step count; the scale
// halves on overflow, doubles after 7 clean steps unless that overflows.
// F16: func.func @train_step(%[[W:.*]]: tensor<4xf32> {tcc.name = "w", tcc.role = "parameter"}, %[[SCALE:.*]]: tensor<f32> {tcc.name = "loss_scale", tcc.role = "optimizer_state"}, %[[STEP:.*]]: tensor<i64> {tcc.name = "step", tcc.role = "optimizer_state"}, %{{.*}}: tensor<f32> {tcc.name = "lr", tcc.role = "input"}, %[[TRACKER:.*]]: tensor<i64> {tcc.name = "loss_scale.growth_tracker", tcc.role = "optimizer_state"})
// F16-SAME: tensor<f32> {tcc.name = "loss_scale", tcc.role = "optimizer_state"}, tensor<i64> {tcc.name = "loss_scale.growth_tracker", tcc.role = "optimizer_state"})
// F16: %[[UNSET:.*]] = tcc.compare eq, %[[SCALE]]
// F16: %[[INIT:.*]] = tcc.constant dense<1.024000e+03>
// F16: %[[USED:.*]] = tcc.select %[[UNSET]], %[[INIT]], %[[SCALE]]
// F16: %[[SEED:.*]] = tcc.reshape %[[USED]]
// F16: %[[GRAD:.*]] = tcc.broadcast %[[SEED]]
// F16: %[[ABS:.*]] = tcc.abs %[[GRAD]]
// F16: tcc.constant dense<3.40282347E+38>
// F16: %[[FINITE:.*]] = tcc.compare le, %[[ABS]]
// F16: %[[BAD:.*]] = tcc.select %[[FINITE]]
// F16: %[[COUNT:.*]] = tcc.reduce sum %[[BAD]]
// F16: %[[OVERFLOW:.*]] = tcc.compare ne, %[[COUNT]]
// F16: %[[INVERSE:.*]] = tcc.div %{{.*}}, %[[USED]]
// F16: %[[NEXT:.*]] = tcc.add %[[STEP]]
// F16: %[[UPDATED:.*]] = tcc.sub %[[W]]
// F16: %[[SPREAD:.*]] = tcc.broadcast %[[OVERFLOW]]
// F16: %[[NEWW:.*]] = tcc.select %[[SPREAD]], %[[W]], %[[UPDATED]]
// F16: %[[NEWSTEP:.*]] = tcc.select %[[OVERFLOW]], %[[STEP]], %[[NEXT]]
// F16: %[[CLEAN:.*]] = tcc.add %[[TRACKER]]
// F16: tcc.constant dense<7>
// F16: %[[HALF:.*]] = tcc.mul %[[USED]], %{{.*}}
// F16: %[[NEWSCALE:.*]] = tcc.select %[[OVERFLOW]], %[[HALF]], %{{.*}}
// F16: %[[NEWTRACKER:.*]] = tcc.select %[[OVERFLOW]], %{{.*}}, %{{.*}}
// F16: return %{{.*}}, %[[NEWW]], %[[NEWSTEP]], %[[NEWSCALE]], %[[NEWTRACKER]]
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
