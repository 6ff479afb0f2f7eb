// Vocabulary parallelism over tp = 2 (Megatron): a token table [V, C]
// looked up at the data's ids and tied to the output head is split by
// rows; each device looks up the rows it holds (zeros for the other
// device's tokens, then one all_reduce), computes its tokens' logits, and
// the cross-entropy is summed from [N] partial results. The position
// table, looked up at constant positions, stays whole. Numbers:
// test/Transforms/vocab_parallel_eval.py.
// RUN: tcc-opt %S/Inputs/tied_vocabulary.mlir -tcc-train-step="optimizer=sgd tensor-parallel=2" | FileCheck %s
// RUN: tcc-opt %S/Inputs/biased_vocabulary_head.mlir -tcc-train-step="optimizer=sgd tensor-parallel=2" | FileCheck %s --check-prefix=BIAS
// RUN: tcc-opt %S/Inputs/tied_vocabulary.mlir -tcc-train-step="tensor-parallel=2 data-parallel=2 zero=3" | FileCheck %s --check-prefix=ZERO

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %arg2: tensor<8x8xf32> {tcc.name = "wte.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"tp"], []]>}
// CHECK-SAME: %arg3: tensor<4x8xf32> {tcc.name = "wpe.weight", tcc.role = "parameter"}
// The ids of the device's tokens, and the lookup: clamp into its rows,
// read, zero what another device holds, sum.
// CHECK: %[[ALL:.*]] = tcc.iota dim = 0 : tensor<16xi64>
// CHECK-NEXT: %[[IDS:.*]] = tcc.all_slice %[[ALL]] over @tcc_mesh ["tp"] dim = 0 : tensor<16xi64> -> tensor<8xi64>
// CHECK: %[[FIRST:.*]] = tcc.slice %[[IDS]], start = [0], limit = [1]
// CHECK: %[[LOCAL:.*]] = tcc.sub %arg0, %{{.*}} : tensor<2x4xi64>
// CHECK: %[[LOW:.*]] = tcc.max %[[LOCAL]]
// CHECK: %[[CLAMPED:.*]] = tcc.min %[[LOW]]
// CHECK: %[[HELD:.*]] = tcc.compare eq, %[[CLAMPED]], %[[LOCAL]]
// CHECK: %[[ROWS:.*]] = tcc.gather %arg2, %[[CLAMPED]] axis = 0 : (tensor<8x8xf32>, tensor<2x4xi64>) -> tensor<2x4x8xf32>
// CHECK: %[[MASK:.*]] = tcc.broadcast_in_dim %[[HELD]], dims = [0, 1]
// CHECK: %[[PART:.*]] = tcc.select %[[MASK]], %[[ROWS]]
// CHECK-NEXT: %[[EMB:.*]] = tcc.all_reduce sum %[[PART]] over @tcc_mesh ["tp"] : tensor<2x4x8xf32>
// CHECK: tcc.gather %arg3, %{{.*}} axis = 0 : (tensor<4x8xf32>, tensor<4xi64>) -> tensor<4x8xf32>
// The head: the device's 8 tokens' logits, then the loss across devices;
// the largest logit is a constant to autodiff (it cancels).
// CHECK: %[[Z:.*]] = tcc.matmul %{{.*}}, %arg2 {transpose_rhs} : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
// CHECK: %[[ROWMAX:.*]] = tcc.reduce max %[[Z]] dims = [1]
// CHECK-NEXT: %[[M:.*]] = tcc.all_reduce max %[[ROWMAX]] over @tcc_mesh ["tp"] {tcc.no_gradient} : tensor<8xf32>
// CHECK: %[[OURS:.*]] = tcc.compare eq, %{{.*}}, %{{.*}} : tensor<8x8xi64>
// CHECK: %[[PARTS:.*]] = tcc.concat %{{.*}}, %{{.*}}, %{{.*}} dim = 0 : (tensor<1x8xf32>, tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<3x8xf32>
// CHECK-NEXT: tcc.all_reduce sum %[[PARTS]] over @tcc_mesh ["tp"] : tensor<3x8xf32>
// ignore_index: the mean over the rows whose label is not -1.
// CHECK: tcc.compare ne
// CHECK: tcc.div
// The backward: the head's input gradient is a partial sum over the
// vocabulary (Megatron's backward all_reduce); nothing else is sent, and
// the logits (an output the step does not return) are never gathered.
// CHECK: tcc.all_reduce sum %{{.*}} over @tcc_mesh ["tp"] : tensor<8x8xf32>
// CHECK-NOT: tcc.all_
// CHECK: tcc.scatter_add %{{.*}} rows = 8 : (tensor<8x8xf32>, tensor<8xi64>) -> tensor<8x8xf32>
// CHECK-NOT: tcc.all_
// CHECK: return

// An untied head with its bias, both split; the temperature is copied
// locally. The z-loss's max and sum over the vocabulary and the mean
// square are reduced per device, then combined (max, sum, avg); the
// softmax reads the logits whole (an all_gather; its gradient is the
// device's slice).
// BIAS-LABEL: func.func @train_step(
// BIAS-SAME: %arg2: tensor<8x8xf32> {tcc.name = "head.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"tp"], []]>}
// BIAS-SAME: %arg3: tensor<8xf32> {tcc.name = "head.bias", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"tp"]]>}
// BIAS: %[[Z0:.*]] = tcc.matmul %arg0, %arg2 {transpose_rhs} : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
// BIAS: tcc.broadcast %arg3 : tensor<8xf32> -> tensor<8x8xf32>
// BIAS: tcc.constant dense<5.000000e-01> : tensor<8x8xf32>
// BIAS: tcc.all_reduce max %{{.*}} {tcc.no_gradient} : tensor<8xf32>
// BIAS: tcc.all_reduce sum %{{.*}} : tensor<2x8xf32>
// BIAS: %[[ZMAX:.*]] = tcc.reduce max %{{.*}} dims = [1] keepdims : tensor<8x8xf32> -> tensor<8x1xf32>
// BIAS-NEXT: tcc.all_reduce max %[[ZMAX]] over @tcc_mesh ["tp"] : tensor<8x1xf32>
// BIAS: %[[ZSUM:.*]] = tcc.reduce sum %{{.*}} dims = [1] keepdims : tensor<8x8xf32> -> tensor<8x1xf32>
// BIAS-NEXT: tcc.all_reduce sum %[[ZSUM]] over @tcc_mesh ["tp"] : tensor<8x1xf32>
// BIAS: tcc.all_gather %{{.*}} over @tcc_mesh ["tp"] dim = 1 : tensor<8x8xf32> -> tensor<8x16xf32>
// BIAS: %[[SQ:.*]] = tcc.reduce mean %{{.*}} dims = [0, 1] : tensor<8x8xf32> -> tensor<f32>
// BIAS-NEXT: tcc.all_reduce avg %[[SQ]] over @tcc_mesh ["tp"] : tensor<f32>
// BIAS: tcc.all_slice %{{.*}} over @tcc_mesh ["tp"] dim = 1 : tensor<8x16xf32> -> tensor<8x8xf32>
// BIAS: return

// ZeRO-3 with tp: dp shards the device's rows of the table again.
// ZERO: tcc.mesh @tcc_mesh (dp = 2, tp = 2)
// ZERO-LABEL: func.func @train_step(
// ZERO-SAME: %arg2: tensor<4x8xf32> {tcc.name = "wte.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"tp", "dp"], []]>}
