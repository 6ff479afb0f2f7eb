// RUN: tcc-opt %s -split-input-file -tcc-autodiff -verify-diagnostics | FileCheck %s
// RUN: tcc-opt %S/Inputs/autodiff-declaration.mlir -tcc-autodiff=function=decl -verify-diagnostics
// RUN: tcc-opt %S/Inputs/autodiff-branches.mlir -tcc-autodiff -verify-diagnostics

// The gradient function of a linear model with a loss: the forward's
// results, then one `gradient` result per parameter; the backward of the
// matmul is two matmuls with transposes, of the broadcast a reduction.
// CHECK-LABEL: func.func @forward(
// CHECK-LABEL: func.func @forward_grad(
// CHECK-SAME: -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}, tensor<3x4xf32> {tcc.name = "w", tcc.role = "gradient"}, tensor<3xf32> {tcc.name = "b", tcc.role = "gradient"})
// CHECK: tcc.mse_loss
// CHECK: tcc.reduce sum %{{.*}} dims = [0] : tensor<2x3xf32> -> tensor<3xf32>
// CHECK: tcc.matmul %{{.*}}, %{{.*}} {transpose_lhs} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<3x4xf32>
// CHECK: return
func.func @forward(%x: tensor<2x4xf32> {tcc.name = "x", tcc.role = "input"},
                   %t: tensor<2x3xf32> {tcc.name = "t", tcc.role = "input"},
                   %w: tensor<3x4xf32> {tcc.name = "w", tcc.role = "parameter"},
                   %b: tensor<3xf32> {tcc.name = "b", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %y = tcc.matmul %x, %w {transpose_rhs} : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<2x3xf32>
  %bb = tcc.broadcast %b : tensor<3xf32> -> tensor<2x3xf32>
  %z = tcc.add %y, %bb : tensor<2x3xf32>
  %l = tcc.mse_loss %z, %t : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A parameter the loss does not depend on gets a zero gradient.
// CHECK-LABEL: func.func @unused_grad(
// CHECK: %[[ZERO:.+]] = tcc.constant dense<0.000000e+00> : tensor<f32>
// CHECK: %[[Z:.+]] = tcc.broadcast %[[ZERO]] : tensor<f32> -> tensor<5xf32>
// CHECK: return %{{.*}}, %{{.*}}, %[[Z]]
func.func @unused(%x: tensor<4xf32> {tcc.name = "x", tcc.role = "parameter"},
                  %u: tensor<5xf32> {tcc.name = "u", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %l = tcc.reduce sum %x dims = [0] : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error@+1 {{has no result with tcc.role = "loss" to differentiate}}
func.func @no_loss(%x: tensor<4xf32> {tcc.name = "x", tcc.role = "parameter"})
    -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error@+1 {{has several loss results (0 and 1); tcc-autodiff needs one}}
func.func @two_losses(%x: tensor<4xf32> {tcc.name = "x", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "a", tcc.role = "loss"},
        tensor<f32> {tcc.name = "b", tcc.role = "loss"}) {
  %l = tcc.reduce sum %x dims = [0] : tensor<4xf32> -> tensor<f32>
  return %l, %l : tensor<f32>, tensor<f32>
}

// -----

// expected-error@+1 {{its loss result must be a 0-d float tensor, got 'tensor<4xf32>'}}
func.func @vector_loss(%x: tensor<4xf32> {tcc.name = "x", tcc.role = "parameter"})
    -> (tensor<4xf32> {tcc.name = "loss", tcc.role = "loss"}) {
  return %x : tensor<4xf32>
}

// -----

func.func @ceil_pool(%x: tensor<1x1x5x5xf32> {tcc.name = "x", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  // expected-error@+1 {{'tcc.max_pool2d' op with ceil_mode has no gradient yet}}
  %y = tcc.max_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, ceil_mode}
      : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  %l = tcc.reduce sum %y dims = [0, 1, 2, 3] : tensor<1x1x3x3xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// An all_reduce outside a per-device program (no tcc.mesh on the
// function): nothing is known to differ between devices, and the VJP of a
// sum passes the adjoint through.
tcc.mesh @m(tp = 2)
// CHECK-LABEL: func.func @all_reduce_sum_grad
func.func @all_reduce_sum(%x: tensor<4xf32> {tcc.name = "x", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  // CHECK: tcc.all_reduce sum
  // CHECK-NOT: tcc.all_reduce
  // CHECK: return
  %s = tcc.all_reduce sum %x over @m ["tp"] : tensor<4xf32>
  %l = tcc.reduce sum %s dims = [0] : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

tcc.mesh @m(tp = 2)
func.func @all_reduce_max(%x: tensor<4xf32> {tcc.name = "x", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"})
    attributes {tcc.mesh = @m} {
  // The devices holding the maximum share its adjoint: their count is one
  // more all_reduce.
  // CHECK-LABEL: func.func @all_reduce_max_grad
  // CHECK: %[[MAX:.*]] = tcc.all_reduce max %[[X:.*]] over @m ["tp"]
  // CHECK: %[[HIT:.*]] = tcc.compare eq, %[[X]], %[[MAX]]
  // CHECK: %[[ONE:.*]] = tcc.cast %[[HIT]]
  // CHECK: %[[HITS:.*]] = tcc.all_reduce sum %[[ONE]] over @m ["tp"] {tcc.why = "counts the devices that hold the max the gradient of an all_reduce goes to"}
  // CHECK: %[[SHARE:.*]] = tcc.mul %{{.*}}, %[[ONE]]
  // CHECK: tcc.div %[[SHARE]], %[[HITS]]
  %m = tcc.all_reduce max %x over @m ["tp"] : tensor<4xf32>
  %l = tcc.reduce sum %m dims = [0] : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// tcc.no_gradient: the op's results are constants to autodiff. Here the
// gradient comes through %x's direct use only.
func.func @no_gradient(%x: tensor<4xf32> {tcc.name = "x", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  // CHECK-LABEL: func.func @no_gradient_grad
  // CHECK-NOT: tcc.compare
  // CHECK: return
  %m = tcc.reduce max %x dims = [0] {tcc.no_gradient} : tensor<4xf32> -> tensor<f32>
  %b = tcc.broadcast %m : tensor<f32> -> tensor<4xf32>
  %d = tcc.sub %x, %b : tensor<4xf32>
  %l = tcc.reduce sum %d dims = [0] : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @fused(%x: tensor<4xf32> {tcc.name = "x", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  // expected-error@+2 {{'tcc.fusion' op has no gradient, but the loss depends on it through a differentiated argument}}
  // expected-note@+1 {{tcc-autodiff runs before tcc-fuse; fusion regions are not differentiated}}
  %e = tcc.fusion elementwise(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    %r = tcc.exp %a : tensor<4xf32>
    tcc.yield %r : tensor<4xf32>
  }
  %l = tcc.reduce sum %e dims = [0] : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error@+1 {{a function named 'taken_grad' already exists}}
func.func @taken(%x: tensor<4xf32> {tcc.name = "x", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %l = tcc.reduce sum %x dims = [0] : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}
func.func private @taken_grad()
