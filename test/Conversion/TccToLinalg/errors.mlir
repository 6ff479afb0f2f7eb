// Ops the linalg lowering refuses, at the op.
// RUN: tcc-opt %s -split-input-file -tcc-lower-to-linalg -verify-diagnostics

tcc.mesh @m(dp = 2)
func.func @collective(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{'tcc.all_reduce' op has no lowering to linalg: collectives, pipeline stages and fusion regions are handled by the backends' plan builders, not as kernels}}
  %y = tcc.all_reduce sum %x over @m ["dp"] : tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

tcc.mesh @m(dp = 2)
func.func @sharded_dropout(%x: tensor<2x4xf32>, %seed: tensor<i64>) -> tensor<2x4xf32> attributes {tcc.mesh = @m} {
  // expected-error@+1 {{with a sharding draws the mask by global element index, which needs the device's mesh coordinates; the compiled backends do not take per-device programs yet}}
  %y = tcc.dropout %x, %seed {rate = 0.5 : f64, stream = 1 : i64, sharding = #tcc.sharding<@m, [["dp"], []]>} : tensor<2x4xf32>, tensor<i64>
  return %y : tensor<2x4xf32>
}

// -----

func.func @resource() -> tensor<2xf32> {
  // expected-error@+1 {{has a dense_resource<blob> : tensor<2xf32> value; the compiler takes dense elements}}
  %c = tcc.constant dense_resource<blob> : tensor<2xf32>
  return %c : tensor<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F00000040"
    }
  }
#-}
