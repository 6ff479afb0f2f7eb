// RUN: tcc-opt %s -split-input-file -tcc-check-replication -verify-diagnostics | FileCheck %s
// The CPU backend runs the check on every per-device program it compiles:
// RUN: not tcc compile --quiet %S/Inputs/unreduced_gradient.mlir -o %t.tccm 2>&1 | FileCheck %s --check-prefix=COMPILE
// RUN: not test -e %t.tccm
// COMPILE: unreduced_gradient.mlir:10:3: error: result #0 ('w') differs between the devices along mesh axis 'dp' but is declared replicated over it
// COMPILE: unreduced_gradient.mlir:4:1: note: it depends on argument #0 ('x'), which is split over 'dp'

// Data parallelism done right: the loss and the gradient are averaged over
// dp; a ZeRO shard (reduce_scatter, all_slice) is returned with the
// sharding that says so; an all_gather makes a shard whole again.
tcc.mesh @dp(dp = 2)
// CHECK-LABEL: func.func @averaged
func.func @averaged(%x: tensor<4x8xf32> {tcc.name = "x", tcc.sharding = #tcc.sharding<@dp, [["dp"], []]>},
                    %w: tensor<8x6xf32> {tcc.name = "w"})
    -> (tensor<8x6xf32> {tcc.name = "grad"},
        tensor<4x6xf32> {tcc.name = "grad_shard", tcc.sharding = #tcc.sharding<@dp, [["dp"], []]>},
        tensor<8x3xf32> {tcc.name = "w_shard", tcc.sharding = #tcc.sharding<@dp, [[], ["dp"]]>},
        tensor<8x6xf32> {tcc.name = "w_again"},
        tensor<4x6xf32> {tcc.name = "partial", tcc.sharding = #tcc.sharding<@dp, [[], []], partial = sum ["dp"]>})
    attributes {tcc.mesh = @dp} {
  %y = tcc.matmul %x, %w : (tensor<4x8xf32>, tensor<8x6xf32>) -> tensor<4x6xf32>
  %g = tcc.matmul %x, %y {transpose_lhs} : (tensor<4x8xf32>, tensor<4x6xf32>) -> tensor<8x6xf32>
  %avg = tcc.all_reduce avg %g over @dp ["dp"] : tensor<8x6xf32>
  %shard = tcc.reduce_scatter avg %g over @dp ["dp"] dim = 0 : tensor<8x6xf32> -> tensor<4x6xf32>
  %ws = tcc.all_slice %w over @dp ["dp"] dim = 1 : tensor<8x6xf32> -> tensor<8x3xf32>
  %again = tcc.all_gather %ws over @dp ["dp"] dim = 1 : tensor<8x3xf32> -> tensor<8x6xf32>
  return %avg, %shard, %ws, %again, %y : tensor<8x6xf32>, tensor<4x6xf32>, tensor<8x3xf32>, tensor<8x6xf32>, tensor<4x6xf32>
}

// -----

// A gradient of the device's own batch returned as the replicated update:
// every device would hold different weights.
tcc.mesh @dp(dp = 2)
// expected-note@below {{it depends on argument #0 ('x'), which is split over 'dp'}}
func.func @unreduced(%x: tensor<4x8xf32> {tcc.name = "x", tcc.sharding = #tcc.sharding<@dp, [["dp"], []]>},
                     %w: tensor<8x6xf32> {tcc.name = "w"})
    -> (tensor<8x6xf32> {tcc.name = "w"}) attributes {tcc.mesh = @dp} {
  %y = tcc.matmul %x, %w : (tensor<4x8xf32>, tensor<8x6xf32>) -> tensor<4x6xf32>
  %g = tcc.matmul %x, %y {transpose_lhs} : (tensor<4x8xf32>, tensor<4x6xf32>) -> tensor<8x6xf32>
  %new = tcc.sub %w, %g : tensor<8x6xf32>
  // expected-error@below {{result #0 ('w') differs between the devices along mesh axis 'dp' but is declared replicated over it (its tcc.sharding neither splits a dimension over 'dp' nor holds partial sums over it): reduce or gather it over 'dp' first (e.g. tcc.all_reduce)}}
  return %new : tensor<8x6xf32>
}

// -----

// A shard returned as if it were the whole tensor: the difference comes
// from the all_slice, and the message points at it.
tcc.mesh @dp(dp = 2)
func.func @shard_as_whole(%w: tensor<8x6xf32> {tcc.name = "w"})
    -> (tensor<8x3xf32> {tcc.name = "w_shard"}) attributes {tcc.mesh = @dp} {
  // expected-note@below {{it depends on this 'tcc.all_slice', whose result differs along 'dp'}}
  %ws = tcc.all_slice %w over @dp ["dp"] dim = 1 : tensor<8x6xf32> -> tensor<8x3xf32>
  %r = tcc.relu %ws : tensor<8x3xf32>
  // expected-error@below {{result #0 ('w_shard') differs between the devices along mesh axis 'dp'}}
  return %r : tensor<8x3xf32>
}

// -----

// On a 2x2 mesh, reducing over tp does not make a dp-sharded value the
// same along dp; a fusion region passes the difference through.
tcc.mesh @m(dp = 2, tp = 2)
// expected-note@below {{it depends on argument #0 ('x'), which is split over 'dp'}}
func.func @other_axis(%x: tensor<4x8xf32> {tcc.name = "x", tcc.sharding = #tcc.sharding<@m, [["dp"], []]>})
    -> (tensor<4x8xf32> {tcc.name = "y", tcc.sharding = #tcc.sharding<@m, [["dp"], []]>},
        tensor<4x8xf32> {tcc.name = "z"}) attributes {tcc.mesh = @m} {
  %s = tcc.all_reduce sum %x over @m ["tp"] : tensor<4x8xf32>
  %f = tcc.fusion elementwise(%s) : (tensor<4x8xf32>) -> tensor<4x8xf32> {
  ^bb0(%a: tensor<4x8xf32>):
    %r = tcc.relu %a : tensor<4x8xf32>
    tcc.yield %r : tensor<4x8xf32>
  }
  // expected-error@below {{result #1 ('z') differs between the devices along mesh axis 'dp'}}
  return %f, %f : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A collective over the pipeline axis inside a stage of that axis: the
// devices of the other stages never join it.
tcc.mesh @pp(pp = 2)
func.func @collective_in_stage(%x: tensor<8xf32>) -> tensor<8xf32>
    attributes {tcc.mesh = @pp} {
  %h = tcc.stage 0 over @pp "pp" -> tensor<8xf32> {
    // expected-error@below {{'tcc.all_reduce' op runs over axis 'pp' inside a tcc.stage of that axis: only the devices at coordinate 0 run the stage, so the others would never join}}
    %s = tcc.all_reduce sum %x over @pp ["pp"] : tensor<8xf32>
    tcc.yield %s : tensor<8xf32>
  }
  return %x : tensor<8xf32>
}
