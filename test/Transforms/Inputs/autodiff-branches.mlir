// expected-error@+1 {{tcc-autodiff needs a function of one block}}
func.func @branches(%x: tensor<2xf32> {tcc.name = "x", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %l = tcc.reduce sum %x dims = [0] : tensor<2xf32> -> tensor<f32>
  cf.br ^next
^next:
  return %l : tensor<f32>
}
