// nanoGPT's ln_1 and causal self-attention as torch.fx traces them (B = 2, T = 4,
// C = 8, 4 heads of 2): a fused qkv projection sliced into q, k and v,
// heads split by reshapes and transposes and merged into the batch for the
// two bmms, a causal mask and a softmax, then the output projection and a
// residual; an MSE loss against a target (test/Transforms/
// tcc-train-step-tensor-parallel.mlir splits it per head).
func.func @forward(%x: tensor<2x4x8xf32> {tcc.name = "x", tcc.role = "input"},
                   %target: tensor<2x4x8xf32> {tcc.name = "target", tcc.role = "input"},
                   %lnw: tensor<8xf32> {tcc.name = "ln_1.weight", tcc.role = "parameter"},
                   %lnb: tensor<8xf32> {tcc.name = "ln_1.bias", tcc.role = "parameter"},
                   %wqkv: tensor<24x8xf32> {tcc.name = "attn.c_attn.weight", tcc.role = "parameter"},
                   %bqkv: tensor<24xf32> {tcc.name = "attn.c_attn.bias", tcc.role = "parameter"},
                   %wo: tensor<8x8xf32> {tcc.name = "attn.c_proj.weight", tcc.role = "parameter"},
                   %bo: tensor<8xf32> {tcc.name = "attn.c_proj.bias", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %h = tcc.layer_norm %x, %lnw, %lnb {epsilon = 1.0e-05 : f64} : (tensor<2x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<2x4x8xf32>
  %x2 = tcc.reshape %h : tensor<2x4x8xf32> -> tensor<8x8xf32>
  %qkv0 = tcc.matmul %x2, %wqkv {transpose_rhs} : (tensor<8x8xf32>, tensor<24x8xf32>) -> tensor<8x24xf32>
  %bqkvb = tcc.broadcast %bqkv : tensor<24xf32> -> tensor<8x24xf32>
  %qkv1 = tcc.add %qkv0, %bqkvb : tensor<8x24xf32>
  %qkv = tcc.reshape %qkv1 : tensor<8x24xf32> -> tensor<2x4x24xf32>
  %q0 = tcc.slice %qkv, start = [0, 0, 0], limit = [2, 4, 8], stride = [1, 1, 1] : tensor<2x4x24xf32> -> tensor<2x4x8xf32>
  %k0 = tcc.slice %qkv, start = [0, 0, 8], limit = [2, 4, 16], stride = [1, 1, 1] : tensor<2x4x24xf32> -> tensor<2x4x8xf32>
  %v0 = tcc.slice %qkv, start = [0, 0, 16], limit = [2, 4, 24], stride = [1, 1, 1] : tensor<2x4x24xf32> -> tensor<2x4x8xf32>
  %q1 = tcc.reshape %q0 : tensor<2x4x8xf32> -> tensor<2x4x4x2xf32>
  %k1 = tcc.reshape %k0 : tensor<2x4x8xf32> -> tensor<2x4x4x2xf32>
  %v1 = tcc.reshape %v0 : tensor<2x4x8xf32> -> tensor<2x4x4x2xf32>
  %q2 = tcc.transpose %q1, permutation = [0, 2, 1, 3] : tensor<2x4x4x2xf32> -> tensor<2x4x4x2xf32>
  %k2 = tcc.transpose %k1, permutation = [0, 2, 3, 1] : tensor<2x4x4x2xf32> -> tensor<2x4x2x4xf32>
  %v2 = tcc.transpose %v1, permutation = [0, 2, 1, 3] : tensor<2x4x4x2xf32> -> tensor<2x4x4x2xf32>
  %q = tcc.reshape %q2 : tensor<2x4x4x2xf32> -> tensor<8x4x2xf32>
  %kt = tcc.reshape %k2 : tensor<2x4x2x4xf32> -> tensor<8x2x4xf32>
  %s0 = tcc.matmul %q, %kt : (tensor<8x4x2xf32>, tensor<8x2x4xf32>) -> tensor<8x4x4xf32>
  %s1 = tcc.reshape %s0 : tensor<8x4x4xf32> -> tensor<2x4x4x4xf32>
  %scale = tcc.constant dense<0.707106769> : tensor<2x4x4x4xf32>
  %s2 = tcc.mul %s1, %scale : tensor<2x4x4x4xf32>
  %row = tcc.iota dim = 0 : tensor<4x4xi64>
  %col = tcc.iota dim = 1 : tensor<4x4xi64>
  %causal = tcc.compare ge, %row, %col : tensor<4x4xi64>
  %mask = tcc.broadcast %causal : tensor<4x4xi1> -> tensor<2x4x4x4xi1>
  %ninf = tcc.constant dense<0xFF800000> : tensor<2x4x4x4xf32>
  %s3 = tcc.select %mask, %s2, %ninf : tensor<2x4x4x4xi1>, tensor<2x4x4x4xf32>
  %p = tcc.softmax %s3 dim = 3 : tensor<2x4x4x4xf32>
  %p2 = tcc.reshape %p : tensor<2x4x4x4xf32> -> tensor<8x4x4xf32>
  %v3 = tcc.reshape %v2 : tensor<2x4x4x2xf32> -> tensor<8x4x2xf32>
  %o0 = tcc.matmul %p2, %v3 : (tensor<8x4x4xf32>, tensor<8x4x2xf32>) -> tensor<8x4x2xf32>
  %o1 = tcc.reshape %o0 : tensor<8x4x2xf32> -> tensor<2x4x4x2xf32>
  %o2 = tcc.transpose %o1, permutation = [0, 2, 1, 3] : tensor<2x4x4x2xf32> -> tensor<2x4x4x2xf32>
  %o3 = tcc.reshape %o2 : tensor<2x4x4x2xf32> -> tensor<8x8xf32>
  %y0 = tcc.matmul %o3, %wo {transpose_rhs} : (tensor<8x8xf32>, tensor<8x8xf32>) -> tensor<8x8xf32>
  %bob = tcc.broadcast %bo : tensor<8xf32> -> tensor<8x8xf32>
  %y1 = tcc.add %y0, %bob : tensor<8x8xf32>
  %y2 = tcc.reshape %y1 : tensor<8x8xf32> -> tensor<2x4x8xf32>
  %y = tcc.add %x, %y2 : tensor<2x4x8xf32>
  %loss = tcc.mse_loss %y, %target : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}
