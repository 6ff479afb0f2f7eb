// RUN: tcc-opt %s -split-input-file -verify-diagnostics

// Errors of the graph-contract attributes (docs/contract.md): tcc.name,
// tcc.role and tcc.sharding on function arguments and results, tcc.mesh on
// functions.

// expected-error@+1 {{'tcc.name' on a function argument must be a non-empty string}}
func.func @empty_name(%x: tensor<4xf32> {tcc.name = ""}) {
  return
}

// -----

// expected-error@+1 {{'tcc.name' on a function result must be a non-empty string}}
func.func @name_not_string(%x: tensor<4xf32>) -> (tensor<4xf32> {tcc.name = 1 : i64}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error@+1 {{'tcc.role' on a function argument must be one of input, parameter, buffer, optimizer_state, got "output"}}
func.func @argument_role(%x: tensor<4xf32> {tcc.role = "output"}) {
  return
}

// -----

// expected-error@+1 {{'tcc.role' on a function result must be one of output, loss, parameter, buffer, optimizer_state, gradient, probe, got "input"}}
func.func @result_role(%x: tensor<4xf32>) -> (tensor<4xf32> {tcc.role = "input"}) {
  return %x : tensor<4xf32>
}

// -----

// expected-error@+1 {{'tcc.role' on a function argument must be one of input, parameter, buffer, optimizer_state, got 3 : i64}}
func.func @role_not_string(%x: tensor<4xf32> {tcc.role = 3}) {
  return
}

// -----

// expected-error@+1 {{'tcc.sharding' must be a #tcc.sharding on a tensor argument}}
func.func @sharding_not_attr(%x: tensor<4xf32> {tcc.sharding = "dp"}) {
  return
}

// -----

tcc.mesh @world(dp = 2)
// expected-error@+1 {{'tcc.sharding' must be a #tcc.sharding on a tensor result}}
func.func @sharding_not_tensor(%x: i32) -> (i32 {tcc.sharding = #tcc.sharding<@world, []>}) {
  return %x : i32
}

// -----

// expected-error@+1 {{'tcc.sharding' references unknown mesh @world}}
func.func @sharding_unknown_mesh(%x: tensor<4xf32> {tcc.sharding = #tcc.sharding<@world, [["dp"]]>}) {
  return
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
// expected-error@+1 {{'tcc.sharding' on a function argument: sharding has 2 dimensions but the tensor has rank 1}}
func.func @sharding_rank(%x: tensor<4xf32> {tcc.sharding = #tcc.sharding<@world, [["dp"], []]>}) {
  return
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
// expected-error@+1 {{'tcc.sharding' on a function result: sharding names axis 'pp', which mesh @world does not have}}
func.func @sharding_axis(%x: tensor<4xf32>) -> (tensor<4xf32> {tcc.sharding = #tcc.sharding<@world, [["pp"]]>}) {
  return %x : tensor<4xf32>
}

// -----

tcc.mesh @world(dp = 2, tp = 2)
// expected-error@+1 {{'tcc.sharding' on a function argument: dimension 0 of size 3 does not divide among 2 devices}}
func.func @sharding_divide(%x: tensor<3xf32> {tcc.sharding = #tcc.sharding<@world, [["tp"]]>}) {
  return
}

// -----

// expected-error@+1 {{unknown tcc attribute 'tcc.weight' on a function argument}}
func.func @unknown_argument_attr(%x: tensor<4xf32> {tcc.weight = 1.0 : f32}) {
  return
}

// -----

// expected-error@+1 {{unknown tcc attribute 'tcc.mesh' on a function result}}
func.func @unknown_result_attr(%x: tensor<4xf32>) -> (tensor<4xf32> {tcc.mesh = @world}) {
  return %x : tensor<4xf32>
}

// -----

func.func @why_not_a_string(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'tcc.why' must be a string saying why the op is there}}
  %0 = tcc.relu %x {tcc.why = 1 : i64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @no_gradient_not_unit(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'tcc.no_gradient' must be a unit attribute}}
  %0 = tcc.relu %x {tcc.no_gradient = true} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @unknown_op_attr(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{unknown tcc attribute 'tcc.role' on an operation}}
  %0 = tcc.relu %x {tcc.role = "output"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error@+1 {{'tcc.mesh' must be a mesh symbol on a function}}
func.func @mesh_not_symbol() attributes {tcc.mesh = "world"} {
  return
}

// -----

tcc.mesh @world(dp = 2)
func.func @mesh_on_op(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'tcc.mesh' must be a mesh symbol on a function}}
  %0 = tcc.relu %x {tcc.mesh = @world} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error@+1 {{'tcc.mesh' references unknown mesh @world}}
func.func @mesh_unknown() attributes {tcc.mesh = @world} {
  return
}

// -----

tcc.mesh @world(dp = 2)
// A nested reference is not a mesh of this module.
// expected-error@+1 {{'tcc.mesh' must be a mesh symbol on a function}}
func.func @mesh_nested() attributes {tcc.mesh = @world::@inner} {
  return
}

// -----

tcc.mesh @world(tp = 2)
// tcc.user_shape: the user's tensor a sharded tensor views, only in a
// per-device function.
// expected-error@+1 {{'tcc.user_shape' must be an array of i64 on a tensor argument of a per-device function}}
func.func @user_shape_outside_mesh(%x: tensor<3x4xf32> {tcc.user_shape = array<i64: 12>}) {
  return
}

// -----

tcc.mesh @world(tp = 2)
// expected-error@+1 {{'tcc.user_shape' has a negative size}}
func.func @user_shape_negative(%x: tensor<3x4xf32> {tcc.user_shape = array<i64: -24>}) attributes {tcc.mesh = @world} {
  return
}

// -----

tcc.mesh @world(tp = 2)
// 10 elements are not whole shards of a 12-element shard.
// expected-error@+1 {{'tcc.user_shape' of 10 elements cannot hold whole shards of the argument's 'tensor<3x4xf32>'}}
func.func @user_shape_partial(%x: tensor<3x4xf32> {tcc.user_shape = array<i64: 10>}) attributes {tcc.mesh = @world} {
  return
}
