// ZeRO over dp = 4 on the example MLP (SGD with momentum: one slot per
// parameter). Each tensor is split along its first dimension that 4
// divides: fc1.weight [128, 64] and fc1.bias [128] along 0, fc2.weight
// [10, 128] along 1; fc2.bias [10] has none and stays replicated.
// RUN: tcc-opt %tcc_src_root/examples/mlp.mlir -tcc-train-step="optimizer=sgd momentum=0.9 data-parallel=4 zero=1" | FileCheck %s --check-prefix=ZERO1
// RUN: tcc-opt %tcc_src_root/examples/mlp.mlir -tcc-train-step="optimizer=sgd momentum=0.9 data-parallel=4 zero=2" | FileCheck %s --check-prefix=ZERO2
// RUN: tcc-opt %tcc_src_root/examples/mlp.mlir -tcc-train-step="optimizer=sgd momentum=0.9 data-parallel=4 zero=3" | FileCheck %s --check-prefix=ZERO3
// RUN: tcc-opt %tcc_src_root/examples/mlp.mlir -tcc-train-step="optimizer=sgd momentum=0.9 data-parallel=4 zero=2 clip-grad-norm=1" | FileCheck %s --check-prefix=CLIP
// RUN: not tcc-opt %tcc_src_root/examples/mlp.mlir -tcc-train-step="zero=1" 2>&1 | FileCheck %s --check-prefix=NODP
// RUN: not tcc-opt %tcc_src_root/examples/mlp.mlir -tcc-train-step="data-parallel=2 zero=4" 2>&1 | FileCheck %s --check-prefix=STAGE

// ZeRO-1: parameters replicated, each slot this device's shard with its
// sharding; gradients averaged whole (one bucket), then each device cuts
// its shard at once, updates its shard of the parameter, and gathers the
// new parameter.
// ZERO1-LABEL: func.func @train_step(
// ZERO1-SAME: %arg2: tensor<128x64xf32> {tcc.name = "fc1.weight", tcc.role = "parameter"}
// ZERO1-SAME: tensor<32x64xf32> {tcc.name = "fc1.weight.momentum_buffer", tcc.role = "optimizer_state", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"dp"], []]>}
// ZERO1-SAME: tensor<10x32xf32> {tcc.name = "fc2.weight.momentum_buffer", tcc.role = "optimizer_state", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}], ["dp"]]>}
// ZERO1-SAME: tensor<10xf32> {tcc.name = "fc2.bias.momentum_buffer", tcc.role = "optimizer_state"}
// ZERO1-SAME: -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}, tensor<128x64xf32> {tcc.name = "fc1.weight", tcc.role = "parameter"}
// ZERO1-SAME: tensor<32x64xf32> {tcc.name = "fc1.weight.momentum_buffer", tcc.role = "optimizer_state", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"dp"], []]>}
// ZERO1: %[[AVG:.*]] = tcc.all_reduce avg %{{.*}} over @tcc_mesh ["dp"] : tensor<9610xf32>
// ZERO1: tcc.all_slice %{{.*}} over @tcc_mesh ["dp"] dim = 1 : tensor<10x128xf32> -> tensor<10x32xf32>
// ZERO1: %[[G1:.*]] = tcc.all_slice %{{.*}} over @tcc_mesh ["dp"] dim = 0 : tensor<128x64xf32> -> tensor<32x64xf32>
// ZERO1: %[[P1:.*]] = tcc.all_slice %arg2 over @tcc_mesh ["dp"] dim = 0 : tensor<128x64xf32> -> tensor<32x64xf32>
// ZERO1: tcc.all_gather %{{.*}} over @tcc_mesh ["dp"] dim = 0 : tensor<32x64xf32> -> tensor<128x64xf32>
// ZERO1-NOT: tcc.reduce_scatter

// ZeRO-2: the sharded gradients go out as one reduce_scatter: each is
// viewed as [4, rest] (fc2.weight transposed first, its split dimension
// to the front), joined along the rest, and scattered by rows; the
// replicated fc2.bias is averaged whole, in its own bucket.
// ZERO2-LABEL: func.func @train_step(
// ZERO2: tcc.all_reduce avg %{{.*}} over @tcc_mesh ["dp"] : tensor<10xf32>
// ZERO2: %[[T:.*]] = tcc.transpose %{{.*}}, permutation = [1, 0] : tensor<10x128xf32> -> tensor<128x10xf32>
// ZERO2: tcc.reshape %[[T]] : tensor<128x10xf32> -> tensor<4x320xf32>
// ZERO2: %[[ROWS:.*]] = tcc.concat %{{.*}}, %{{.*}}, %{{.*}} dim = 1 : (tensor<4x320xf32>, tensor<4x32xf32>, tensor<4x2048xf32>) -> tensor<4x2400xf32>
// ZERO2-NEXT: %[[MINE:.*]] = tcc.reduce_scatter avg %[[ROWS]] over @tcc_mesh ["dp"] dim = 0 : tensor<4x2400xf32> -> tensor<1x2400xf32>
// ZERO2-NEXT: tcc.slice %[[MINE]], start = [0, 0], limit = [1, 320]
// ZERO2-NEXT: tcc.reshape %{{.*}} : tensor<1x320xf32> -> tensor<32x10xf32>
// ZERO2-NEXT: tcc.transpose %{{.*}}, permutation = [1, 0] : tensor<32x10xf32> -> tensor<10x32xf32>
// ZERO2-NOT: tcc.all_reduce avg %{{.*}} : tensor<{{[0-9]+}}x
// ZERO2: tcc.all_slice %arg2 over @tcc_mesh ["dp"] dim = 0
// ZERO2: tcc.all_gather %{{.*}} over @tcc_mesh ["dp"] dim = 0 : tensor<32x64xf32> -> tensor<128x64xf32>

// ZeRO-3: parameters are shards too, in and out. Each is gathered right
// before the forward reads it and again before the backward does (fc2's
// weight, for the input gradient of fc2; fc1's weight only for a gradient
// nobody returns, so it is not gathered again).
// ZERO3-LABEL: func.func @train_step(
// ZERO3-SAME: %arg2: tensor<32x64xf32> {tcc.name = "fc1.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"dp"], []]>}
// ZERO3-SAME: %arg5: tensor<10xf32> {tcc.name = "fc2.bias", tcc.role = "parameter"}
// ZERO3-SAME: -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}, tensor<32x64xf32> {tcc.name = "fc1.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"dp"], []]>}
// ZERO3-NEXT: %[[W1:.*]] = tcc.all_gather %arg2 over @tcc_mesh ["dp"] dim = 0 : tensor<32x64xf32> -> tensor<128x64xf32>
// ZERO3-NEXT: tcc.matmul %arg0, %[[W1]] {transpose_rhs}
// ZERO3: %[[W2:.*]] = tcc.all_gather %arg4 over @tcc_mesh ["dp"] dim = 1 : tensor<10x32xf32> -> tensor<10x128xf32>
// ZERO3-NEXT: tcc.matmul %{{.*}}, %[[W2]] {transpose_rhs}
// ZERO3: tcc.cross_entropy
// ZERO3: %[[W2B:.*]] = tcc.all_gather %arg4 over @tcc_mesh ["dp"] dim = 1 : tensor<10x32xf32> -> tensor<10x128xf32>
// ZERO3-NEXT: tcc.matmul %{{.*}}, %[[W2B]] :
// ZERO3-NOT: tcc.all_gather %arg
// ZERO3: tcc.reduce_scatter avg
// ZERO3-NOT: tcc.all_gather
// ZERO3: return

// Clipping with sharded gradients: each device's sum of squares over its
// shards is summed over dp before the square root.
// CLIP-LABEL: func.func @train_step(
// CLIP: tcc.reduce_scatter avg
// CLIP: %[[PART:.*]] = tcc.all_reduce sum %{{.*}} over @tcc_mesh ["dp"] : tensor<f32>
// CLIP: %[[TOTAL:.*]] = tcc.add %{{.*}}, %[[PART]] : tensor<f32>
// CLIP-NEXT: tcc.sqrt %[[TOTAL]]

// NODP: error: ZeRO-1 shards over data-parallel devices: it needs at least two
// STAGE: error: ZeRO has stages 0 to 3, got 4
