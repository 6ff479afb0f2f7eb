// A two-layer perceptron classifying 64-feature inputs into 10 classes, as
// torch.nn.Sequential(Linear(64, 128), GELU(), Linear(128, 10)) would trace,
// with its cross-entropy loss. Weights use PyTorch's [out, in] layout.
//
//   tcc eval examples/mlp.mlir
func.func @forward(
    %x: tensor<16x64xf32> {tcc.name = "x", tcc.role = "input"},
    %labels: tensor<16xi64> {tcc.name = "labels", tcc.role = "input"},
    %w1: tensor<128x64xf32> {tcc.name = "fc1.weight", tcc.role = "parameter"},
    %b1: tensor<128xf32> {tcc.name = "fc1.bias", tcc.role = "parameter"},
    %w2: tensor<10x128xf32> {tcc.name = "fc2.weight", tcc.role = "parameter"},
    %b2: tensor<10xf32> {tcc.name = "fc2.bias", tcc.role = "parameter"})
    -> (tensor<16x10xf32> {tcc.name = "logits", tcc.role = "output"},
        tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %h = tcc.matmul %x, %w1 {transpose_rhs}
      : (tensor<16x64xf32>, tensor<128x64xf32>) -> tensor<16x128xf32>
  %b1b = tcc.broadcast %b1 : tensor<128xf32> -> tensor<16x128xf32>
  %h1 = tcc.add %h, %b1b : tensor<16x128xf32>
  %a = tcc.gelu %h1 : tensor<16x128xf32>
  %o = tcc.matmul %a, %w2 {transpose_rhs}
      : (tensor<16x128xf32>, tensor<10x128xf32>) -> tensor<16x10xf32>
  %b2b = tcc.broadcast %b2 : tensor<10xf32> -> tensor<16x10xf32>
  %logits = tcc.add %o, %b2b : tensor<16x10xf32>
  %loss = tcc.cross_entropy %logits, %labels
      : (tensor<16x10xf32>, tensor<16xi64>) -> tensor<f32>
  return %logits, %loss : tensor<16x10xf32>, tensor<f32>
}
