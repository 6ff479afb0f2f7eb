// A small torchvision-style CNN in training mode: conv-BN-ReLU-maxpool,
// conv-ReLU, global average pooling, a linear classifier and its loss. The
// BatchNorm running statistics are buffers, returned updated.
//
//   tcc eval examples/cnn.mlir
func.func @forward(
    %x: tensor<4x3x16x16xf32> {tcc.name = "x", tcc.role = "input"},
    %labels: tensor<4xi64> {tcc.name = "labels", tcc.role = "input"},
    %c1_w: tensor<8x3x3x3xf32> {tcc.name = "conv1.weight", tcc.role = "parameter"},
    %bn_w: tensor<8xf32> {tcc.name = "bn1.weight", tcc.role = "parameter"},
    %bn_b: tensor<8xf32> {tcc.name = "bn1.bias", tcc.role = "parameter"},
    %bn_m: tensor<8xf32> {tcc.name = "bn1.running_mean", tcc.role = "buffer"},
    %bn_v: tensor<8xf32> {tcc.name = "bn1.running_var", tcc.role = "buffer"},
    %c2_w: tensor<16x8x3x3xf32> {tcc.name = "conv2.weight", tcc.role = "parameter"},
    %c2_b: tensor<16xf32> {tcc.name = "conv2.bias", tcc.role = "parameter"},
    %fc_w: tensor<10x16xf32> {tcc.name = "fc.weight", tcc.role = "parameter"},
    %fc_b: tensor<10xf32> {tcc.name = "fc.bias", tcc.role = "parameter"})
    -> (tensor<4x10xf32> {tcc.name = "logits", tcc.role = "output"},
        tensor<f32> {tcc.name = "loss", tcc.role = "loss"},
        tensor<8xf32> {tcc.name = "bn1.running_mean", tcc.role = "buffer"},
        tensor<8xf32> {tcc.name = "bn1.running_var", tcc.role = "buffer"}) {
  %c1 = tcc.conv2d %x, %c1_w {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<4x3x16x16xf32>, tensor<8x3x3x3xf32>) -> tensor<4x8x16x16xf32>
  %bn, %mean, %var = tcc.batch_norm %c1, %bn_w, %bn_b, %bn_m, %bn_v {training}
      : (tensor<4x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
      -> (tensor<4x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>)
  %r1 = tcc.relu %bn : tensor<4x8x16x16xf32>
  %p1 = tcc.max_pool2d %r1 {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>}
      : tensor<4x8x16x16xf32> -> tensor<4x8x8x8xf32>
  %c2 = tcc.conv2d %p1, %c2_w, %c2_b {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<4x8x8x8xf32>, tensor<16x8x3x3xf32>, tensor<16xf32>) -> tensor<4x16x8x8xf32>
  %r2 = tcc.relu %c2 : tensor<4x16x8x8xf32>
  %g = tcc.reduce mean %r2 dims = [2, 3] : tensor<4x16x8x8xf32> -> tensor<4x16xf32>
  %f = tcc.matmul %g, %fc_w {transpose_rhs}
      : (tensor<4x16xf32>, tensor<10x16xf32>) -> tensor<4x10xf32>
  %fc_bb = tcc.broadcast %fc_b : tensor<10xf32> -> tensor<4x10xf32>
  %logits = tcc.add %f, %fc_bb : tensor<4x10xf32>
  %loss = tcc.cross_entropy %logits, %labels
      : (tensor<4x10xf32>, tensor<4xi64>) -> tensor<f32>
  return %logits, %loss, %mean, %var : tensor<4x10xf32>, tensor<f32>, tensor<8xf32>, tensor<8xf32>
}
