// RUN: tcc-opt %s -split-input-file -verify-diagnostics

// Errors of the contractions, normalizations, convolutions, pools and losses
// (TccNNOps.td). Each inferred-type failure reports the shape library's
// message, then MLIR's "failed to infer returned types".

func.func @matmul_rank(%x: tensor<16xf32>, %w: tensor<16x4xf32>) -> tensor<4xf32> {
  // expected-error@+2 {{operands must have rank >= 2, got [16] and [16, 4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.matmul %x, %w : (tensor<16xf32>, tensor<16x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @matmul_contraction(%x: tensor<8x16xf32>, %w: tensor<8x4xf32>) -> tensor<8x4xf32> {
  // expected-error@+2 {{contraction dimensions differ: lhs [8, 16] has 16, rhs [8, 4] has 8}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.matmul %x, %w : (tensor<8x16xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

// transpose_rhs contracts the last dimension of rhs.
func.func @matmul_transpose_rhs(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>) -> tensor<8x16xf32> {
  // expected-error@+2 {{contraction dimensions differ: lhs [8, 16] has 16, rhs [16, 4] has 4}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.matmul %x, %w {transpose_rhs} : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @matmul_batch(%x: tensor<3x8x16xf32>, %w: tensor<2x16x4xf32>) -> tensor<3x8x4xf32> {
  // expected-error@+2 {{shapes [3] and [2] are not broadcast-compatible}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.matmul %x, %w : (tensor<3x8x16xf32>, tensor<2x16x4xf32>) -> tensor<3x8x4xf32>
  return %0 : tensor<3x8x4xf32>
}

// -----

func.func @matmul_element_types(%x: tensor<8x16xf32>, %w: tensor<16x4xbf16>) -> tensor<8x4xf32> {
  // expected-error@+2 {{lhs element type f32 differs from rhs element type bf16}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.matmul %x, %w : (tensor<8x16xf32>, tensor<16x4xbf16>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @matmul_int(%x: tensor<8x16xi32>, %w: tensor<16x4xi32>) -> tensor<8x4xi32> {
  // expected-error@+1 {{operand #0 must be statically shaped tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values of at most 2^40 elements, but got 'tensor<8x16xi32>'}}
  %0 = tcc.matmul %x, %w : (tensor<8x16xi32>, tensor<16x4xi32>) -> tensor<8x4xi32>
  return %0 : tensor<8x4xi32>
}

// -----

func.func @matmul_result(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>) -> tensor<8x5xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<8x4xf32>' are incompatible with return type(s) of operation 'tensor<8x5xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.matmul %x, %w : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x5xf32>
  return %0 : tensor<8x5xf32>
}

// -----

func.func @softmax_dim(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  // expected-error@+1 {{dim 2 is out of range for rank 2}}
  %0 = tcc.softmax %x dim = 2 : tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

func.func @log_softmax_dim(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  // expected-error@+1 {{dim -1 is out of range for rank 2}}
  %0 = tcc.log_softmax %x dim = -1 : tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

func.func @layer_norm_suffix(%x: tensor<4x8x16xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<4x8x16xf32> {
  // expected-error@+2 {{weight shape [8] must be a non-empty suffix of the input shape [4, 8, 16]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.layer_norm %x, %g, %b : (tensor<4x8x16xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<4x8x16xf32>
  return %0 : tensor<4x8x16xf32>
}

// -----

func.func @layer_norm_scalar_weight(%x: tensor<4x16xf32>, %g: tensor<f32>, %b: tensor<f32>) -> tensor<4x16xf32> {
  // expected-error@+2 {{weight shape [] must be a non-empty suffix of the input shape [4, 16]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.layer_norm %x, %g, %b : (tensor<4x16xf32>, tensor<f32>, tensor<f32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @layer_norm_bias(%x: tensor<4x16xf32>, %g: tensor<16xf32>, %b: tensor<4x16xf32>) -> tensor<4x16xf32> {
  // expected-error@+2 {{bias shape [4, 16] must be [16]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.layer_norm %x, %g, %b : (tensor<4x16xf32>, tensor<16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @layer_norm_element_type(%x: tensor<4x16xf32>, %g: tensor<16xf16>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  // expected-error@+2 {{input element type f32 differs from weight element type f16}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.layer_norm %x, %g, %b : (tensor<4x16xf32>, tensor<16xf16>, tensor<16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @batch_norm_rank(%x: tensor<8xf32>, %c: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error@+2 {{input must have rank >= 2 ([N, C, ...]), got [8]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y, %m, %v = tcc.batch_norm %x, %c, %c, %c, %c
      : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
      -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  return %y : tensor<8xf32>
}

// -----

func.func @batch_norm_weight(%x: tensor<8x4x6x6xf32>, %g: tensor<8xf32>, %c: tensor<4xf32>) -> tensor<8x4x6x6xf32> {
  // expected-error@+2 {{weight shape [8] must be [4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y, %m, %v = tcc.batch_norm %x, %g, %c, %c, %c {training}
      : (tensor<8x4x6x6xf32>, tensor<8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>)
  return %y : tensor<8x4x6x6xf32>
}

// -----

func.func @batch_norm_bias(%x: tensor<8x4x6x6xf32>, %b: tensor<1x4xf32>, %c: tensor<4xf32>) -> tensor<8x4x6x6xf32> {
  // expected-error@+2 {{bias shape [1, 4] must be [4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y, %m, %v = tcc.batch_norm %x, %c, %b, %c, %c
      : (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>)
  return %y : tensor<8x4x6x6xf32>
}

// -----

func.func @batch_norm_running_mean(%x: tensor<8x4x6x6xf32>, %rm: tensor<6xf32>, %c: tensor<4xf32>) -> tensor<8x4x6x6xf32> {
  // expected-error@+2 {{running_mean shape [6] must be [4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y, %m, %v = tcc.batch_norm %x, %c, %c, %rm, %c
      : (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<6xf32>, tensor<4xf32>)
      -> (tensor<8x4x6x6xf32>, tensor<6xf32>, tensor<4xf32>)
  return %y : tensor<8x4x6x6xf32>
}

// -----

func.func @batch_norm_running_var(%x: tensor<8x4x6x6xf32>, %rv: tensor<8xf32>, %c: tensor<4xf32>) -> tensor<8x4x6x6xf32> {
  // expected-error@+2 {{running_var shape [8] must be [4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %y, %m, %v = tcc.batch_norm %x, %c, %c, %c, %rv
      : (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>)
      -> (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<8xf32>)
  return %y : tensor<8x4x6x6xf32>
}

// -----

func.func @batch_norm_element_type(%x: tensor<8x4xf32>, %c: tensor<4xf32>, %h: tensor<4xf16>) -> tensor<8x4xf32> {
  // expected-error@+2 {{input element type f32 differs from running_var element type f16}}
  // expected-error@+1 {{failed to infer returned types}}
  %y, %m, %v = tcc.batch_norm %x, %c, %c, %c, %h
      : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf16>)
      -> (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf16>)
  return %y : tensor<8x4xf32>
}

// -----

func.func @conv2d_rank(%x: tensor<3x8x8xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<16x6x6xf32> {
  // expected-error@+2 {{input and weight must have rank 4 (NCHW, OIHW), got [3, 8, 8] and [16, 3, 3, 3]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w : (tensor<3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<16x6x6xf32>
  return %0 : tensor<16x6x6xf32>
}

// -----

func.func @conv2d_stride_count(%x: tensor<2x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32> {
  // expected-error@+2 {{stride must have 2 values, got [1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {stride = array<i64: 1>} : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32>
  return %0 : tensor<2x16x6x6xf32>
}

// -----

func.func @conv2d_stride_zero(%x: tensor<2x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32> {
  // expected-error@+2 {{stride values must be >= 1, got [1, 0]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {stride = array<i64: 1, 0>} : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32>
  return %0 : tensor<2x16x6x6xf32>
}

// -----

func.func @conv2d_padding_count(%x: tensor<2x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<2x16x8x8xf32> {
  // expected-error@+2 {{padding must have 4 values, got [1, 1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {padding = array<i64: 1, 1>} : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x8x8xf32>
  return %0 : tensor<2x16x8x8xf32>
}

// -----

func.func @conv2d_padding_negative(%x: tensor<2x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32> {
  // expected-error@+2 {{padding values must be >= 0, got [0, 0, -1, 0]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {padding = array<i64: 0, 0, -1, 0>} : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32>
  return %0 : tensor<2x16x6x6xf32>
}

// -----

func.func @conv2d_dilation(%x: tensor<2x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32> {
  // expected-error@+2 {{dilation values must be >= 1, got [0, 1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {dilation = array<i64: 0, 1>} : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32>
  return %0 : tensor<2x16x6x6xf32>
}

// -----

func.func @conv2d_groups_divide(%x: tensor<2x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<2x6x6x6xf32> {
  // expected-error@+2 {{groups 4 must be >= 1 and divide the 4 input and 6 output channels}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {groups = 4 : i64} : (tensor<2x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<2x6x6x6xf32>
  return %0 : tensor<2x6x6x6xf32>
}

// -----

func.func @conv2d_groups_zero(%x: tensor<2x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<2x8x6x6xf32> {
  // expected-error@+2 {{groups 0 must be >= 1 and divide the 4 input and 8 output channels}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {groups = 0 : i64} : (tensor<2x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<2x8x6x6xf32>
  return %0 : tensor<2x8x6x6xf32>
}

// -----

func.func @conv2d_channels(%x: tensor<2x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<2x8x6x6xf32> {
  // expected-error@+2 {{weight [8, 4, 3, 3] has 4 input channels per group; 2 groups do not match the 4 channels of input [2, 4, 8, 8]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {groups = 2 : i64} : (tensor<2x4x8x8xf32>, tensor<8x4x3x3xf32>) -> tensor<2x8x6x6xf32>
  return %0 : tensor<2x8x6x6xf32>
}

// -----

func.func @conv2d_bias(%x: tensor<2x3x8x8xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<2x16x6x6xf32> {
  // expected-error@+2 {{bias shape [3] must be [16]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w, %b : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<3xf32>) -> tensor<2x16x6x6xf32>
  return %0 : tensor<2x16x6x6xf32>
}

// -----

func.func @conv2d_bias_element_type(%x: tensor<2x3x8x8xf32>, %w: tensor<16x3x3x3xf32>, %b: tensor<16xf64>) -> tensor<2x16x6x6xf32> {
  // expected-error@+2 {{input element type f32 differs from bias element type f64}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w, %b : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf64>) -> tensor<2x16x6x6xf32>
  return %0 : tensor<2x16x6x6xf32>
}

// -----

func.func @conv2d_weight_element_type(%x: tensor<2x3x8x8xf32>, %w: tensor<16x3x3x3xbf16>) -> tensor<2x16x6x6xf32> {
  // expected-error@+2 {{input element type f32 differs from weight element type bf16}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xbf16>) -> tensor<2x16x6x6xf32>
  return %0 : tensor<2x16x6x6xf32>
}

// -----

func.func @conv2d_kernel(%x: tensor<2x3x4x4xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<2x16x1x1xf32> {
  // expected-error@+2 {{kernel [3, 3] with dilation [2, 2] is larger than the padded input [4, 4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {dilation = array<i64: 2, 2>} : (tensor<2x3x4x4xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x1x1xf32>
  return %0 : tensor<2x16x1x1xf32>
}

// -----

func.func @conv2d_result(%x: tensor<2x3x8x8xf32>, %w: tensor<16x3x3x3xf32>) -> tensor<2x16x8x8xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<2x16x6x6xf32>' are incompatible with return type(s) of operation 'tensor<2x16x8x8xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x8x8xf32>
  return %0 : tensor<2x16x8x8xf32>
}

// -----

func.func @max_pool2d_rank(%x: tensor<8x16x16xf32>) -> tensor<8x8x8xf32> {
  // expected-error@+2 {{input must have rank 4 (NCHW), got [8, 16, 16]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.max_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<8x16x16xf32> -> tensor<8x8x8xf32>
  return %0 : tensor<8x8x8xf32>
}

// -----

func.func @max_pool2d_kernel_count(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x8x8xf32> {
  // expected-error@+2 {{kernel_size must have 2 values, got [2]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.max_pool2d %x {kernel_size = array<i64: 2>, stride = array<i64: 2, 2>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

func.func @max_pool2d_kernel_zero(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x8x8xf32> {
  // expected-error@+2 {{kernel_size values must be >= 1, got [0, 2]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.max_pool2d %x {kernel_size = array<i64: 0, 2>, stride = array<i64: 2, 2>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

func.func @max_pool2d_dilation(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x8x8xf32> {
  // expected-error@+2 {{dilation must have 2 values, got [1, 1, 1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.max_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, dilation = array<i64: 1, 1, 1>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

func.func @max_pool2d_missing_stride(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x8x8xf32> {
  // expected-error@+1 {{requires attribute 'stride'}}
  %0 = tcc.max_pool2d %x {kernel_size = array<i64: 2, 2>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

func.func @max_pool2d_padding(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x9x9xf32> {
  // expected-error@+2 {{padding [2, 2, 2, 2] must be at most half of kernel_size [3, 3]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.max_pool2d %x {kernel_size = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>} : tensor<1x8x16x16xf32> -> tensor<1x8x9x9xf32>
  return %0 : tensor<1x8x9x9xf32>
}

// -----

func.func @avg_pool2d_stride(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x8x8xf32> {
  // expected-error@+2 {{stride values must be >= 1, got [0, 0]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.avg_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 0, 0>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

func.func @avg_pool2d_padding_count(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x8x8xf32> {
  // expected-error@+2 {{padding must have 4 values, got [1, 1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.avg_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

func.func @avg_pool2d_kernel(%x: tensor<1x8x2x2xf32>) -> tensor<1x8x1x1xf32> {
  // expected-error@+2 {{kernel_size [3, 3] is larger than the padded input [2, 2]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.avg_pool2d %x {kernel_size = array<i64: 3, 3>, stride = array<i64: 1, 1>} : tensor<1x8x2x2xf32> -> tensor<1x8x1x1xf32>
  return %0 : tensor<1x8x1x1xf32>
}

// -----

// Without ceil_mode the partial last window is dropped: 5 -> 2, not 3.
func.func @avg_pool2d_floor(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<1x1x2x2xf32>' are incompatible with return type(s) of operation 'tensor<1x1x3x3xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.avg_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// With ceil_mode, a window that would start in the trailing padding is
// dropped (PyTorch's rule): 3 with kernel 2, stride 2 and padding 1 gives 2,
// not 3.
func.func @max_pool2d_ceil_window(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<1x1x2x2xf32>' are incompatible with return type(s) of operation 'tensor<1x1x3x3xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.max_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, ceil_mode} : tensor<1x1x3x3xf32> -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}

// -----

func.func @cross_entropy_logits(%l: tensor<8xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  // expected-error@+2 {{logits must have rank 2 ([N, C]), got [8]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.cross_entropy %l, %y : (tensor<8xf32>, tensor<8xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @cross_entropy_labels(%l: tensor<8x10xf32>, %y: tensor<4xi64>) -> tensor<f32> {
  // expected-error@+2 {{labels shape [4] must be [8], one label per row of logits}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.cross_entropy %l, %y : (tensor<8x10xf32>, tensor<4xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @cross_entropy_labels_rank(%l: tensor<8x10xf32>, %y: tensor<8x1xi32>) -> tensor<f32> {
  // expected-error@+2 {{labels shape [8, 1] must be [8], one label per row of logits}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.cross_entropy %l, %y : (tensor<8x10xf32>, tensor<8x1xi32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @cross_entropy_smoothing(%l: tensor<8x10xf32>, %y: tensor<8xi64>) -> tensor<f32> {
  // expected-error@+2 {{label_smoothing must be in [0, 1], got 1.500000}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.cross_entropy %l, %y {label_smoothing = 1.5 : f64} : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @cross_entropy_result(%l: tensor<8x10xf32>, %y: tensor<8xi64>) -> tensor<f16> {
  // expected-error@+2 {{inferred type(s) 'tensor<f32>' are incompatible with return type(s) of operation 'tensor<f16>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.cross_entropy %l, %y : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<f16>
  return %0 : tensor<f16>
}

// -----

func.func @mse_loss_shape(%x: tensor<8x4xf32>, %t: tensor<8xf32>) -> tensor<f32> {
  // expected-error@+2 {{target shape [8] must be [8, 4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.mse_loss %x, %t : (tensor<8x4xf32>, tensor<8xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @mse_loss_element_type(%x: tensor<8x4xf32>, %t: tensor<8x4xf64>) -> tensor<f32> {
  // expected-error@+2 {{input element type f32 differs from target element type f64}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.mse_loss %x, %t : (tensor<8x4xf32>, tensor<8x4xf64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @mse_loss_result(%x: tensor<8x4xf32>, %t: tensor<8x4xf32>) -> tensor<1xf32> {
  // expected-error@+1 {{result #0 must be 0D tensor of 64-bit float or 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<1xf32>'}}
  %0 = tcc.mse_loss %x, %t : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}
