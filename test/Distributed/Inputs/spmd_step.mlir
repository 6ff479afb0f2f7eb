// A per-device program on a 2x2 mesh: a data-parallel matmul and its
// weight gradient all-reduced over dp, an all_gather along rows (dp) and
// along columns (tp), a reduce_scatter of the gradient along columns over
// tp, and all_slice along columns (tp) and along rows (both axes), whose
// joined outputs are w again. Inputs and sharded outputs are the global
// tensors (test/Distributed/spmd_run.test).
tcc.mesh @m(dp = 2, tp = 2)
func.func @step(%x: tensor<2x8xf32> {tcc.name = "x", tcc.sharding = #tcc.sharding<@m, [["dp"], []]>},
                %w: tensor<8x6xf32> {tcc.name = "w"})
    -> (tensor<2x6xf32> {tcc.name = "y", tcc.sharding = #tcc.sharding<@m, [["dp"], []]>},
        tensor<8x6xf32> {tcc.name = "g"},
        tensor<4x6xf32> {tcc.name = "rows"},
        tensor<8x3xf32> {tcc.name = "scattered", tcc.sharding = #tcc.sharding<@m, [[], ["tp"]]>},
        tensor<2x12xf32> {tcc.name = "wide", tcc.sharding = #tcc.sharding<@m, [["dp"], []]>},
        tensor<8x3xf32> {tcc.name = "columns", tcc.sharding = #tcc.sharding<@m, [[], ["tp"]]>},
        tensor<2x6xf32> {tcc.name = "blocks", tcc.sharding = #tcc.sharding<@m, [["dp", "tp"], []]>})
    attributes {tcc.mesh = @m} {
  %y = tcc.matmul %x, %w : (tensor<2x8xf32>, tensor<8x6xf32>) -> tensor<2x6xf32>
  %gl = tcc.matmul %x, %y {transpose_lhs} : (tensor<2x8xf32>, tensor<2x6xf32>) -> tensor<8x6xf32>
  %g = tcc.all_reduce sum %gl over @m ["dp"] : tensor<8x6xf32>
  %rows = tcc.all_gather %y over @m ["dp"] dim = 0 : tensor<2x6xf32> -> tensor<4x6xf32>
  %s = tcc.reduce_scatter sum %g over @m ["tp"] dim = 1 : tensor<8x6xf32> -> tensor<8x3xf32>
  %wide = tcc.all_gather %y over @m ["tp"] dim = 1 : tensor<2x6xf32> -> tensor<2x12xf32>
  %columns = tcc.all_slice %w over @m ["tp"] dim = 1 : tensor<8x6xf32> -> tensor<8x3xf32>
  %blocks = tcc.all_slice %w over @m ["dp", "tp"] dim = 0 : tensor<8x6xf32> -> tensor<2x6xf32>
  return %y, %g, %rows, %s, %wide, %columns, %blocks : tensor<2x6xf32>, tensor<8x6xf32>, tensor<4x6xf32>, tensor<8x3xf32>, tensor<2x12xf32>, tensor<8x3xf32>, tensor<2x6xf32>
}
