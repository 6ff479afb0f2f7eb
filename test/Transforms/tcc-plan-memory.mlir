// RUN: tcc-opt %s -tcc-plan-memory -split-input-file -verify-diagnostics

// A chain: each tensor dies when the next is made, so two buffers of 4 KiB
// alternate (8 KiB peak) where keeping all four would need 16 KiB.
// expected-remark@+1 {{memory plan: 4 buffers, peak 8192 bytes (live lower bound 8192, without reuse 16384)}}
func.func @chain(%x: tensor<32x32xf32>) -> tensor<32x32xf32> {
  %a = tcc.exp %x : tensor<32x32xf32>
  %b = tcc.neg %a : tensor<32x32xf32>
  %c = tcc.tanh %b : tensor<32x32xf32>
  %d = tcc.abs %c : tensor<32x32xf32>
  return %d : tensor<32x32xf32>
}

// -----

// %a stays live until the add, so three 400-byte buffers overlap there; at
// 64-byte aligned offsets they sit at 0, 448 and 896: peak 1296.
// expected-remark@+1 {{memory plan: 4 buffers, peak 1296 bytes (live lower bound 1200, without reuse 1600)}}
func.func @diamond(%x: tensor<100xf32>) -> tensor<100xf32> {
  %a = tcc.exp %x : tensor<100xf32>
  %b = tcc.neg %a : tensor<100xf32>
  %c = tcc.tanh %b : tensor<100xf32>
  %d = tcc.add %a, %c : tensor<100xf32>
  return %d : tensor<100xf32>
}

// -----

// Values inside a fusion are not materialized: one buffer.
// expected-remark@+1 {{memory plan: 1 buffers, peak 64 bytes (live lower bound 64, without reuse 64)}}
func.func @fused(%x: tensor<16xf32>) -> tensor<16xf32> {
  %r = tcc.fusion elementwise(%x) : (tensor<16xf32>) -> tensor<16xf32> {
  ^bb0(%a: tensor<16xf32>):
    %e = tcc.exp %a : tensor<16xf32>
    %n = tcc.neg %e : tensor<16xf32>
    tcc.yield %n : tensor<16xf32>
  }
  return %r : tensor<16xf32>
}

// -----

// i1 takes a byte per element.
// expected-remark@+1 {{memory plan: 1 buffers, peak 10 bytes (live lower bound 10, without reuse 10)}}
func.func @bools(%x: tensor<10xf32>, %y: tensor<10xf32>) -> tensor<10xi1> {
  %m = tcc.compare lt, %x, %y : tensor<10xf32>
  return %m : tensor<10xi1>
}
