// RUN: tcc-opt %s -split-input-file -verify-diagnostics

// Errors of the constants, generators and elementwise ops (TccOps.td).

func.func @constant_vector() {
  // expected-error@+1 {{value must be a ranked tensor}}
  %0 = tcc.constant dense<1.0> : vector<2xf32>
  return
}

// -----

// The generic form takes the result type as written and checks it against
// the value's.
func.func @constant_vector_generic() {
  // expected-error@+2 {{value must be a ranked tensor}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "tcc.constant"() <{value = dense<1.0> : vector<2xf32>}> : () -> tensor<2xf32>
  return
}

// -----

func.func @constant_result_type() {
  // expected-error@+2 {{inferred type(s) 'tensor<2xf32>' are incompatible with return type(s) of operation 'tensor<2xf16>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = "tcc.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<2xf16>
  return
}

// -----

func.func @constant_element_type() {
  // expected-error@+1 {{result #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type or 64-bit signless integer or 32-bit signless integer or 1-bit signless integer values of at most 2^40 elements, but got 'tensor<2xi8>'}}
  %0 = tcc.constant dense<1> : tensor<2xi8>
  return
}

// -----

func.func @iota_dim() -> tensor<4x3xi64> {
  // expected-error@+1 {{dim 2 is out of range for rank 2}}
  %0 = tcc.iota dim = 2 : tensor<4x3xi64>
  return %0 : tensor<4x3xi64>
}

// -----

func.func @iota_negative_dim() -> tensor<4xf32> {
  // expected-error@+1 {{dim -1 is out of range for rank 1}}
  %0 = tcc.iota dim = -1 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @iota_scalar() -> tensor<i32> {
  // expected-error@+1 {{dim 0 is out of range for rank 0}}
  %0 = tcc.iota dim = 0 : tensor<i32>
  return %0 : tensor<i32>
}

// -----

func.func @iota_bool() -> tensor<4xi1> {
  // expected-error@+1 {{result #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type or 64-bit signless integer or 32-bit signless integer values of at most 2^40 elements, but got 'tensor<4xi1>'}}
  %0 = tcc.iota dim = 0 : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @dropout_rate_one(%x: tensor<4xf32>, %seed: tensor<i64>) -> tensor<4xf32> {
  // expected-error@+1 {{rate must be in [0, 1), got 1.0}}
  %0 = tcc.dropout %x, %seed {rate = 1.0 : f64, stream = 0 : i64} : tensor<4xf32>, tensor<i64>
  return %0 : tensor<4xf32>
}

// -----

func.func @dropout_rate_negative(%x: tensor<4xf32>, %seed: tensor<i64>) -> tensor<4xf32> {
  // expected-error@+1 {{rate must be in [0, 1), got -5.000000e-01}}
  %0 = tcc.dropout %x, %seed {rate = -0.5 : f64, stream = 0 : i64} : tensor<4xf32>, tensor<i64>
  return %0 : tensor<4xf32>
}

// -----

func.func @dropout_rate_nan(%x: tensor<4xf32>, %seed: tensor<i64>) -> tensor<4xf32> {
  // expected-error@+1 {{rate must be in [0, 1), got nan}}
  %0 = tcc.dropout %x, %seed {rate = 0x7FF8000000000000 : f64, stream = 0 : i64} : tensor<4xf32>, tensor<i64>
  return %0 : tensor<4xf32>
}

// -----

func.func @dropout_seed(%x: tensor<4xf32>, %seed: tensor<1xi64>) -> tensor<4xf32> {
  // expected-error@+1 {{operand #1 must be 0D tensor of 64-bit signless integer values, but got 'tensor<1xi64>'}}
  %0 = tcc.dropout %x, %seed {rate = 0.5 : f64, stream = 0 : i64} : tensor<4xf32>, tensor<1xi64>
  return %0 : tensor<4xf32>
}

// -----

func.func @exp_int(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values of at most 2^40 elements, but got 'tensor<4xi32>'}}
  %0 = tcc.exp %x : tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @neg_bool(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type or 64-bit signless integer or 32-bit signless integer values of at most 2^40 elements, but got 'tensor<4xi1>'}}
  %0 = tcc.neg %x : tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @gelu_approximation(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{expected string or keyword containing one of the following enum values for attribute 'approximate' [none, tanh]}}
  %0 = tcc.gelu %x approximate = erf : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Elementwise ops do not broadcast: tcc.broadcast makes data movement explicit.
func.func @add_shapes(%x: tensor<4xf32>, %y: tensor<1xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{all non-scalar operands/results must have the same shape and base type}}
  %0 = "tcc.add"(%x, %y) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @mul_element_types(%x: tensor<4xf32>, %y: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error@+1 {{requires the same type for all operands and results}}
  %0 = "tcc.mul"(%x, %y) : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @compare_types(%x: tensor<4xf32>, %y: tensor<4xi32>) -> tensor<4xi1> {
  // expected-error@+1 {{requires all operands to have the same type}}
  %0 = "tcc.compare"(%x, %y) {direction = 2 : i32} : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

func.func @compare_direction(%x: tensor<4xf32>) -> tensor<4xi1> {
  // expected-error@+1 {{expected string or keyword containing one of the following enum values for attribute 'direction' [eq, ne, lt, le, gt, ge]}}
  %0 = tcc.compare neq, %x, %x : tensor<4xf32>
  return %0 : tensor<4xi1>
}

// -----

func.func @compare_result(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{result #0 must be statically shaped tensor of 1-bit signless integer values of at most 2^40 elements, but got 'tensor<4xf32>'}}
  %0 = "tcc.compare"(%x, %x) {direction = 0 : i32} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @select_condition(%c: tensor<4xf32>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 1-bit signless integer values of at most 2^40 elements, but got 'tensor<4xf32>'}}
  %0 = tcc.select %c, %x, %x : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @select_shapes(%c: tensor<2xi1>, %x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{failed to verify that all of {condition, result} have same shape}}
  %0 = tcc.select %c, %x, %x : tensor<2xi1>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @select_branches(%c: tensor<4xi1>, %x: tensor<4xf32>, %y: tensor<4xf16>) -> tensor<4xf32> {
  // expected-error@+1 {{failed to verify that all of {on_true, on_false, result} have same type}}
  %0 = "tcc.select"(%c, %x, %y) : (tensor<4xi1>, tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cast_shape(%x: tensor<4xf32>) -> tensor<2x2xf16> {
  // expected-error@+1 {{all non-scalar operands/results must have the same shape and base type}}
  %0 = tcc.cast %x : tensor<4xf32> -> tensor<2x2xf16>
  return %0 : tensor<2x2xf16>
}
