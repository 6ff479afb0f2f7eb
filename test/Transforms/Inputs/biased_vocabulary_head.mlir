// An untied output head with a bias (V = 16, C = 8, N = 8), its logits
// scaled by a temperature before a cross-entropy, plus a penalty on the
// logits' squares (as PaLM's z-loss keeps logits small), which reads them
// whole: tensor parallelism gathers them for it (test/Transforms/
// tcc-train-step-vocab-parallel.mlir).
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
  %sq = tcc.mul %z, %z : tensor<8x16xf32>
  %ms = tcc.reduce mean %sq dims = [0, 1] : tensor<8x16xf32> -> tensor<f32>
  %k = tcc.constant dense<0.01> : tensor<f32>
  %pen = tcc.mul %ms, %k : tensor<f32>
  %l = tcc.add %ce, %pen : tensor<f32>
  return %l : tensor<f32>
}
