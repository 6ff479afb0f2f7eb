// A valid one-op model that the robustness tests damage in different ways.

func.func @f(%x: tensor<4xf32> {tcc.name = "x"}) -> (tensor<4xf32> {tcc.name = "y"}) {
  %0 = tcc.exp %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
