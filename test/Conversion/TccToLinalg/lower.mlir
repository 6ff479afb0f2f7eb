// The linalg lowering of representative ops: broadcasts read through a
// projected map, reductions accumulate into a filled tensor and keepdims
// re-inserts the dimension through a map, transposes permute the input
// map, gather reads its table at a clamped index, and a batch matmul with
// a broadcast operand is one contraction.
// RUN: tcc-opt %s -tcc-lower-to-linalg | FileCheck %s

// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[T:.+]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[MML:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[MMR:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[MMO:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @ops(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<8xf32>, %[[IDS:[^:]+]]: tensor<3xi64>, %[[W:[^:]+]]: tensor<2x8x5xf32>)
// CHECK:         %[[BB:.+]] = linalg.generic {indexing_maps = [#[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[B]] : tensor<8xf32>)
// CHECK:         %[[S:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[BB]] : tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK:           arith.addf
// CHECK:         linalg.generic {{.*}} ins(%[[S]] : tensor<4x8xf32>)
// CHECK:           math.tanh
// CHECK:         %[[ACC:.+]] = linalg.fill
// CHECK:         %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[COL]]], iterator_types = ["parallel", "reduction"]} ins(%[[X]] : tensor<4x8xf32>) outs(%[[ACC]] : tensor<4xf32>)
// CHECK:           arith.addf {{.*}} fastmath<reassoc>
// CHECK:         linalg.generic {indexing_maps = [#[[COL]], #[[ID]]], {{.*}} ins(%[[SUM]] : tensor<4xf32>) outs(%{{.*}} : tensor<4x1xf32>)
// CHECK:           arith.divf
// CHECK:         linalg.generic {indexing_maps = [#[[T]], #[[ID]]], {{.*}} ins(%[[X]] : tensor<4x8xf32>) outs(%{{.*}} : tensor<8x4xf32>)
// CHECK:         linalg.generic {indexing_maps = [#[[COL]], #[[ID]]], {{.*}} ins(%[[IDS]] : tensor<3xi64>) outs(%{{.*}} : tensor<3x8xf32>)
// CHECK:           arith.select
// CHECK:           tensor.extract %[[X]]
// CHECK:         linalg.generic {indexing_maps = [#[[MML]], #[[MMR]], #[[MMO]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %[[W]] : tensor<4x8xf32>, tensor<2x8x5xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf {{.*}} fastmath<reassoc>

func.func @ops(%x: tensor<4x8xf32>, %b: tensor<8xf32>, %ids: tensor<3xi64>, %w: tensor<2x8x5xf32>) -> (tensor<4x8xf32>, tensor<4x1xf32>, tensor<8x4xf32>, tensor<3x8xf32>, tensor<2x4x5xf32>) {
  %bb = tcc.broadcast %b : tensor<8xf32> -> tensor<4x8xf32>
  %s = tcc.add %x, %bb : tensor<4x8xf32>
  %g = tcc.gelu %s approximate = tanh : tensor<4x8xf32>
  %m = tcc.reduce mean %x dims = [1] keepdims : tensor<4x8xf32> -> tensor<4x1xf32>
  %t = tcc.transpose %x, permutation = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %e = tcc.gather %x, %ids axis = 0 : (tensor<4x8xf32>, tensor<3xi64>) -> tensor<3x8xf32>
  %mm = tcc.matmul %x, %w : (tensor<4x8xf32>, tensor<2x8x5xf32>) -> tensor<2x4x5xf32>
  return %g, %m, %t, %e, %mm : tensor<4x8xf32>, tensor<4x1xf32>, tensor<8x4xf32>, tensor<3x8xf32>, tensor<2x4x5xf32>
}
