// y = x + broadcast(fc.weight): two named arguments for the tcc eval tests.

func.func @forward(%x: tensor<2x3xf32> {tcc.name = "x", tcc.role = "input"},
                   %w: tensor<3xf32> {tcc.name = "fc.weight", tcc.role = "parameter"})
    -> (tensor<2x3xf32> {tcc.name = "y", tcc.role = "output"}) {
  %b = tcc.broadcast %w : tensor<3xf32> -> tensor<2x3xf32>
  %0 = tcc.add %x, %b : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
