// A data-parallel step that forgot to average its gradient over dp
// (test/Transforms/tcc-check-replication.mlir: tcc compile refuses it).
tcc.mesh @dp(dp = 2)
func.func @step(%x: tensor<4x8xf32> {tcc.name = "x", tcc.sharding = #tcc.sharding<@dp, [["dp"], []]>},
                %w: tensor<8x6xf32> {tcc.name = "w"})
    -> (tensor<8x6xf32> {tcc.name = "w"}) attributes {tcc.mesh = @dp} {
  %y = tcc.matmul %x, %w : (tensor<4x8xf32>, tensor<8x6xf32>) -> tensor<4x6xf32>
  %g = tcc.matmul %x, %y {transpose_lhs} : (tensor<4x8xf32>, tensor<4x6xf32>) -> tensor<8x6xf32>
  %new = tcc.sub %w, %g : tensor<8x6xf32>
  return %new : tensor<8x6xf32>
}
