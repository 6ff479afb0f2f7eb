// Every collective kind on a mesh of one device, with the gathers and
// scatters along an inner dimension (the strided-copy paths): on one GPU
// this joins an NCCL communicator of one rank and runs each collective
// through it; the results must equal `tcc eval`'s. benchmarks/gpu's device
// check runs it; test/Runtime/one_device_mesh.test runs it on the CPU.
tcc.mesh @m(dp = 1)

func.func @main(%x: tensor<4x6xf32> {tcc.name = "x"})
    -> (tensor<4x6xf32> {tcc.name = "sum"}, tensor<4x6xf32> {tcc.name = "max"},
        tensor<4x6xf32> {tcc.name = "gathered"},
        tensor<4x6xf32> {tcc.name = "scattered",
                         tcc.sharding = #tcc.sharding<@m, [[], ["dp"]]>},
        tensor<4x6xf32> {tcc.name = "sliced",
                         tcc.sharding = #tcc.sharding<@m, [[], ["dp"]]>},
        tensor<4x6xf32> {tcc.name = "broadcast"})
    attributes {tcc.mesh = @m} {
  %sum = tcc.all_reduce sum %x over @m ["dp"] : tensor<4x6xf32>
  %max = tcc.all_reduce max %x over @m ["dp"] : tensor<4x6xf32>
  %e = tcc.exp %x : tensor<4x6xf32>
  %gathered = tcc.all_gather %e over @m ["dp"] dim = 1 : tensor<4x6xf32> -> tensor<4x6xf32>
  %scattered = tcc.reduce_scatter sum %e over @m ["dp"] dim = 1 : tensor<4x6xf32> -> tensor<4x6xf32>
  %sliced = tcc.all_slice %e over @m ["dp"] dim = 1 : tensor<4x6xf32> -> tensor<4x6xf32>
  %broadcast = tcc.collective_broadcast %e over @m ["dp"] root = 0 : tensor<4x6xf32>
  return %sum, %max, %gathered, %scattered, %sliced, %broadcast
      : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>,
        tensor<4x6xf32>, tensor<4x6xf32>
}
