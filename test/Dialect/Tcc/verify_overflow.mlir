// RUN: tcc-opt %s -split-input-file -verify-diagnostics

// Attribute values at the edges of int64: the shape rules compute in 128
// bits and print signed values, so nothing wraps into a plausible shape.

// I64Attr getters return uint64_t, so a negative root prints as 2^64 - 1
// (TccDistributionOps.cpp, CollectiveBroadcastOp::verifySymbolUses).
tcc.mesh @world(dp = 2, tp = 2)
func.func @collective_broadcast_negative_root(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error@+1 {{root -1 is not a position in a group of 2 devices}}
  %0 = tcc.collective_broadcast %x over @world ["dp"] root = -1 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// dilation * (KH - 1) = 2^40 * 2^24 wraps to 0 in shape::conv2dShape, so a
// kernel of 16777217 rows passes over an input of 4.
func.func @conv2d_dilation_overflow(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x16777217x1xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+2 {{kernel [16777217, 1] with dilation [1099511627776, 1] is larger than the padded input [4, 4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {dilation = array<i64: 1099511627776, 1>} : (tensor<1x1x4x4xf32>, tensor<1x1x16777217x1xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// weight[1] * groups = 2^30 * 2^40 wraps to 0 = the input's channel count.
func.func @conv2d_groups_overflow(%x: tensor<1x0x4x4xf32>, %w: tensor<0x1073741824x1x1xf32>) -> tensor<1x0x4x4xf32> {
  // expected-error@+2 {{weight [0, 1073741824, 1, 1] has 1073741824 input channels per group; 1099511627776 groups do not match the 0 channels}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {groups = 1099511627776 : i64} : (tensor<1x0x4x4xf32>, tensor<0x1073741824x1x1xf32>) -> tensor<1x0x4x4xf32>
  return %0 : tensor<1x0x4x4xf32>
}

// -----

// Window parameters beyond 2^40 are rejected outright (4 * 2^62 used to
// wrap to 0 in shape::pooledSize).
func.func @max_pool2d_kernel_overflow(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+2 {{kernel_size values must be at most 2^40, got [4611686018427387905, 1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.max_pool2d %x {kernel_size = array<i64: 4611686018427387905, 1>, stride = array<i64: 1, 1>, dilation = array<i64: 4, 1>} : tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// A padding of 2^40 within the limit still fails the half-kernel check
// (2 * padding used to wrap negative and pass it).
func.func @max_pool2d_padding_overflow(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x4xf32> {
  // expected-error@+2 {{padding [1099511627776, 0, 1, 1] must be at most half of kernel_size [3, 3]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.max_pool2d %x {kernel_size = array<i64: 3, 3>, stride = array<i64: 1099511627776, 1>, padding = array<i64: 1099511627776, 0, 1, 1>} : tensor<1x1x4x4xf32> -> tensor<1x1x2x4xf32>
  return %0 : tensor<1x1x2x4xf32>
}

// -----

// Valid IR: one window, with the largest stride tcc accepts and ceil_mode
// (span + stride - 1 used to overflow in shape::pooledSize).
func.func @avg_pool2d_huge_stride_ceil(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x1x1xf32> {
  %0 = tcc.avg_pool2d %x {kernel_size = array<i64: 2, 2>, stride = array<i64: 1099511627776, 1099511627776>, ceil_mode} : tensor<1x1x4x4xf32> -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}

// -----

// Valid IR: x[0:4:huge] has one element. limit - start + stride - 1
// overflows in shape::sliceShape, which infers 0.
func.func @slice_huge_stride(%x: tensor<4xf32>) -> tensor<1xf32> {
  %0 = tcc.slice %x, start = [0], limit = [4], stride = [9223372036854775807] : tensor<4xf32> -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

// Paddings of 2^40 on both sides: the output would have 2^41 + 4 rows.
func.func @conv2d_padding_overflow(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+2 {{padding [1099511627776, 1099511627776, 0, 0] makes an output dimension of more than 2^40 elements}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {padding = array<i64: 1099511627776, 1099511627776, 0, 0>} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @conv2d_padding_beyond_limit(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error@+2 {{padding values must be at most 2^40, got [4611686018427387904, 0, 0, 0]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.conv2d %x, %w {padding = array<i64: 4611686018427387904, 0, 0, 0>} : (tensor<1x1x4x4xf32>, tensor<1x1x1x1xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}
