// Two result names that map to the same file name (a_b.npy).
func.func @f(%x: tensor<2xf32>) -> (tensor<2xf32> {tcc.name = "a/b"}, tensor<2xf32> {tcc.name = "a_b"}) {
  return %x, %x : tensor<2xf32>, tensor<2xf32>
}
