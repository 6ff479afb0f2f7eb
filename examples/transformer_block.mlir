// One nanoGPT transformer block (pre-LayerNorm, causal self-attention with 4
// heads, GELU MLP, residual dropout), as tcc's PyTorch tracer would emit it
// for Block(n_embd=32, n_head=4) on a [batch 2, time 8] input. Parameter
// names are the module's state_dict keys; Linear weights are [out, in].
//
//   tcc eval examples/transformer_block.mlir
func.func @forward(
    %x: tensor<2x8x32xf32> {tcc.name = "x", tcc.role = "input"},
    %seed: tensor<i64> {tcc.name = "seed", tcc.role = "input"},
    %ln1_w: tensor<32xf32> {tcc.name = "ln_1.weight", tcc.role = "parameter"},
    %ln1_b: tensor<32xf32> {tcc.name = "ln_1.bias", tcc.role = "parameter"},
    %attn_w: tensor<96x32xf32> {tcc.name = "attn.c_attn.weight", tcc.role = "parameter"},
    %attn_b: tensor<96xf32> {tcc.name = "attn.c_attn.bias", tcc.role = "parameter"},
    %proj_w: tensor<32x32xf32> {tcc.name = "attn.c_proj.weight", tcc.role = "parameter"},
    %proj_b: tensor<32xf32> {tcc.name = "attn.c_proj.bias", tcc.role = "parameter"},
    %ln2_w: tensor<32xf32> {tcc.name = "ln_2.weight", tcc.role = "parameter"},
    %ln2_b: tensor<32xf32> {tcc.name = "ln_2.bias", tcc.role = "parameter"},
    %fc_w: tensor<128x32xf32> {tcc.name = "mlp.c_fc.weight", tcc.role = "parameter"},
    %fc_b: tensor<128xf32> {tcc.name = "mlp.c_fc.bias", tcc.role = "parameter"},
    %mproj_w: tensor<32x128xf32> {tcc.name = "mlp.c_proj.weight", tcc.role = "parameter"},
    %mproj_b: tensor<32xf32> {tcc.name = "mlp.c_proj.bias", tcc.role = "parameter"})
    -> (tensor<2x8x32xf32> {tcc.name = "y", tcc.role = "output"}) {
  // Attention: qkv = c_attn(ln_1(x)), split into heads.
  %h = tcc.layer_norm %x, %ln1_w, %ln1_b {epsilon = 1.0e-05 : f64}
      : (tensor<2x8x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
  %qkv0 = tcc.matmul %h, %attn_w {transpose_rhs}
      : (tensor<2x8x32xf32>, tensor<96x32xf32>) -> tensor<2x8x96xf32>
  %attn_bb = tcc.broadcast %attn_b : tensor<96xf32> -> tensor<2x8x96xf32>
  %qkv = tcc.add %qkv0, %attn_bb : tensor<2x8x96xf32>
  %q0 = tcc.slice %qkv, start = [0, 0, 0], limit = [2, 8, 32], stride = [1, 1, 1]
      : tensor<2x8x96xf32> -> tensor<2x8x32xf32>
  %k0 = tcc.slice %qkv, start = [0, 0, 32], limit = [2, 8, 64], stride = [1, 1, 1]
      : tensor<2x8x96xf32> -> tensor<2x8x32xf32>
  %v0 = tcc.slice %qkv, start = [0, 0, 64], limit = [2, 8, 96], stride = [1, 1, 1]
      : tensor<2x8x96xf32> -> tensor<2x8x32xf32>
  %q1 = tcc.reshape %q0 : tensor<2x8x32xf32> -> tensor<2x8x4x8xf32>
  %k1 = tcc.reshape %k0 : tensor<2x8x32xf32> -> tensor<2x8x4x8xf32>
  %v1 = tcc.reshape %v0 : tensor<2x8x32xf32> -> tensor<2x8x4x8xf32>
  %q = tcc.transpose %q1, permutation = [0, 2, 1, 3] : tensor<2x8x4x8xf32> -> tensor<2x4x8x8xf32>
  %k = tcc.transpose %k1, permutation = [0, 2, 1, 3] : tensor<2x8x4x8xf32> -> tensor<2x4x8x8xf32>
  %v = tcc.transpose %v1, permutation = [0, 2, 1, 3] : tensor<2x8x4x8xf32> -> tensor<2x4x8x8xf32>
  // att = softmax(mask(q k^T / sqrt(8))) v, with the causal mask from iotas.
  %s0 = tcc.matmul %q, %k {transpose_rhs}
      : (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %scale = tcc.constant dense<0.353553385> : tensor<2x4x8x8xf32>
  %s1 = tcc.mul %s0, %scale : tensor<2x4x8x8xf32>
  %row = tcc.iota dim = 0 : tensor<8x8xi64>
  %col = tcc.iota dim = 1 : tensor<8x8xi64>
  %causal = tcc.compare ge, %row, %col : tensor<8x8xi64>
  %mask = tcc.broadcast %causal : tensor<8x8xi1> -> tensor<2x4x8x8xi1>
  %ninf = tcc.constant dense<0xFF800000> : tensor<2x4x8x8xf32>
  %s2 = tcc.select %mask, %s1, %ninf : tensor<2x4x8x8xi1>, tensor<2x4x8x8xf32>
  %p = tcc.softmax %s2 dim = 3 : tensor<2x4x8x8xf32>
  %o0 = tcc.matmul %p, %v : (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %o1 = tcc.transpose %o0, permutation = [0, 2, 1, 3] : tensor<2x4x8x8xf32> -> tensor<2x8x4x8xf32>
  %o2 = tcc.reshape %o1 : tensor<2x8x4x8xf32> -> tensor<2x8x32xf32>
  %o3 = tcc.matmul %o2, %proj_w {transpose_rhs}
      : (tensor<2x8x32xf32>, tensor<32x32xf32>) -> tensor<2x8x32xf32>
  %proj_bb = tcc.broadcast %proj_b : tensor<32xf32> -> tensor<2x8x32xf32>
  %o4 = tcc.add %o3, %proj_bb : tensor<2x8x32xf32>
  %o5 = tcc.dropout %o4, %seed {rate = 0.1 : f64, stream = 0 : i64} : tensor<2x8x32xf32>, tensor<i64>
  %x1 = tcc.add %x, %o5 : tensor<2x8x32xf32>
  // MLP: c_proj(gelu(c_fc(ln_2(x1)))).
  %m0 = tcc.layer_norm %x1, %ln2_w, %ln2_b {epsilon = 1.0e-05 : f64}
      : (tensor<2x8x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
  %m1 = tcc.matmul %m0, %fc_w {transpose_rhs}
      : (tensor<2x8x32xf32>, tensor<128x32xf32>) -> tensor<2x8x128xf32>
  %fc_bb = tcc.broadcast %fc_b : tensor<128xf32> -> tensor<2x8x128xf32>
  %m2 = tcc.add %m1, %fc_bb : tensor<2x8x128xf32>
  %m3 = tcc.gelu %m2 approximate = tanh : tensor<2x8x128xf32>
  %m4 = tcc.matmul %m3, %mproj_w {transpose_rhs}
      : (tensor<2x8x128xf32>, tensor<32x128xf32>) -> tensor<2x8x32xf32>
  %mproj_bb = tcc.broadcast %mproj_b : tensor<32xf32> -> tensor<2x8x32xf32>
  %m5 = tcc.add %m4, %mproj_bb : tensor<2x8x32xf32>
  %m6 = tcc.dropout %m5, %seed {rate = 0.1 : f64, stream = 1 : i64} : tensor<2x8x32xf32>, tensor<i64>
  %y = tcc.add %x1, %m6 : tensor<2x8x32xf32>
  return %y : tensor<2x8x32xf32>
}
