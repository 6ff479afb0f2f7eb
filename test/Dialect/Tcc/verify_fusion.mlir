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
