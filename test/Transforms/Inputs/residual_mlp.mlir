// A projection, a residual MLP block and a classifier head: the MLP's two
// matmuls are a Megatron pair, the others are not (test/Transforms/
// tcc-train-step-tensor-parallel.mlir).
func.func @forward(%x: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input"},
                   %labels: tensor<8xi64> {tcc.name = "labels", tcc.role = "input"},
                   %w0: tensor<16x16xf32> {tcc.name = "proj.weight", tcc.role = "parameter"},
                   %w1: tensor<64x16xf32> {tcc.name = "mlp.c_fc.weight", tcc.role = "parameter"},
                   %b1: tensor<64xf32> {tcc.name = "mlp.c_fc.bias", tcc.role = "parameter"},
                   %w2: tensor<16x64xf32> {tcc.name = "mlp.c_proj.weight", tcc.role = "parameter"},
                   %w3: tensor<10x16xf32> {tcc.name = "head.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %h = tcc.matmul %x, %w0 {transpose_rhs} : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
  %a = tcc.matmul %h, %w1 {transpose_rhs} : (tensor<8x16xf32>, tensor<64x16xf32>) -> tensor<8x64xf32>
  %bb = tcc.broadcast %b1 : tensor<64xf32> -> tensor<8x64xf32>
  %c = tcc.add %a, %bb : tensor<8x64xf32>
  %g = tcc.gelu %c : tensor<8x64xf32>
  %m = tcc.matmul %g, %w2 {transpose_rhs} : (tensor<8x64xf32>, tensor<16x64xf32>) -> tensor<8x16xf32>
  %r = tcc.add %h, %m : tensor<8x16xf32>
  %logits = tcc.matmul %r, %w3 {transpose_rhs} : (tensor<8x16xf32>, tensor<10x16xf32>) -> tensor<8x10xf32>
  %loss = tcc.cross_entropy %logits, %labels : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}
