func.func @forward(%w: tensor<4xf32> {tcc.name = "w", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %l = tcc.reduce sum %w dims = [0] : tensor<4xf32> -> tensor<f32>
  return %l : tensor<f32>
}
