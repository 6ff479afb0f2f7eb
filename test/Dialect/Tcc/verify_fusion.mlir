// RUN: tcc-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

func.func @fusion_argument_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'tcc.fusion' op body arguments must have the types of the inputs}}
  %r = tcc.fusion elementwise(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf16>):
    %n = tcc.neg %a : tensor<4xf16>
    tcc.yield %n : tensor<4xf16>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @fusion_yield_types(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'tcc.fusion' op yields values whose types differ from its results}}
  %r = tcc.fusion elementwise(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    tcc.yield %a, %a : tensor<4xf32>, tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @fusion_terminator(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{'tcc.fusion' op body must end with tcc.yield}}
  %r = tcc.fusion elementwise(%x) : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    "test.terminator"() : () -> ()
  }
  return %r : tensor<4xf32>
}

// -----

func.func @fusion_isolated(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-note@+1 {{required by region isolation constraints}}
  %r = tcc.fusion elementwise() : () -> tensor<4xf32> {
    // expected-error@+1 {{using value defined outside the region}}
    %n = tcc.neg %x : tensor<4xf32>
    tcc.yield %n : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

func.func @contraction_operand_computed(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error@+1 {{'tcc.fusion' op contraction operands must be inputs of the fusion (read from memory)}}
  %r = tcc.fusion contraction(%x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
  ^bb0(%a: tensor<4x4xf32>):
    %e = tcc.exp %a : tensor<4x4xf32>
    %m = tcc.matmul %e, %a : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
    tcc.yield %m : tensor<4x4xf32>
  }
  return %r : tensor<4x4xf32>
}

// -----

func.func @contraction_without_matmul(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error@+1 {{'tcc.fusion' op of kind contraction needs exactly one matmul or conv2d and no reduction, has 0 and 0}}
  %r = tcc.fusion contraction(%x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
  ^bb0(%a: tensor<4x4xf32>):
    %e = tcc.exp %a : tensor<4x4xf32>
    tcc.yield %e : tensor<4x4xf32>
  }
  return %r : tensor<4x4xf32>
}

// -----

func.func @two_reductions(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error@+1 {{'tcc.fusion' op of kind reduction needs exactly one reduction and no contraction, has 2 and 0}}
  %r = tcc.fusion reduction(%x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
  ^bb0(%a: tensor<4x4xf32>):
    %s = tcc.softmax %a dim = 1 : tensor<4x4xf32>
    %t = tcc.softmax %s dim = 0 : tensor<4x4xf32>
    tcc.yield %t : tensor<4x4xf32>
  }
  return %r : tensor<4x4xf32>
}

// -----

func.func @elementwise_with_reduction(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error@+1 {{'tcc.fusion' op of kind elementwise holds no reduction or contraction, has 1 and 0}}
  %r = tcc.fusion elementwise(%x) : (tensor<4x4xf32>) -> tensor<4x4xf32> {
  ^bb0(%a: tensor<4x4xf32>):
    %s = tcc.softmax %a dim = 1 : tensor<4x4xf32>
    tcc.yield %s : tensor<4x4xf32>
  }
  return %r : tensor<4x4xf32>
}
