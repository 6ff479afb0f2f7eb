// Rematerialization policies of tcc-train-step, and each parameter's update
// placed right after its gradient.
// RUN: tcc-opt %s -tcc-train-step="optimizer=sgd remat=none" -split-input-file | FileCheck %s --check-prefix=NONE
// RUN: tcc-opt %s -tcc-train-step="optimizer=sgd remat=elementwise" -split-input-file | FileCheck %s --check-prefix=ELEMENTWISE
// RUN: tcc-opt %s -tcc-train-step="optimizer=sgd remat=dots" -split-input-file | FileCheck %s --check-prefix=DOTS
// RUN: not tcc-opt %s -tcc-train-step="remat=everything" -split-input-file 2>&1 | FileCheck %s --check-prefix=POLICY
// POLICY: error: unknown rematerialization policy 'everything' (none, elementwise or dots)

// The weight gradient of w2 reads gelu(h). Without remat it reads the
// forward's; with elementwise (and dots) gelu is computed again from h
// (which GELU's derivative keeps anyway) right before that matmul, so the
// forward's dies with the forward. w2's update follows its gradient at
// once, before the backward goes on to w1. The gradient of x, which the
// step does not return, is not computed.
// NONE-LABEL: func.func @train_step(
// NONE: %[[H:.+]] = tcc.matmul %arg0, %arg1
// NONE-NEXT: %[[A:.+]] = tcc.gelu %[[H]]
// NONE-NOT: tcc.gelu
// NONE: tcc.matmul %[[A]], %{{.+}} {transpose_lhs}
// NONE-NEXT: tcc.broadcast
// NONE-NEXT: tcc.mul
// NONE-NEXT: tcc.sub %arg2
// NONE: tcc.matmul %arg0, %{{.+}} {transpose_lhs}
// NONE-NOT: tcc.matmul %{{.+}}, %arg1 {transpose_rhs}
// NONE: return
// ELEMENTWISE-LABEL: func.func @train_step(
// ELEMENTWISE: %[[H:.+]] = tcc.matmul %arg0, %arg1
// ELEMENTWISE-NEXT: %[[A:.+]] = tcc.gelu %[[H]]
// ELEMENTWISE-NEXT: tcc.matmul %[[A]], %arg2
// ELEMENTWISE: %[[AGAIN:.+]] = tcc.gelu %[[H]]
// ELEMENTWISE-NEXT: tcc.matmul %[[AGAIN]], %{{.+}} {transpose_lhs}
// ELEMENTWISE-NOT: %[[A]]{{[^0-9]}}
// ELEMENTWISE: tcc.sub %arg2
// ELEMENTWISE: tcc.matmul %arg0, %{{.+}} {transpose_lhs}
// ELEMENTWISE-NOT: tcc.matmul %{{.+}}, %arg1 {transpose_rhs}
// ELEMENTWISE: return
func.func @mlp(%x: tensor<4x8xf32> {tcc.name = "x", tcc.role = "input"},
               %w1: tensor<8x8xf32> {tcc.name = "w1", tcc.role = "parameter"},
               %w2: tensor<8x2xf32> {tcc.name = "w2", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %h = tcc.matmul %x, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %a = tcc.gelu %h : tensor<4x8xf32>
  %y = tcc.matmul %a, %w2 : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
  %l = tcc.reduce sum %y dims = [0, 1] : tensor<4x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// The backward reads softmax's output (its own VJP and w2's gradient).
// elementwise cannot recompute it (softmax is a reduction) and gelu's
// output is not saved; dots recomputes both from the matmul's result,
// before the first backward reader.
// ELEMENTWISE-LABEL: func.func @softmax(
// ELEMENTWISE: func.func @train_step(
// ELEMENTWISE: %[[S:.+]] = tcc.softmax
// ELEMENTWISE-NOT: tcc.softmax
// ELEMENTWISE-NOT: tcc.gelu
// ELEMENTWISE: tcc.matmul %[[S]], %{{.+}} {transpose_lhs}
// DOTS-LABEL: func.func @softmax(
// DOTS: func.func @train_step(
// DOTS: %[[H:.+]] = tcc.matmul %arg0, %arg1
// DOTS-NEXT: %[[A:.+]] = tcc.gelu %[[H]]
// DOTS-NEXT: %[[S:.+]] = tcc.softmax %[[A]]
// DOTS-NEXT: tcc.matmul %[[S]], %arg2
// DOTS: tcc.matmul %{{.+}}, %arg2 {transpose_rhs}
// DOTS-NEXT: %[[A2:.+]] = tcc.gelu %[[H]]
// DOTS-NEXT: %[[S2:.+]] = tcc.softmax %[[A2]]
// DOTS-NEXT: tcc.matmul %[[S2]], %{{.+}} {transpose_lhs}
// DOTS-NOT: %[[S]]{{[^0-9]}}
// DOTS: return
func.func @softmax(%x: tensor<4x8xf32> {tcc.name = "x", tcc.role = "input"},
                   %w1: tensor<8x8xf32> {tcc.name = "w1", tcc.role = "parameter"},
                   %w2: tensor<8x2xf32> {tcc.name = "w2", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %h = tcc.matmul %x, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %a = tcc.gelu %h : tensor<4x8xf32>
  %s = tcc.softmax %a dim = 1 : tensor<4x8xf32>
  %y = tcc.matmul %s, %w2 : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
  %l = tcc.reduce sum %y dims = [0, 1] : tensor<4x2xf32> -> tensor<f32>
  return %l : tensor<f32>
}
