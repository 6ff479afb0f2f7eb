// Self-attention with separate q, k and v projections, as Hugging Face's
// BERT and LLaMA write it (B = 2, T = 4, C = 8, 4 heads of 2, 4-D batched
// matmuls), after a layer norm; an MSE loss against a target
// (test/Transforms/tensor_parallel_attention_eval.py splits it per head).
func.func @forward(%x: tensor<2x4x8xf32> {tcc.name = "x", tcc.role = "input"},
                   %target: tensor<2x4x8xf32> {tcc.name = "target", tcc.role = "input"},
                   %lnw: tensor<8xf32> {tcc.name = "ln_1.weight", tcc.role = "parameter"},
                   %lnb: tensor<8xf32> {tcc.name = "ln_1.bias", tcc.role = "parameter"},
                   %wq: tensor<8x8xf32> {tcc.name = "attn.q_proj.weight", tcc.role = "parameter"},
                   %bq: tensor<8xf32> {tcc.name = "attn.q_proj.bias", tcc.role = "parameter"},
                   %wk: tensor<8x8xf32> {tcc.name = "attn.k_proj.weight", tcc.role = "parameter"},
                   %wv: tensor<8x8xf32> {tcc.name = "attn.v_proj.weight", tcc.role = "parameter"},
                   %wo: tensor<8x8xf32> {tcc.name = "attn.o_proj.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %h = tcc.layer_norm %x, %lnw, %lnb {epsilon = 1.0e-05 : f64} : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  %q0 = tcc.matmul %h, %wq {transpose_rhs} : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %bqb = tcc.broadcast %bq : tensor<8xf32> -> tensor<2x4x8xf32>
  %q1 = tcc.add %q0, %bqb : tensor<2x4x8xf32>
  %k0 = tcc.matmul %h, %wk {transpose_rhs} : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %v0 = tcc.matmul %h, %wv {transpose_rhs} : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %q2 = tcc.reshape %q1 : tensor<2x4x8xf32> -> tensor<2x4x4x2xf32>
  %k2 = tcc.reshape %k0 : tensor<2x4x8xf32> -> tensor<2x4x4x2xf32>
  %v2 = tcc.reshape %v0 : tensor<2x4x8xf32> -> tensor<2x4x4x2xf32>
  %q = tcc.transpose %q2, permutation = [0, 2, 1, 3] : tensor<2x4x4x2xf32> -> tensor<2x4x4x2xf32>
  %kt = tcc.transpose %k2, permutation = [0, 2, 3, 1] : tensor<2x4x4x2xf32> -> tensor<2x4x2x4xf32>
  %v = tcc.transpose %v2, permutation = [0, 2, 1, 3] : tensor<2x4x4x2xf32> -> tensor<2x4x4x2xf32>
  %s0 = tcc.matmul %q, %kt : (tensor<2x4x4x2xf32>, tensor<2x4x2x4xf32>) -> tensor<2x4x4x4xf32>
  %scale = tcc.constant dense<0.707106769> : tensor<2x4x4x4xf32>
  %s1 = tcc.mul %s0, %scale : tensor<2x4x4x4xf32>
  %p = tcc.softmax %s1 dim = 3 : tensor<2x4x4x4xf32>
  %o0 = tcc.matmul %p, %v : (tensor<2x4x4x4xf32>, tensor<2x4x4x2xf32>) -> tensor<2x4x4x2xf32>
  %o1 = tcc.transpose %o0, permutation = [0, 2, 1, 3] : tensor<2x4x4x2xf32> -> tensor<2x4x4x2xf32>
  %o2 = tcc.reshape %o1 : tensor<2x4x4x2xf32> -> tensor<2x4x8xf32>
  %y0 = tcc.matmul %o2, %wo {transpose_rhs} : (tensor<2x4x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8xf32>
  %y = tcc.add %x, %y0 : tensor<2x4x8xf32>
  %loss = tcc.mse_loss %y, %target : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}
