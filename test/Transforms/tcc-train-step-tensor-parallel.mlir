// Tensor parallelism over tp = 2 (Megatron): the MLP pair c_fc -> gelu ->
// c_proj is split column- then row-parallel; the projection before it and
// the head after it stay whole (each of their results has another reader,
// or a loss reads it). Attention is split per head (ATTN, below).
// RUN: tcc-opt %S/Inputs/residual_mlp.mlir -tcc-train-step="optimizer=sgd tensor-parallel=2" | FileCheck %s
// RUN: tcc-opt %S/Inputs/residual_mlp.mlir -tcc-train-step="optimizer=sgd tensor-parallel=2 data-parallel=2" | FileCheck %s --check-prefix=MESH2D
// RUN: tcc-opt %S/Inputs/residual_mlp.mlir -tcc-train-step="optimizer=sgd tensor-parallel=3" 2>&1 | FileCheck %s --check-prefix=NODIV
// RUN: tcc-opt %S/Inputs/residual_mlp.mlir -tcc-train-step="tensor-parallel=2 data-parallel=2 zero=3" | FileCheck %s --check-prefix=ZERO
// RUN: tcc-opt %S/Inputs/attention_block.mlir -tcc-train-step="optimizer=sgd tensor-parallel=2" | FileCheck %s --check-prefix=ATTN

// CHECK: tcc.mesh @tcc_mesh (tp = 2)
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %arg2: tensor<16x16xf32> {tcc.name = "proj.weight", tcc.role = "parameter"}
// CHECK-SAME: %arg3: tensor<32x16xf32> {tcc.name = "mlp.c_fc.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"tp"], []]>}
// CHECK-SAME: %arg4: tensor<32xf32> {tcc.name = "mlp.c_fc.bias", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"tp"]]>}
// CHECK-SAME: %arg5: tensor<16x32xf32> {tcc.name = "mlp.c_proj.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}], ["tp"]]>}
// CHECK-SAME: %arg6: tensor<10x16xf32> {tcc.name = "head.weight", tcc.role = "parameter"}
// CHECK-SAME: attributes {tcc.mesh = @tcc_mesh}
// Forward: the column-parallel matmul gives each device its 32 of the 64
// hidden features; the row-parallel one a partial sum, reduced once.
// CHECK: %[[H:.*]] = tcc.matmul %arg0, %arg2 {transpose_rhs} : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: tcc.matmul %[[H]], %arg3 {transpose_rhs} : (tensor<8x16xf32>, tensor<32x16xf32>) -> tensor<8x32xf32>
// CHECK-NEXT: tcc.broadcast %arg4 : tensor<32xf32> -> tensor<8x32xf32>
// CHECK: %[[G:.*]] = tcc.gelu %{{.*}} : tensor<8x32xf32>
// CHECK-NEXT: %[[PARTIAL:.*]] = tcc.matmul %[[G]], %arg5 {transpose_rhs} : (tensor<8x32xf32>, tensor<16x32xf32>) -> tensor<8x16xf32>
// CHECK-NEXT: tcc.all_reduce sum %[[PARTIAL]] over @tcc_mesh ["tp"] : tensor<8x16xf32>
// Backward: each device's gradient of h through its slice of c_fc is a
// partial sum; autodiff sums it over tp before it meets the residual's.
// CHECK: %[[DH:.*]] = tcc.matmul %{{.*}}, %arg3 : (tensor<8x32xf32>, tensor<32x16xf32>) -> tensor<8x16xf32>
// CHECK: tcc.all_reduce sum %[[DH]] over @tcc_mesh ["tp"] : tensor<8x16xf32>
// CHECK-NOT: tcc.all_reduce
// CHECK: return

// dp x tp: a 2-D mesh, tp inner; the data split over dp; gradients of tp
// slices (c_proj.weight, c_fc.bias, c_fc.weight: 1056 floats) and of
// whole tensors (head.weight, proj.weight: 416) averaged over dp in
// buckets of their own.
// MESH2D: tcc.mesh @tcc_mesh (dp = 2, tp = 2)
// MESH2D-LABEL: func.func @train_step(
// MESH2D-SAME: %arg0: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"dp"], []]>}
// MESH2D-DAG: tcc.all_reduce avg %{{.*}} over @tcc_mesh ["dp"] : tensor<1056xf32>
// MESH2D-DAG: tcc.all_reduce avg %{{.*}} over @tcc_mesh ["dp"] : tensor<416xf32>

// 3 divides neither hidden size: nothing is split (and tp = 3 still runs,
// each device computing everything), with a warning saying so.
// NODIV: warning: tensor parallelism found nothing to split (no matmul pair: matmul -> elementwise ops -> matmul, weights read nowhere else, hidden size divisible by 3; no vocabulary table whose rows it divides, read only by lookups and output heads): every device computes everything
// NODIV-LABEL: func.func @train_step(
// NODIV-NOT: tcc.sharding
// NODIV-NOT: tcc.all_reduce

// ZeRO-3 with tp: a tp slice is split again over dp (dp minor on a
// dimension tp already splits: c_fc's rows are [tp block][dp block]); the
// gathers before use are over dp only and give back the tp slice.
// ZERO-LABEL: func.func @train_step(
// ZERO-SAME: %arg2: tensor<8x16xf32> {tcc.name = "proj.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"dp"], []]>}
// ZERO-SAME: %arg3: tensor<16x16xf32> {tcc.name = "mlp.c_fc.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"tp", "dp"], []]>}
// ZERO-SAME: %arg5: tensor<8x32xf32> {tcc.name = "mlp.c_proj.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"dp"], ["tp"]]>}
// ZERO-SAME: %arg9: tensor<16x16xf32> {tcc.name = "mlp.c_fc.weight.exp_avg", tcc.role = "optimizer_state", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"tp", "dp"], []]>}
// ZERO: tcc.all_gather %arg3 over @tcc_mesh ["dp"] dim = 0 : tensor<16x16xf32> -> tensor<32x16xf32>
// ZERO: tcc.reduce_scatter avg %{{.*}} over @tcc_mesh ["dp"] dim = 0

// Attention, per head: each device holds 2 of the 4 heads. The fused qkv
// weight [24, 8] (q, k, v of 8 rows each) is held as [3, 4, 8], the rows of
// this device's heads in each of q, k and v, a view of the user's tensor;
// the slices take q, k and v of the local [q | k | v]; the heads merged
// into the batch of the bmms are this device's (2 batches x 2 heads); the
// mask and the scale are local copies; c_proj's columns are split
// (row-parallel) and its partial products summed once.
// ATTN-LABEL: func.func @train_step(
// ATTN-SAME: %arg4: tensor<3x4x8xf32> {tcc.name = "attn.c_attn.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}], ["tp"], []]>, tcc.user_shape = array<i64: 24, 8>}
// ATTN-SAME: %arg5: tensor<3x4xf32> {tcc.name = "attn.c_attn.bias", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}], ["tp"]]>, tcc.user_shape = array<i64: 24>}
// ATTN-SAME: %arg6: tensor<8x4xf32> {tcc.name = "attn.c_proj.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}], ["tp"]]>}
// ATTN-SAME: %arg7: tensor<8xf32> {tcc.name = "attn.c_proj.bias", tcc.role = "parameter"}
// ATTN-SAME: -> (tensor<f32> {{.*}}, tensor<3x4x8xf32> {{{.*}}tcc.user_shape = array<i64: 24, 8>}
// ATTN: %[[B:.*]] = tcc.reshape %arg5 : tensor<3x4xf32> -> tensor<12xf32>
// ATTN: %[[W:.*]] = tcc.reshape %arg4 : tensor<3x4x8xf32> -> tensor<12x8xf32>
// ATTN: tcc.matmul %{{.*}}, %[[W]] {transpose_rhs} : (tensor<8x8xf32>, tensor<12x8xf32>) -> tensor<8x12xf32>
// ATTN: tcc.broadcast %[[B]] : tensor<12xf32> -> tensor<8x12xf32>
// ATTN: tcc.slice %{{.*}}, start = [0, 0, 0], limit = [2, 4, 4]
// ATTN: tcc.slice %{{.*}}, start = [0, 0, 4], limit = [2, 4, 8]
// ATTN: tcc.slice %{{.*}}, start = [0, 0, 8], limit = [2, 4, 12]
// ATTN: tcc.reshape %{{.*}} : tensor<2x4x4xf32> -> tensor<2x4x2x2xf32>
// ATTN: tcc.matmul %{{.*}}, %{{.*}} : (tensor<4x4x2xf32>, tensor<4x2x4xf32>) -> tensor<4x4x4xf32>
// ATTN: tcc.constant dense<0.707106769> : tensor<2x2x4x4xf32>
// ATTN: tcc.broadcast %{{.*}} : tensor<4x4xi1> -> tensor<2x2x4x4xi1>
// ATTN: tcc.softmax %{{.*}} dim = 3 : tensor<2x2x4x4xf32>
// ATTN: tcc.matmul %{{.*}}, %{{.*}} : (tensor<4x4x4xf32>, tensor<4x4x2xf32>) -> tensor<4x4x2xf32>
// ATTN: %[[O:.*]] = tcc.reshape %{{.*}} : tensor<2x4x2x2xf32> -> tensor<8x4xf32>
// ATTN: %[[P:.*]] = tcc.matmul %[[O]], %arg6 {transpose_rhs} : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x8xf32>
// ATTN-NEXT: tcc.all_reduce sum %[[P]] over @tcc_mesh ["tp"] : tensor<8x8xf32>
// The backward: the gradient of ln_1's output through the qkv projection,
// a partial sum, summed before it reaches ln_1's parameters.
// ATTN: tcc.all_reduce sum %{{.*}} over @tcc_mesh ["tp"] : tensor<8x8xf32>
// ATTN-NOT: tcc.all_reduce
// ATTN: return
