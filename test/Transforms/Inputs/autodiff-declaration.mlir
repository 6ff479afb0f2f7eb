// expected-error@+1 {{cannot differentiate a declaration}}
func.func private @decl(%x: tensor<2xf32> {tcc.role = "parameter"}) -> (tensor<f32> {tcc.role = "loss"})
