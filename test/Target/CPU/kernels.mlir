// The CPU backend's kernels before bufferization: a softmax becomes one
// loop over blocks of rows [begin, end) of the kernel's tile range, with
// the row max and sum fused into the loop; the plan sends the matmul to
// BLAS and its epilogue to a kernel.
//
// RUN: tcc compile %s --emit=mlir -o - --no-cache \
// RUN:   | tcc-opt --pass-pipeline='builtin.module(func.func(canonicalize,cse))' \
// RUN:   | FileCheck %s
// RUN: tcc compile %s --emit=plan -o - --no-cache | FileCheck %s --check-prefix=PLAN

func.func @main(%x: tensor<256x1024xf32> {tcc.name = "x"},
                %w: tensor<1024x1024xf32> {tcc.name = "w", tcc.role = "parameter"},
                %b: tensor<1024xf32> {tcc.name = "b", tcc.role = "parameter"})
    -> (tensor<256x1024xf32> {tcc.name = "p"}) {
  %h = tcc.matmul %x, %w : (tensor<256x1024xf32>, tensor<1024x1024xf32>) -> tensor<256x1024xf32>
  %bb = tcc.broadcast %b : tensor<1024xf32> -> tensor<256x1024xf32>
  %z = tcc.add %h, %bb : tensor<256x1024xf32>
  %p = tcc.softmax %z dim = 1 : tensor<256x1024xf32>
  return %p : tensor<256x1024xf32>
}

// The matmul's epilogue (bias add) reads the product and the bias.
// CHECK-LABEL: func.func @tcc_kernel_0(
// CHECK-SAME:      %{{[^:]+}}: memref<1024xf32>, %{{[^:]+}}: memref<256x1024xf32>, %[[OUT0:[^:]+]]: memref<256x1024xf32>,
// CHECK-SAME:      %{{[^:]+}}: memref<1xi32>, %[[BEGIN0:[^:]+]]: index, %[[END0:[^:]+]]: index)
// CHECK-SAME:      tcc_tiles = 16
// CHECK:         scf.for
// CHECK:           linalg.generic
// CHECK:             arith.addf
// CHECK:         bufferization.materialize_in_destination {{.*}} in restrict writable %[[OUT0]]

// The softmax: 16 tiles of 16 rows; the loop covers tiles [begin, end).
// CHECK-LABEL: func.func @tcc_kernel_1(
// CHECK-SAME:      %{{[^:]+}}: memref<256x1024xf32>, %[[OUT:[^:]+]]: memref<256x1024xf32>,
// CHECK-SAME:      %{{[^:]+}}: memref<1xi32>, %[[BEGIN:[^:]+]]: index, %[[END:[^:]+]]: index)
// CHECK-SAME:      tcc_tiles = 16
// CHECK:         %[[LB:.+]] = arith.muli %[[BEGIN]], %[[SIXTEEN:.+]] : index
// CHECK:         %[[END16:.+]] = arith.muli %[[END]], %[[SIXTEEN]] : index
// CHECK:         %[[UB:.+]] = arith.minui %[[END16]], %{{.+}} : index
// CHECK:         scf.for %{{.+}} = %[[LB]] to %[[UB]] step
// Inside the loop, on the tile's 16 rows: the row max, exp(x - max) once
// per element, its row sum, one reciprocal per row, and the final product.
// CHECK:           %[[MAX:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}}tensor<16x1024xf32>
// CHECK:             arith.maximumf
// CHECK:           %[[EXP:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}}ins(%{{.+}}, %[[MAX]] : tensor<16x1024xf32>, tensor<16xf32>)
// CHECK:             math.exp
// CHECK:           %[[SUM:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}}ins(%[[EXP]] : tensor<16x1024xf32>)
// CHECK:             arith.addf
// CHECK:           %[[INVERSE:.+]] = linalg.generic {{.*}}iterator_types = ["parallel"]{{.*}}ins(%[[SUM]] : tensor<16xf32>)
// CHECK:             arith.divf
// CHECK:           linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}}ins(%[[EXP]], %[[INVERSE]] : tensor<16x1024xf32>, tensor<16xf32>)
// CHECK-NOT:         math.exp
// CHECK:             arith.mulf
// CHECK:           tensor.insert_slice
// CHECK:         bufferization.materialize_in_destination {{.*}} in restrict writable %[[OUT]]

// PLAN: "commands":[{"label":"tcc.fusion contraction at {{.*}}kernels.mlir:{{[0-9]+}}:{{[0-9]+}}","op":"matmul","dtype":"f32","lhs":{"input":0},"rhs":{"input":1},"out":{"buffer":{{[0-9]+}}},"m":256,"n":1024,"k":1024,"transpose_lhs":false,"transpose_rhs":false
// PLAN-SAME: "op":"kernel","symbol":"tcc_kernel_0","args":[{"input":2},{"buffer":1},{"buffer":0}],"tiles":16,"threads":1}
// PLAN-SAME: {"label":"tcc.softmax at {{.*}}kernels.mlir:{{[0-9]+}}:8","op":"kernel","symbol":"tcc_kernel_1","args":[{"buffer":0},{"output":0}],"tiles":16,"threads":1}
