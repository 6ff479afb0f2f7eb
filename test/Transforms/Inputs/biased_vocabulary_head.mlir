// An untied output head with a bias (V = 16, C = 8, N = 8), its logits
// scaled by a temperature before a cross-entropy, plus three penalties: a
// z-loss (PaLM's mean squared log-sum-exp, which keeps logits small) and
// the logits' mean square, whose reductions over the vocabulary each device
// does on its part before an all_reduce combines them, and the largest
// softmax probability, which reads the logits whole: tensor parallelism
// gathers them for it
// (test/Transforms/tcc-train-step-vocab-parallel.mlir).
func.func @forward(%x: tensor<8x8xf32> {tcc.name = "x", tcc.role = "input"},
                   %targets: tensor<8xi64> {tcc.name = "targets", tcc.role = "input"},
                   %w: tensor<16x8xf32> {tcc.name = "head.weight", tcc.role = "parameter"},
                   %b: tensor<16xf32> {tcc.name = "head.bias", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %z0 = tcc.matmul %x, %w {transpose_rhs} : (tensor<8x8xf32>, tensor<16x8xf32>) -> tensor<8x16xf32>
  %bb = tcc.broadcast %b : tensor<16xf32> -> tensor<8x16xf32>
  %z1 = tcc.add %z0, %bb : tensor<8x16xf32>
  %c = tcc.constant dense<0.5> : tensor<8x16xf32>
  %z = tcc.mul %z1, %c : tensor<8x16xf32>
  %ce = tcc.cross_entropy %z, %targets : (tensor<8x16xf32>, tensor<8xi64>) -> tensor<f32>
  %m = tcc.reduce max %z dims = [1] keepdims : tensor<8x16xf32> -> tensor<8x1xf32>
  %mb = tcc.broadcast %m : tensor<8x1xf32> -> tensor<8x16xf32>
  %zs = tcc.sub %z, %mb : tensor<8x16xf32>
  %e = tcc.exp %zs : tensor<8x16xf32>
  %s = tcc.reduce sum %e dims = [1] keepdims : tensor<8x16xf32> -> tensor<8x1xf32>
  %ls = tcc.log %s : tensor<8x1xf32>
  %lse = tcc.add %ls, %m : tensor<8x1xf32>
  %lse2 = tcc.mul %lse, %lse : tensor<8x1xf32>
  %zl = tcc.reduce mean %lse2 dims = [0, 1] : tensor<8x1xf32> -> tensor<f32>
  %k = tcc.constant dense<0.001> : tensor<f32>
  %pen = tcc.mul %zl, %k : tensor<f32>
  %p = tcc.softmax %z dim = 1 : tensor<8x16xf32>
  %pm = tcc.reduce max %p dims = [0, 1] : tensor<8x16xf32> -> tensor<f32>
  %k2 = tcc.constant dense<0.1> : tensor<f32>
  %pen2 = tcc.mul %pm, %k2 : tensor<f32>
  %sq = tcc.mul %z, %z : tensor<8x16xf32>
  %ms = tcc.reduce mean %sq dims = [0, 1] : tensor<8x16xf32> -> tensor<f32>
  %k3 = tcc.constant dense<0.01> : tensor<f32>
  %pen3 = tcc.mul %ms, %k3 : tensor<f32>
  %l0 = tcc.add %ce, %pen : tensor<f32>
  %l1 = tcc.add %l0, %pen2 : tensor<f32>
  %l = tcc.add %l1, %pen3 : tensor<f32>
  return %l : tensor<f32>
}
