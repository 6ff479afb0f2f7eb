// A language model's ends as nanoGPT writes them (V = 16 tokens, C = 8,
// B = 2, T = 4): a token table looked up at the data's ids plus a position
// table looked up at iota's, a nonlinearity standing for the blocks, and
// an output head tied to the token table, whose logits go to a
// cross-entropy with ignore_index and label smoothing (test/Transforms/
// tcc-train-step-vocab-parallel.mlir splits the vocabulary over tp).
func.func @forward(%idx: tensor<2x4xi64> {tcc.name = "idx", tcc.role = "input"},
                   %targets: tensor<2x4xi64> {tcc.name = "targets", tcc.role = "input"},
                   %wte: tensor<16x8xf32> {tcc.name = "wte.weight", tcc.role = "parameter"},
                   %wpe: tensor<4x8xf32> {tcc.name = "wpe.weight", tcc.role = "parameter"})
    -> (tensor<2x4x16xf32> {tcc.name = "logits", tcc.role = "output"},
        tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %pos = tcc.iota dim = 0 : tensor<4xi64>
  %tok = tcc.gather %wte, %idx axis = 0 : (tensor<16x8xf32>, tensor<2x4xi64>) -> tensor<2x4x8xf32>
  %pe = tcc.gather %wpe, %pos axis = 0 : (tensor<4x8xf32>, tensor<4xi64>) -> tensor<4x8xf32>
  %peb = tcc.broadcast %pe : tensor<4x8xf32> -> tensor<2x4x8xf32>
  %x = tcc.add %tok, %peb : tensor<2x4x8xf32>
  %h = tcc.tanh %x : tensor<2x4x8xf32>
  %h2 = tcc.reshape %h : tensor<2x4x8xf32> -> tensor<8x8xf32>
  %z = tcc.matmul %h2, %wte {transpose_rhs} : (tensor<8x8xf32>, tensor<16x8xf32>) -> tensor<8x16xf32>
  %z3 = tcc.reshape %z : tensor<8x16xf32> -> tensor<2x4x16xf32>
  %t = tcc.reshape %targets : tensor<2x4xi64> -> tensor<8xi64>
  %l = tcc.cross_entropy %z, %t {ignore_index = -1 : i64, label_smoothing = 0.1 : f64} : (tensor<8x16xf32>, tensor<8xi64>) -> tensor<f32>
  return %z3, %l : tensor<2x4x16xf32>, tensor<f32>
}
