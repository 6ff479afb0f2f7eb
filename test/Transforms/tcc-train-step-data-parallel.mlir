// Data parallelism's gradient buckets: gradients in the order the backward
// finishes them (fc2.bias, fc2.weight, fc1.bias, fc1.weight), flattened
// into one all_reduce per bucket placed right after the bucket's last
// gradient, so that early buckets go out while the backward still runs.
// RUN: tcc-opt %tcc_src_root/examples/mlp.mlir -tcc-train-step="optimizer=sgd data-parallel=2 bucket-bytes=6000" | FileCheck %s --check-prefix=SMALL
// RUN: tcc-opt %tcc_src_root/examples/mlp.mlir -tcc-train-step="optimizer=sgd data-parallel=2" | FileCheck %s --check-prefix=ONE
// RUN: tcc-opt %tcc_src_root/examples/mlp.mlir -tcc-train-step="optimizer=sgd data-parallel=2 bucket-bytes=0" | FileCheck %s --check-prefix=EACH

// 6000 bytes: fc2.bias (40) + fc2.weight (5120) + fc1.bias (512) fill the
// first bucket, issued before the backward's last matmul (fc1's weight
// gradient; the gradient of the input x, which the step does not return,
// is not computed); fc1.weight (32768 bytes) goes alone, last.
// SMALL-LABEL: func.func @train_step(
// SMALL: %[[B2:.*]] = tcc.reduce sum %{{.*}} dims = [0] : tensor<16x10xf32> -> tensor<10xf32>
// SMALL: %[[W2:.*]] = tcc.matmul %{{.*}} {transpose_lhs} : (tensor<16x10xf32>, tensor<16x128xf32>) -> tensor<10x128xf32>
// SMALL: %[[B1:.*]] = tcc.reduce sum %{{.*}} dims = [0] : tensor<16x128xf32> -> tensor<128xf32>
// SMALL: %[[W2FLAT:.*]] = tcc.reshape %[[W2]] : tensor<10x128xf32> -> tensor<1280xf32>
// SMALL-NEXT: %[[FIRST:.*]] = tcc.concat %[[B2]], %[[W2FLAT]], %[[B1]] dim = 0
// SMALL-NEXT: tcc.all_reduce avg %[[FIRST]] over @tcc_mesh ["dp"] : tensor<1418xf32>
// SMALL-NOT: -> tensor<16x64xf32>
// SMALL: %[[W1:.*]] = tcc.matmul %{{.*}}, %arg0 {transpose_lhs}
// SMALL-NEXT: tcc.all_reduce avg %[[W1]] over @tcc_mesh ["dp"] : tensor<128x64xf32>
// SMALL-NOT: tcc.all_reduce

// 25 MiB (DDP's default): one bucket, after the last gradient.
// ONE-LABEL: func.func @train_step(
// ONE: tcc.all_reduce avg %{{.*}} : tensor<f32>
// ONE: %[[W1:.*]] = tcc.matmul %{{.*}}, %arg0 {transpose_lhs}
// ONE: tcc.concat
// ONE-NEXT: tcc.all_reduce avg %{{.*}} over @tcc_mesh ["dp"] : tensor<9610xf32>
// ONE-NOT: tcc.all_reduce

// 0: one all_reduce per gradient, each right after it.
// EACH-LABEL: func.func @train_step(
// EACH: %[[B2:.*]] = tcc.reduce sum %{{.*}} dims = [0] : tensor<16x10xf32> -> tensor<10xf32>
// EACH-NEXT: tcc.all_reduce avg %[[B2]] over @tcc_mesh ["dp"] : tensor<10xf32>
// EACH: %[[W2:.*]] = tcc.matmul %{{.*}} {transpose_lhs}
// EACH-NEXT: tcc.all_reduce avg %[[W2]] over @tcc_mesh ["dp"] : tensor<10x128xf32>
