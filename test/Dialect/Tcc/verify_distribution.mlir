// RUN: tcc-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

// Errors of the meshes, shardings, collectives and pipeline stages
// (TccDistributionOps.td, TccAttrs.td). References to a mesh are checked
// where the mesh is known, in verifySymbolUses.

// expected-error@+1 {{has 2 axis names but 1 sizes}}
"tcc.mesh"() <{sym_name = "m", axis_names = ["a", "b"], axis_sizes = array<i64: 2>}> : () -> ()

// -----

// expected-error@+1 {{axis names must not be empty}}
tcc.mesh @m("" = 2)

// -----

// expected-error@+1 {{axis 'dp' is declared twice}}
tcc.mesh @m(dp = 2, tp = 2, dp = 4)

// -----

// expected-error@+1 {{axis 'tp' must have size >= 1, got 0}}
tcc.mesh @m(dp = 2, tp = 0)

// -----

// expected-error@+1 {{axis 'dp' must have size >= 1, got -2}}
tcc.mesh @m(dp = -2)

// -----

// 2^11 * 2^10 devices.
// expected-error@+1 {{has more than 2^20 devices}}
tcc.mesh @m(a = 2048, b = 1024)

// -----

func.func @mesh_in_function() {
  // expected-error@+1 {{expects parent op 'builtin.module'}}
  tcc.mesh @m(dp = 2)
  return
}

// -----

// expected-note@+1 {{see existing symbol definition here}}
tcc.mesh @world(dp = 2, tp = 2)
// expected-error@+1 {{redefinition of symbol named 'world'}}
tcc.mesh @world(pp = 2)

// -----

func.func @unknown_mesh(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{references unknown mesh @nowhere}}
  %0 = tcc.all_reduce sum %x over @nowhere ["dp"] : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @no_axes(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{needs at least one mesh axis}}
  %0 = tcc.all_reduce avg %x over @world [] : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @unknown_axis(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{mesh @world has no axis 'pp'}}
  %0 = tcc.all_reduce max %x over @world ["dp", "pp"] : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @axis_twice(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{axis 'tp' is listed twice}}
  %0 = tcc.all_reduce min %x over @world ["tp", "tp"] : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_reduce_bool(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type or 64-bit signless integer or 32-bit signless integer values of at most 2^40 elements, but got 'tensor<4xi1>'}}
  %0 = tcc.all_reduce sum %x over @world ["dp"] : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_reduce_kind(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [sum, avg, max, min]}}
  %0 = tcc.all_reduce prod %x over @world ["dp"] : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_gather_element_type(%x: tensor<4x8xf32>) -> tensor<8x8xf16> {
  // expected-error@+1 {{result element type must match the operand's}}
  %0 = tcc.all_gather %x over @world ["dp"] dim = 0 : tensor<4x8xf32> -> tensor<8x8xf16>
  return %0 : tensor<8x8xf16>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_gather_shape(%x: tensor<4x8xf32>) -> tensor<8x8xf32> {
  // expected-error@+1 {{result shape must be [16, 8], got 'tensor<8x8xf32>'}}
  %0 = tcc.all_gather %x over @world ["dp", "tp"] dim = 0 : tensor<4x8xf32> -> tensor<8x8xf32>
  return %0 : tensor<8x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_gather_dim(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{dim 2 is out of range for rank 2}}
  %0 = tcc.all_gather %x over @world ["dp"] dim = 2 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @reduce_scatter_divide(%x: tensor<6x8xf32>) -> tensor<1x8xf32> {
  // expected-error@+1 {{dimension 0 of size 6 does not divide among 4 devices}}
  %0 = tcc.reduce_scatter sum %x over @world ["dp", "tp"] dim = 0 : tensor<6x8xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @reduce_scatter_element_type(%x: tensor<8xi32>) -> tensor<4xi64> {
  // expected-error@+1 {{result element type must match the operand's}}
  %0 = tcc.reduce_scatter max %x over @world ["dp"] dim = 0 : tensor<8xi32> -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_slice_divide(%x: tensor<6x8xf32>) -> tensor<1x8xf32> {
  // expected-error@+1 {{'tcc.all_slice' op dimension 0 of size 6 does not divide among 4 devices}}
  %0 = tcc.all_slice %x over @world ["dp", "tp"] dim = 0 : tensor<6x8xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_slice_shape(%x: tensor<8x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{'tcc.all_slice' op result shape must be [8, 4], got 'tensor<4x8xf32>'}}
  %0 = tcc.all_slice %x over @world ["tp"] dim = 1 : tensor<8x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @reduce_scatter_shape(%x: tensor<8x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{result shape must be [8, 4], got 'tensor<4x8xf32>'}}
  %0 = tcc.reduce_scatter sum %x over @world ["tp"] dim = 1 : tensor<8x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_to_all_split(%x: tensor<4x3xf32>) -> tensor<8x1xf32> {
  // expected-error@+1 {{dimension 1 of size 3 does not divide among 2 devices}}
  %0 = tcc.all_to_all %x over @world ["tp"] split_dim = 1 concat_dim = 0 : tensor<4x3xf32> -> tensor<8x1xf32>
  return %0 : tensor<8x1xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_to_all_split_dim(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{dim -1 is out of range for rank 2}}
  %0 = tcc.all_to_all %x over @world ["tp"] split_dim = -1 concat_dim = 0 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_to_all_concat_dim(%x: tensor<4x8xf32>) -> tensor<8x4xf32> {
  // expected-error@+1 {{concat_dim 2 is out of range for rank 2}}
  %0 = tcc.all_to_all %x over @world ["tp"] split_dim = 1 concat_dim = 2 : tensor<4x8xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_to_all_element_type(%x: tensor<4x8xf32>) -> tensor<8x4xbf16> {
  // expected-error@+1 {{result element type must match the operand's}}
  %0 = tcc.all_to_all %x over @world ["tp"] split_dim = 1 concat_dim = 0 : tensor<4x8xf32> -> tensor<8x4xbf16>
  return %0 : tensor<8x4xbf16>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @all_to_all_shape(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{result shape must be [8, 4], got 'tensor<4x8xf32>'}}
  %0 = tcc.all_to_all %x over @world ["tp"] split_dim = 1 concat_dim = 0 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @collective_broadcast_root(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{root 4 is not a position in a group of 4 devices}}
  %0 = tcc.collective_broadcast %x over @world ["dp", "tp"] root = 4 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, pp = 2)
func.func @send_peer(%x: tensor<4xf32>) {
  // expected-error@+1 {{peer 2 is out of range for axis 'pp' of size 2}}
  tcc.send %x over @world "pp" to 2 : tensor<4xf32>
  return
}

// -----

tcc.mesh @world(dp = 2, pp = 2)
func.func @send_unknown_mesh(%x: tensor<4xf32>) {
  // expected-error@+1 {{references unknown mesh @pipe}}
  tcc.send %x over @pipe "pp" to 1 : tensor<4xf32>
  return
}

// -----

tcc.mesh @world(dp = 2, pp = 2)
func.func @recv_peer() -> tensor<4xf32> {
  // expected-error@+1 {{peer -1 is out of range for axis 'pp' of size 2}}
  %0 = tcc.recv over @world "pp" from -1 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, pp = 2)
func.func @recv_axis() -> tensor<4xf32> {
  // expected-error@+1 {{mesh @world has no axis 'tp'}}
  %0 = tcc.recv over @world "tp" from 0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, pp = 2)
func.func @stage_index(%x: tensor<4xf32>) {
  // expected-error@+1 {{peer 2 is out of range for axis 'pp' of size 2}}
  tcc.stage 2 over @world "pp" {
    tcc.yield
  }
  return
}

// -----

tcc.mesh @world(dp = 2, pp = 2)
func.func @stage_yield_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{yields 1 values whose types differ from the stage's result types}}
  %0 = tcc.stage 0 over @world "pp" -> tensor<4xf32> {
    %c = tcc.constant dense<1.0> : tensor<4xf16>
    tcc.yield %c : tensor<4xf16>
  }
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, pp = 2)
func.func @stage_yield_count(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{yields 0 values whose types differ from the stage's result types}}
  %0 = tcc.stage 0 over @world "pp" -> tensor<4xf32> {
    tcc.yield
  }
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, pp = 2)
func.func @stage_arguments(%x: tensor<4xf32>) {
  // expected-error@+1 {{body must not have arguments}}
  tcc.stage 1 over @world "pp" {
  ^bb0(%a: tensor<4xf32>):
    tcc.yield
  }
  return
}

// -----

// Only an op that might be a terminator (here an unregistered one) gets past
// the generic block checks to the stage's own.
tcc.mesh @world(dp = 2, pp = 2)
func.func @stage_terminator(%x: tensor<4xf32>) {
  // expected-error@+1 {{body must end with tcc.yield}}
  tcc.stage 1 over @world "pp" {
    "test.terminator"() : () -> ()
  }
  return
}

// -----

tcc.mesh @world(dp = 2, pp = 2)
func.func @stage_no_terminator(%x: tensor<4xf32>) {
  tcc.stage 1 over @world "pp" {
    // expected-error@+1 {{block with no terminator}}
    %y = tcc.relu %x : tensor<4xf32>
  }
  return
}

// -----

func.func @yield_outside_stage(%x: tensor<4xf32>) {
  // expected-error@+1 {{expects parent op to be one of 'tcc.stage, tcc.fusion'}}
  tcc.yield %x : tensor<4xf32>
}

// -----

func.func @annotate_unknown_mesh(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{references unknown mesh @world}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<@world, [["dp"]]>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @annotate_rank(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{sharding has 1 dimensions but the tensor has rank 2}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<@world, [["dp"]]>} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @annotate_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{sharding names axis 'pp', which mesh @world does not have}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<@world, [["dp"], ["pp"]]>} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @annotate_partial_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+1 {{sharding names axis 'sp', which mesh @world does not have}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<@world, [["dp"], []], partial = sum ["sp"]>} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @annotate_divide(%x: tensor<4x6xf32>) -> tensor<4x6xf32> {
  // expected-error@+1 {{dimension 1 of size 6 does not divide among 4 devices}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<@world, [[], ["dp", "tp"]]>} : tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @annotate_type(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error@+1 {{requires the same type for all operands and results}}
  %0 = "tcc.annotate"(%x) {sharding = #tcc.sharding<@world, [["dp"]]>} : (tensor<4xf32>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @sharding_partial_kind(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{expected sum, avg, max or min, got 'prod'}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<@world, [[]], partial = prod ["tp"]>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @sharding_axis_strings(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{sharding axes must be strings, got 0 : i64}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<@world, [[0]]>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @sharding_axis_twice(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error@+1 {{sharding uses mesh axis 'dp' more than once}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<@world, [["dp"], ["dp"]]>} : tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

// An axis cannot both split a dimension and hold partial results.
tcc.mesh @world(dp = 2, tp = 2)
func.func @sharding_split_and_partial(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{sharding uses mesh axis 'tp' more than once}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<@world, [["tp"]], partial = sum ["tp"]>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @sharding_dims(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{sharding needs a list of axes for every dimension, got "dp"}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<@world, ["dp"]>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
func.func @sharding_mesh_symbol(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{invalid kind of attribute specified}}
  %0 = tcc.annotate %x {sharding = #tcc.sharding<"world", [[]]>} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2)
func.func @dropout_sharding_rank(%x: tensor<4x8xf32>, %s: tensor<i64>) -> tensor<4x8xf32> {
  // expected-error@+1 {{'tcc.dropout' op sharding has 1 dimensions but the tensor has rank 2}}
  %y = tcc.dropout %x, %s {rate = 0.1 : f64, stream = 0 : i64, sharding = #tcc.sharding<@world, [["dp"]]>} : tensor<4x8xf32>, tensor<i64>
  return %y : tensor<4x8xf32>
}

// -----

func.func @dropout_sharding_unknown_mesh(%x: tensor<4x8xf32>, %s: tensor<i64>) -> tensor<4x8xf32> {
  // expected-error@+1 {{'tcc.dropout' op references unknown mesh @nowhere}}
  %y = tcc.dropout %x, %s {rate = 0.1 : f64, stream = 0 : i64, sharding = #tcc.sharding<@nowhere, [[], []]>} : tensor<4x8xf32>, tensor<i64>
  return %y : tensor<4x8xf32>
}

// -----

tcc.mesh @world(dp = 2)
func.func @dropout_sharding_unknown_axis(%x: tensor<4x8xf32>, %s: tensor<i64>) -> tensor<4x8xf32> {
  // expected-error@+1 {{'tcc.dropout' op sharding names axis 'tp', which mesh @world does not have}}
  %y = tcc.dropout %x, %s {rate = 0.1 : f64, stream = 0 : i64, sharding = #tcc.sharding<@world, [["tp"], []]>} : tensor<4x8xf32>, tensor<i64>
  return %y : tensor<4x8xf32>
}

// -----

// Inside a per-device function every mesh reference is the function's mesh.
tcc.mesh @a(dp = 2)
tcc.mesh @b(dp = 2)
func.func @collective_other_mesh(%x: tensor<4xf32>) -> tensor<4xf32> attributes {tcc.mesh = @a} {
  // expected-error@+1 {{'tcc.all_reduce' op names mesh @b, but its per-device function runs on mesh @a}}
  %s = tcc.all_reduce sum %x over @b ["dp"] : tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

tcc.mesh @a(dp = 2)
tcc.mesh @b(dp = 2)
func.func @dropout_other_mesh(%x: tensor<4xf32>, %s: tensor<i64>) -> tensor<4xf32> attributes {tcc.mesh = @a} {
  // expected-error@+1 {{'tcc.dropout' op names mesh @b, but its per-device function runs on mesh @a}}
  %y = tcc.dropout %x, %s {rate = 0.1 : f64, stream = 0 : i64, sharding = #tcc.sharding<@b, [["dp"]]>} : tensor<4xf32>, tensor<i64>
  return %y : tensor<4xf32>
}

// -----

tcc.mesh @a(dp = 2)
tcc.mesh @b(dp = 2)
func.func @annotate_other_mesh(%x: tensor<4xf32>) -> tensor<4xf32> attributes {tcc.mesh = @a} {
  // expected-error@+1 {{'tcc.annotate' op names mesh @b, but its per-device function runs on mesh @a}}
  %y = tcc.annotate %x {sharding = #tcc.sharding<@b, [["dp"]]>} : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

tcc.mesh @a(dp = 2)
tcc.mesh @b(dp = 2)
// expected-error@+1 {{'tcc.sharding' on a function argument: names mesh @b, but its per-device function runs on mesh @a}}
func.func @argument_other_mesh(%x: tensor<4xf32> {tcc.sharding = #tcc.sharding<@b, [["dp"]]>}) -> tensor<4xf32> attributes {tcc.mesh = @a} {
  return %x : tensor<4xf32>
}

// -----

tcc.mesh @a(dp = 2)
// expected-error@+1 {{'tcc.sharding' on a function argument: a sharded tensor needs a static shape}}
func.func @argument_dynamic(%x: tensor<?xf32> {tcc.sharding = #tcc.sharding<@a, [["dp"]]>}) -> tensor<?xf32> attributes {tcc.mesh = @a} {
  return %x : tensor<?xf32>
}

// -----

tcc.mesh @a(dp = 2)
// expected-error@+1 {{'tcc.sharding' on a function argument: shape [2199023255552] has more than 2^40 elements}}
func.func @argument_global_too_big(%x: tensor<1099511627776xf32> {tcc.sharding = #tcc.sharding<@a, [["dp"]]>}) -> tensor<1099511627776xf32> attributes {tcc.mesh = @a} {
  return %x : tensor<1099511627776xf32>
}
