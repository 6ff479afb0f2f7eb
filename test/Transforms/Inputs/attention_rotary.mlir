// LLaMA's attention as torch.fx traces it (B = 2, T = 8, C = 16, 4 heads of
// 4): separate q, k and v projections without biases, rotary embeddings
// (cos/sin tables as constants, rotate_half = cat(-x2, x1) along the head
// dimension), a causal mask, and the output projection with a residual;
// an MSE loss against a target (test/Transforms/
// tensor_parallel_attention_eval.py splits it per head). Traced with
// PyTorch 1.13 from Hugging Face's form: q = q * cos + rotate_half(q) * sin
// with rotate_half(x) = cat(-x[..., D/2:], x[..., :D/2]), the tables
// non-persistent buffers [T, D] read as cos[None, None].
func.func @forward(
    %x: tensor<2x8x16xf32> {tcc.name = "x", tcc.role = "input"},
    %target: tensor<2x8x16xf32> {tcc.name = "target", tcc.role = "input"},
    %q_proj.weight: tensor<16x16xf32> {tcc.name = "q_proj.weight", tcc.role = "parameter"},
    %k_proj.weight: tensor<16x16xf32> {tcc.name = "k_proj.weight", tcc.role = "parameter"},
    %v_proj.weight: tensor<16x16xf32> {tcc.name = "v_proj.weight", tcc.role = "parameter"},
    %o_proj.weight: tensor<16x16xf32> {tcc.name = "o_proj.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %_reshape_alias = tcc.reshape %x : tensor<2x8x16xf32> -> tensor<16x16xf32>
  %mm = tcc.matmul %_reshape_alias, %q_proj.weight {transpose_rhs} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %_unsafe_view = tcc.reshape %mm : tensor<16x16xf32> -> tensor<2x8x16xf32>
  %view = tcc.reshape %_unsafe_view : tensor<2x8x16xf32> -> tensor<2x8x4x4xf32>
  %transpose = tcc.transpose %view, permutation = [0, 2, 1, 3] : tensor<2x8x4x4xf32> -> tensor<2x4x8x4xf32>
  %_reshape_alias_1 = tcc.reshape %x : tensor<2x8x16xf32> -> tensor<16x16xf32>
  %mm_1 = tcc.matmul %_reshape_alias_1, %k_proj.weight {transpose_rhs} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %_unsafe_view_1 = tcc.reshape %mm_1 : tensor<16x16xf32> -> tensor<2x8x16xf32>
  %view_1 = tcc.reshape %_unsafe_view_1 : tensor<2x8x16xf32> -> tensor<2x8x4x4xf32>
  %transpose_1 = tcc.transpose %view_1, permutation = [0, 2, 1, 3] : tensor<2x8x4x4xf32> -> tensor<2x4x8x4xf32>
  %_reshape_alias_2 = tcc.reshape %x : tensor<2x8x16xf32> -> tensor<16x16xf32>
  %mm_2 = tcc.matmul %_reshape_alias_2, %v_proj.weight {transpose_rhs} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %_unsafe_view_2 = tcc.reshape %mm_2 : tensor<16x16xf32> -> tensor<2x8x16xf32>
  %view_2 = tcc.reshape %_unsafe_view_2 : tensor<2x8x16xf32> -> tensor<2x8x4x4xf32>
  %transpose_2 = tcc.transpose %view_2, permutation = [0, 2, 1, 3] : tensor<2x8x4x4xf32> -> tensor<2x4x8x4xf32>
  %_tensor_constant0 = tcc.constant dense<"0x0000803F0000803F0000803F0000803F41510A3FB9FC7F3F41510A3FB9FC7F3F3311D5BEE5F27F3F3311D5BEE5F27F3F26707DBF83E27F3F26707DBF83E27F3F305527BF94CB7F3F305527BF94CB7F3F2C3C913E19AE7F3F2C3C913E19AE7F3FB8CD753F128A7F3FB8CD753F128A7F3FBDFF403F815F7F3FBDFF403F815F7F3F"> : tensor<8x4xf32>
  %unsqueeze = tcc.reshape %_tensor_constant0 : tensor<8x4xf32> -> tensor<1x8x4xf32>
  %unsqueeze_1 = tcc.reshape %unsqueeze : tensor<1x8x4xf32> -> tensor<1x1x8x4xf32>
  %_tensor_constant1 = tcc.constant dense<"0x00000000000000000000000000000000A46A573F57D6233CA46A573F57D6233CB7C7683F3ED4A33CB7C7683F3ED4A33CC381103E1FB9F53CC381103E1FB9F53CCFBD41BFDBCB233DCFBD41BFDBCB233D107C75BFF4B64C3D107C75BFF4B64C3D8C0F8FBED19C753D8C0F8FBED19C753D4630283F323E8F3D4630283F323E8F3D"> : tensor<8x4xf32>
  %unsqueeze_2 = tcc.reshape %_tensor_constant1 : tensor<8x4xf32> -> tensor<1x8x4xf32>
  %unsqueeze_3 = tcc.reshape %unsqueeze_2 : tensor<1x8x4xf32> -> tensor<1x1x8x4xf32>
  %broadcast = tcc.broadcast %unsqueeze_1 : tensor<1x1x8x4xf32> -> tensor<2x4x8x4xf32>
  %mul = tcc.mul %transpose, %broadcast : tensor<2x4x8x4xf32>
  %slice_1 = tcc.slice %transpose, start = [0, 0, 0, 0], limit = [2, 4, 8, 2], stride = [1, 1, 1, 1] : tensor<2x4x8x4xf32> -> tensor<2x4x8x2xf32>
  %slice_2 = tcc.slice %transpose, start = [0, 0, 0, 2], limit = [2, 4, 8, 4], stride = [1, 1, 1, 1] : tensor<2x4x8x4xf32> -> tensor<2x4x8x2xf32>
  %neg = tcc.neg %slice_2 : tensor<2x4x8x2xf32>
  %cat = tcc.concat %neg, %slice_1 dim = 3 : (tensor<2x4x8x2xf32>, tensor<2x4x8x2xf32>) -> tensor<2x4x8x4xf32>
  %broadcast_1 = tcc.broadcast %unsqueeze_3 : tensor<1x1x8x4xf32> -> tensor<2x4x8x4xf32>
  %mul_1 = tcc.mul %cat, %broadcast_1 : tensor<2x4x8x4xf32>
  %add = tcc.add %mul, %mul_1 : tensor<2x4x8x4xf32>
  %broadcast_2 = tcc.broadcast %unsqueeze_1 : tensor<1x1x8x4xf32> -> tensor<2x4x8x4xf32>
  %mul_2 = tcc.mul %transpose_1, %broadcast_2 : tensor<2x4x8x4xf32>
  %slice_3 = tcc.slice %transpose_1, start = [0, 0, 0, 0], limit = [2, 4, 8, 2], stride = [1, 1, 1, 1] : tensor<2x4x8x4xf32> -> tensor<2x4x8x2xf32>
  %slice_4 = tcc.slice %transpose_1, start = [0, 0, 0, 2], limit = [2, 4, 8, 4], stride = [1, 1, 1, 1] : tensor<2x4x8x4xf32> -> tensor<2x4x8x2xf32>
  %neg_1 = tcc.neg %slice_4 : tensor<2x4x8x2xf32>
  %cat_1 = tcc.concat %neg_1, %slice_3 dim = 3 : (tensor<2x4x8x2xf32>, tensor<2x4x8x2xf32>) -> tensor<2x4x8x4xf32>
  %broadcast_3 = tcc.broadcast %unsqueeze_3 : tensor<1x1x8x4xf32> -> tensor<2x4x8x4xf32>
  %mul_3 = tcc.mul %cat_1, %broadcast_3 : tensor<2x4x8x4xf32>
  %add_1 = tcc.add %mul_2, %mul_3 : tensor<2x4x8x4xf32>
  %transpose_3 = tcc.transpose %add_1, permutation = [0, 1, 3, 2] : tensor<2x4x8x4xf32> -> tensor<2x4x4x8xf32>
  %_unsafe_view_3 = tcc.reshape %add : tensor<2x4x8x4xf32> -> tensor<8x8x4xf32>
  %_unsafe_view_4 = tcc.reshape %transpose_3 : tensor<2x4x4x8xf32> -> tensor<8x4x8xf32>
  %bmm = tcc.matmul %_unsafe_view_3, %_unsafe_view_4 : (tensor<8x8x4xf32>, tensor<8x4x8xf32>) -> tensor<8x8x8xf32>
  %_unsafe_view_5 = tcc.reshape %bmm : tensor<8x8x8xf32> -> tensor<2x4x8x8xf32>
  %cst = tcc.constant dense<2.0> : tensor<2x4x8x8xf32>
  %div = tcc.div %_unsafe_view_5, %cst : tensor<2x4x8x8xf32>
  %ones = tcc.constant dense<1.0> : tensor<8x8xf32>
  %row = tcc.iota dim = 0 : tensor<8x8xi64>
  %col = tcc.iota dim = 1 : tensor<8x8xi64>
  %cmp = tcc.compare le, %col, %row : tensor<8x8xi64>
  %cst_1 = tcc.constant dense<0.0> : tensor<8x8xf32>
  %tril = tcc.select %cmp, %ones, %cst_1 : tensor<8x8xi1>, tensor<8x8xf32>
  %cst_2 = tcc.constant dense<0.0> : tensor<8x8xf32>
  %eq = tcc.compare eq, %tril, %cst_2 : tensor<8x8xf32>
  %cst_3 = tcc.constant dense<0xFF800000> : tensor<2x4x8x8xf32>
  %broadcast_4 = tcc.broadcast %eq : tensor<8x8xi1> -> tensor<2x4x8x8xi1>
  %masked_fill = tcc.select %broadcast_4, %cst_3, %div : tensor<2x4x8x8xi1>, tensor<2x4x8x8xf32>
  %_softmax = tcc.softmax %masked_fill dim = 3 : tensor<2x4x8x8xf32>
  %_reshape_alias_3 = tcc.reshape %_softmax : tensor<2x4x8x8xf32> -> tensor<8x8x8xf32>
  %_unsafe_view_6 = tcc.reshape %transpose_2 : tensor<2x4x8x4xf32> -> tensor<8x8x4xf32>
  %bmm_1 = tcc.matmul %_reshape_alias_3, %_unsafe_view_6 : (tensor<8x8x8xf32>, tensor<8x8x4xf32>) -> tensor<8x8x4xf32>
  %_unsafe_view_7 = tcc.reshape %bmm_1 : tensor<8x8x4xf32> -> tensor<2x4x8x4xf32>
  %transpose_4 = tcc.transpose %_unsafe_view_7, permutation = [0, 2, 1, 3] : tensor<2x4x8x4xf32> -> tensor<2x8x4x4xf32>
  %_unsafe_view_8 = tcc.reshape %transpose_4 : tensor<2x8x4x4xf32> -> tensor<2x8x16xf32>
  %_reshape_alias_4 = tcc.reshape %_unsafe_view_8 : tensor<2x8x16xf32> -> tensor<16x16xf32>
  %mm_3 = tcc.matmul %_reshape_alias_4, %o_proj.weight {transpose_rhs} : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %_unsafe_view_9 = tcc.reshape %mm_3 : tensor<16x16xf32> -> tensor<2x8x16xf32>
  %add_2 = tcc.add %_unsafe_view_9, %x : tensor<2x8x16xf32>
  %mse_loss = tcc.mse_loss %add_2, %target : (tensor<2x8x16xf32>, tensor<2x8x16xf32>) -> tensor<f32>
  return %mse_loss : tensor<f32>
}
