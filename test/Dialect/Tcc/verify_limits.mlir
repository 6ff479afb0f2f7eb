// RUN: tcc-opt %s -split-input-file -verify-diagnostics

// Every tensor tcc accepts has a static shape of at most 2^40 elements
// (Tcc_BoundedSize in TccBase.td), so that element counts and byte sizes
// never overflow downstream. The type constraints reject the rest before any
// verifier or shape rule sees them.

// Exactly 2^40 elements is allowed, and so is an empty tensor.
func.func @at_the_limit(%x: tensor<1048576x1048576xf32>, %e: tensor<0x1099511627776xf32>)
    -> (tensor<1048576x1048576xf32>, tensor<0x1099511627776xf32>) {
  %0 = tcc.exp %x : tensor<1048576x1048576xf32>
  %1 = tcc.neg %e : tensor<0x1099511627776xf32>
  return %0, %1 : tensor<1048576x1048576xf32>, tensor<0x1099511627776xf32>
}

// -----

func.func @operand_over_limit(%x: tensor<1099511627777xf32>) -> tensor<1099511627777xf32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values of at most 2^40 elements, but got 'tensor<1099511627777xf32>'}}
  %0 = tcc.exp %x : tensor<1099511627777xf32>
  return %0 : tensor<1099511627777xf32>
}

// -----

func.func @result_over_limit(%x: tensor<1048576xf32>) -> tensor<2x1048576x1048576xf32> {
  // expected-error@+1 {{result #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type or 64-bit signless integer or 32-bit signless integer or 1-bit signless integer values of at most 2^40 elements, but got 'tensor<2x1048576x1048576xf32>'}}
  %0 = tcc.broadcast %x : tensor<1048576xf32> -> tensor<2x1048576x1048576xf32>
  return %0 : tensor<2x1048576x1048576xf32>
}

// -----

// The product of the dimensions (2^96) does not fit in int64; the check
// must not overflow.
func.func @product_overflows(%x: tensor<4294967296x4294967296x4294967296xi32>) -> tensor<4294967296x4294967296x4294967296xi32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type or 64-bit signless integer or 32-bit signless integer values of at most 2^40 elements, but got 'tensor<4294967296x4294967296x4294967296xi32>'}}
  %0 = tcc.abs %x : tensor<4294967296x4294967296x4294967296xi32>
  return %0 : tensor<4294967296x4294967296x4294967296xi32>
}

// -----

// 2^63 wraps to a negative count in int64 arithmetic.
func.func @product_wraps(%x: tensor<4294967296x2147483648xf32>) -> tensor<4294967296x2147483648xf32> {
  // expected-error@+1 {{but got 'tensor<4294967296x2147483648xf32>'}}
  %0 = tcc.relu %x : tensor<4294967296x2147483648xf32>
  return %0 : tensor<4294967296x2147483648xf32>
}

// -----

func.func @splat_constant_over_limit() {
  // expected-error@+1 {{result #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type or 64-bit signless integer or 32-bit signless integer or 1-bit signless integer values of at most 2^40 elements, but got 'tensor<2097152x1048576xf32>'}}
  %0 = tcc.constant dense<0.0> : tensor<2097152x1048576xf32>
  return
}

// -----

func.func @iota_over_limit() {
  // expected-error@+1 {{but got 'tensor<1099511627777xi64>'}}
  %0 = tcc.iota dim = 0 : tensor<1099511627777xi64>
  return
}

// -----

func.func @matmul_result_over_limit(%a: tensor<1048576x1xf32>, %b: tensor<1x2097152xf32>) -> tensor<1048576x2097152xf32> {
  // expected-error@+1 {{result #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values of at most 2^40 elements, but got 'tensor<1048576x2097152xf32>'}}
  %0 = tcc.matmul %a, %b : (tensor<1048576x1xf32>, tensor<1x2097152xf32>) -> tensor<1048576x2097152xf32>
  return %0 : tensor<1048576x2097152xf32>
}

// -----

// The inferred shape may exceed the limit even though every declared type is
// within it; the declared result type cannot match it.
tcc.mesh @world(dp = 4)
func.func @all_gather_over_limit(%x: tensor<1099511627776xf32>) -> tensor<1099511627776xf32> {
  // expected-error@+1 {{result shape must be [4398046511104], got 'tensor<1099511627776xf32>'}}
  %0 = tcc.all_gather %x over @world ["dp"] dim = 0 : tensor<1099511627776xf32> -> tensor<1099511627776xf32>
  return %0 : tensor<1099511627776xf32>
}

// -----

func.func @dynamic_operand(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values of at most 2^40 elements, but got 'tensor<?x4xf32>'}}
  %0 = tcc.sqrt %x : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @dynamic_result(%x: tensor<4xf32>) -> tensor<?xf32> {
  // expected-error@+1 {{result #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type or 64-bit signless integer or 32-bit signless integer or 1-bit signless integer values of at most 2^40 elements, but got 'tensor<?xf32>'}}
  %0 = tcc.reshape %x : tensor<4xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @dynamic_loss(%x: tensor<?x4xf32>, %t: tensor<?x4xf32>) -> tensor<f32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values of at most 2^40 elements, but got 'tensor<?x4xf32>'}}
  %0 = tcc.mse_loss %x, %t : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @dynamic_recv() -> tensor<?xf32> {
  // expected-error@+1 {{result #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type or 64-bit signless integer or 32-bit signless integer or 1-bit signless integer values of at most 2^40 elements, but got 'tensor<?xf32>'}}
  %0 = tcc.recv over @world "pp" from 0 : tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @unranked(%x: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values of at most 2^40 elements, but got 'tensor<*xf32>'}}
  %0 = "tcc.tanh"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @unranked_custom(%x: tensor<*xf32>) {
  // expected-error@+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xf32>'}}
  %0 = tcc.tanh %x : tensor<*xf32>
  return
}

// -----

func.func @vector(%x: vector<4xf32>) -> vector<4xf32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values of at most 2^40 elements, but got 'vector<4xf32>'}}
  %0 = "tcc.exp"(%x) : (vector<4xf32>) -> vector<4xf32>
  return %0 : vector<4xf32>
}

// -----

func.func @scalar(%x: f32) -> f32 {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values of at most 2^40 elements, but got 'f32'}}
  %0 = "tcc.exp"(%x) : (f32) -> f32
  return %0 : f32
}

// -----

func.func @element_type(%x: tensor<4xf8E4M3FN>) -> tensor<4xf8E4M3FN> {
  // expected-error@+1 {{but got 'tensor<4xf8E4M3FN>'}}
  %0 = "tcc.neg"(%x) : (tensor<4xf8E4M3FN>) -> tensor<4xf8E4M3FN>
  return %0 : tensor<4xf8E4M3FN>
}

// -----

func.func @unsigned(%x: tensor<4xui32>) -> tensor<4xui32> {
  // expected-error@+1 {{but got 'tensor<4xui32>'}}
  %0 = "tcc.neg"(%x) : (tensor<4xui32>) -> tensor<4xui32>
  return %0 : tensor<4xui32>
}
