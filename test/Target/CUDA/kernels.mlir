// The CUDA backend's kernels: one gpu.func per fusion group, one thread per
// tile (an element of a map, a row of a softmax), PTX for the chosen
// architecture, matmuls left to cuBLASLt.
//
// REQUIRES: ptxas
// RUN: tcc compile --target=cuda --matmul-epilogues=false %s --emit=mlir --compile-to=kernels -o - | FileCheck %s --check-prefix=TILED
// RUN: tcc compile --target=cuda --matmul-epilogues=false %s --emit=mlir --compile-to=gpu -o - | FileCheck %s --check-prefix=GPU
// RUN: tcc compile --target=cuda --matmul-epilogues=false %s --emit=ptx -o - | FileCheck %s --check-prefix=PTX
// RUN: tcc compile --target=cuda --matmul-epilogues=false --gpu-arch=sm_80 %s --emit=ptx -o - | FileCheck %s --check-prefix=SM80
// RUN: tcc compile --target=cuda --matmul-epilogues=false %s --emit=plan -o - | FileCheck %s --check-prefix=PLAN
// RUN: tcc compile --target=cuda %s --emit=plan -o - | FileCheck %s --check-prefix=EPILOGUE

func.func @main(%x: tensor<64x256xf32> {tcc.name = "x"},
                %w: tensor<256x128xf32> {tcc.name = "w"},
                %b: tensor<128xf32> {tcc.name = "b"})
    -> (tensor<64x128xf32> {tcc.name = "p"}) {
  %h = tcc.matmul %x, %w : (tensor<64x256xf32>, tensor<256x128xf32>) -> tensor<64x128xf32>
  %bb = tcc.broadcast %b : tensor<128xf32> -> tensor<64x128xf32>
  %hb = tcc.add %h, %bb : tensor<64x128xf32>
  %g = tcc.gelu %hb : tensor<64x128xf32>
  %p = tcc.softmax %g dim = 1 : tensor<64x128xf32>
  return %p : tensor<64x128xf32>
}

// Without library epilogues, the epilogue (bias + GELU) is tiled over both
// loops: a thread per four neighbouring elements (one 16-byte access per
// operand). The softmax is tiled over its rows: a thread per row, its max
// and sum computed inside the tile.
// TILED-LABEL: func.func @tcc_kernel_0(
// TILED-SAME: tcc_grid_loops = 2 : i64, tcc_grid_threads = 2048 : i64
// TILED-LABEL: func.func @tcc_kernel_1(
// TILED-SAME: tcc_grid_loops = 1 : i64, tcc_grid_threads = 64 : i64
// TILED: scf.for
// TILED: linalg.generic {{.*}}"reduction"
// TILED: linalg.generic {{.*}}"reduction"

// GPU: gpu.module @tcc_kernels
// GPU: gpu.func @tcc_kernel_0(%{{.*}}: memref<128xf32> {llvm.align = 64 : i64, llvm.noalias}, %{{.*}}: memref<64x128xf32> {{.*}}, %{{.*}}: memref<64x128xf32> {{.*}}, %{{.*}}: memref<1xi32> {{.*}}) kernel
// GPU: gpu.block_id x
// GPU: gpu.block_dim x
// GPU: gpu.thread_id x
// GPU: arith.cmpi ult, %{{.*}}, %c2048
// The softmax row goes to a warp: lanes take every 32nd element, so the
// row's temporary keeps 128 / 32 elements per lane, and the row's max and
// sum are combined with shuffles.
// GPU: gpu.func @tcc_kernel_1(
// GPU: memref.alloca() {{.*}} : memref<1x4xf32>
// GPU-NOT: memref.alloc(
// GPU: arith.cmpi ult, %{{.*}}, %c2048
// GPU: %[[ROW:.*]] = arith.divui %{{.*}}, %c32
// GPU: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// Each lane walks the row's 128 / 32 chunks: element lane + 32 k.
// GPU: scf.for %[[K:.*]] = %c0{{.*}} to %c4 step %c1
// GPU: %[[OFF:.*]] = arith.muli %[[K]], %c32
// GPU: arith.addi %[[LANE]], %[[OFF]]
// GPU: arith.maximumf
// GPU: gpu.shuffle  xor
// GPU-COUNT-4: gpu.shuffle  xor
// GPU: scf.for %{{.*}} = %c0{{.*}} to %c4{{.*}} step %c1
// GPU: gpu.shuffle  xor

// PTX: .target sm_90
// PTX: .visible .entry tcc_kernel_0(
// PTX: mov.u32 {{.*}}%ctaid.x
// PTX: ld.global.nc.v4.b32
// PTX: st.global.v4.b32
// PTX: .visible .entry tcc_kernel_1(
// PTX: shfl.sync.bfly.b32
// PTX-NOT: .entry

// SM80: .target sm_80

// PLAN: "target":"cuda","cpu":"sm_90"
// PLAN: "op":"matmul","dtype":"f32"
// PLAN: "symbol":"tcc_kernel_0","args":[{{[^]]*}}],"tiles":8,"threads":256
// PLAN: "symbol":"tcc_kernel_1","args":[{{[^]]*}}],"tiles":8,"threads":256

// By default cuBLASLt adds the bias (CUBLASLT_EPILOGUE_BIAS); the exact
// (erf) GELU is not cuBLASLt's tanh form, so it stays a kernel, now without
// the bias operand.
// EPILOGUE: "op":"matmul","dtype":"f32"{{.*}}"bias":{"input":2}
// EPILOGUE-NOT: "activation"
// EPILOGUE: "symbol":"tcc_kernel_0","args":[{"buffer":{{[0-9]+}}},{"buffer":{{[0-9]+}}}]
