// Patterns whose fusion is subtle, evaluated before and after tcc-fuse by
// fuse_preserves_numerics.test: a decomposed softmax (a broadcast of a
// reduction's result), a value shared by two kernels, a residual epilogue.
func.func @main(%x: tensor<4x8xf32> {tcc.name = "x"}, %w: tensor<8x8xf32> {tcc.name = "w"},
                %b: tensor<8xf32> {tcc.name = "b"})
    -> (tensor<4x8xf32> {tcc.name = "softmax"}, tensor<4x8xf32> {tcc.name = "shared"},
        tensor<4x8xf32> {tcc.name = "residual"}) {
  %m = tcc.reduce max %x dims = [1] : tensor<4x8xf32> -> tensor<4xf32>
  %mb = tcc.broadcast_in_dim %m, dims = [0] : tensor<4xf32> -> tensor<4x8xf32>
  %d = tcc.sub %x, %mb : tensor<4x8xf32>
  %e = tcc.exp %d : tensor<4x8xf32>
  %s = tcc.reduce sum %e dims = [1] : tensor<4x8xf32> -> tensor<4xf32>
  %sb = tcc.broadcast_in_dim %s, dims = [0] : tensor<4xf32> -> tensor<4x8xf32>
  %p = tcc.div %e, %sb : tensor<4x8xf32>
  %t = tcc.tanh %x : tensor<4x8xf32>
  %u = tcc.transpose %t, permutation = [1, 0] : tensor<4x8xf32> -> tensor<8x4xf32>
  %v = tcc.reshape %u : tensor<8x4xf32> -> tensor<4x8xf32>
  %sh = tcc.mul %t, %v : tensor<4x8xf32>
  %mm = tcc.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %bb = tcc.broadcast %b : tensor<8xf32> -> tensor<4x8xf32>
  %a = tcc.add %mm, %bb : tensor<4x8xf32>
  %r = tcc.add %a, %t : tensor<4x8xf32>
  return %p, %sh, %r : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
