// RUN: tcc-opt %s -canonicalize -split-input-file | FileCheck %s

// Folds of the layout ops (TccFolders.cpp): identities, chains that
// compose, and shape ops applied to splat constants.

// CHECK-LABEL: func.func @transpose_cancels
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK-NOT: tcc.transpose
// CHECK: return %[[X]] : tensor<2x3x4xf32>
func.func @transpose_cancels(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = tcc.transpose %x, permutation = [1, 2, 0] : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %1 = tcc.transpose %0, permutation = [2, 0, 1] : tensor<3x4x2xf32> -> tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}

// -----

// [0, 2, 1] after [1, 0, 2] is [1, 2, 0] of the original operand.
// CHECK-LABEL: func.func @transpose_composes
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK: %[[T:.+]] = tcc.transpose %[[X]], permutation = [1, 2, 0] : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
// CHECK-NOT: tcc.transpose
// CHECK: return %[[T]] : tensor<3x4x2xf32>
func.func @transpose_composes(%x: tensor<2x3x4xf32>) -> tensor<3x4x2xf32> {
  %0 = tcc.transpose %x, permutation = [1, 0, 2] : tensor<2x3x4xf32> -> tensor<3x2x4xf32>
  %1 = tcc.transpose %0, permutation = [0, 2, 1] : tensor<3x2x4xf32> -> tensor<3x4x2xf32>
  return %1 : tensor<3x4x2xf32>
}

// -----

// The inner transpose keeps its other use; the outer one reads the operand.
// CHECK-LABEL: func.func @transpose_composes_shared
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK: %[[T:.+]] = tcc.transpose %[[X]], permutation = [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
// CHECK-NOT: tcc.transpose
// CHECK: return %[[T]], %[[X]] : tensor<3x2xf32>, tensor<2x3xf32>
func.func @transpose_composes_shared(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<2x3xf32>) {
  %0 = tcc.transpose %x, permutation = [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  %1 = tcc.transpose %0, permutation = [1, 0] : tensor<3x2xf32> -> tensor<2x3xf32>
  return %0, %1 : tensor<3x2xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_identity
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NOT: tcc.transpose
// CHECK: return %[[X]] : tensor<2x3xf32>
func.func @transpose_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = tcc.transpose %x, permutation = [0, 1] : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A permutation that swaps two dimensions of equal size keeps the type but
// is not the identity.
// CHECK-LABEL: func.func @transpose_same_type
// CHECK-SAME: (%[[X:.+]]: tensor<3x3xf32>)
// CHECK: %[[T:.+]] = tcc.transpose %[[X]], permutation = [1, 0] : tensor<3x3xf32> -> tensor<3x3xf32>
// CHECK: return %[[T]]
func.func @transpose_same_type(%x: tensor<3x3xf32>) -> tensor<3x3xf32> {
  %0 = tcc.transpose %x, permutation = [1, 0] : tensor<3x3xf32> -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK: %[[R:.+]] = tcc.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<4x6xf32>
// CHECK-NOT: tcc.reshape
// CHECK: return %[[R]] : tensor<4x6xf32>
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %0 = tcc.reshape %x : tensor<2x3x4xf32> -> tensor<24xf32>
  %1 = tcc.reshape %0 : tensor<24xf32> -> tensor<4x6xf32>
  return %1 : tensor<4x6xf32>
}

// -----

// A chain back to the operand's type disappears.
// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xi32>)
// CHECK-NOT: tcc.reshape
// CHECK: return %[[X]] : tensor<2x3xi32>
func.func @reshape_round_trip(%x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  %0 = tcc.reshape %x : tensor<2x3xi32> -> tensor<3x2xi32>
  %1 = tcc.reshape %0 : tensor<3x2xi32> -> tensor<6xi32>
  %2 = tcc.reshape %1 : tensor<6xi32> -> tensor<2x3xi32>
  return %2 : tensor<2x3xi32>
}

// -----

// CHECK-LABEL: func.func @reshape_same_type
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
// CHECK-NOT: tcc.reshape
// CHECK: return %[[X]] : tensor<2x3xf32>
func.func @reshape_same_type(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = tcc.reshape %x : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_splat
// CHECK: %[[C:.+]] = tcc.constant dense<1.500000e+00> : tensor<8x16xf32>
// CHECK-NOT: tcc.broadcast
// CHECK: return %[[C]] : tensor<8x16xf32>
func.func @broadcast_splat() -> tensor<8x16xf32> {
  %c = tcc.constant dense<1.5> : tensor<16xf32>
  %0 = tcc.broadcast %c : tensor<16xf32> -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_splat
// CHECK: %[[C:.+]] = tcc.constant dense<7> : tensor<3x2xi64>
// CHECK-NOT: tcc.reshape
// CHECK: return %[[C]] : tensor<3x2xi64>
func.func @reshape_splat() -> tensor<3x2xi64> {
  %c = tcc.constant dense<7> : tensor<6xi64>
  %0 = tcc.reshape %c : tensor<6xi64> -> tensor<3x2xi64>
  return %0 : tensor<3x2xi64>
}

// -----

// CHECK-LABEL: func.func @transpose_splat
// CHECK: %[[C:.+]] = tcc.constant dense<true> : tensor<3x2xi1>
// CHECK-NOT: tcc.transpose
// CHECK: return %[[C]] : tensor<3x2xi1>
func.func @transpose_splat() -> tensor<3x2xi1> {
  %c = tcc.constant dense<true> : tensor<2x3xi1>
  %0 = tcc.transpose %c, permutation = [1, 0] : tensor<2x3xi1> -> tensor<3x2xi1>
  return %0 : tensor<3x2xi1>
}

// -----

// The constants fold through a chain of layout ops.
// CHECK-LABEL: func.func @splat_chain
// CHECK: %[[C:.+]] = tcc.constant dense<-2.000000e+00> : tensor<4x2x3xbf16>
// CHECK-NOT: tcc.broadcast
// CHECK-NOT: tcc.reshape
// CHECK-NOT: tcc.transpose
// CHECK: return %[[C]] : tensor<4x2x3xbf16>
func.func @splat_chain() -> tensor<4x2x3xbf16> {
  %c = tcc.constant dense<-2.0> : tensor<1xbf16>
  %0 = tcc.broadcast %c : tensor<1xbf16> -> tensor<6x4xbf16>
  %1 = tcc.reshape %0 : tensor<6x4xbf16> -> tensor<2x3x4xbf16>
  %2 = tcc.transpose %1, permutation = [2, 0, 1] : tensor<2x3x4xbf16> -> tensor<4x2x3xbf16>
  return %2 : tensor<4x2x3xbf16>
}

// -----

// CHECK-LABEL: func.func @broadcast_not_splat
// CHECK: %[[C:.+]] = tcc.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[B:.+]] = tcc.broadcast %[[C]] : tensor<2xf32> -> tensor<3x2xf32>
// CHECK: return %[[B]] : tensor<3x2xf32>
func.func @broadcast_not_splat() -> tensor<3x2xf32> {
  %c = tcc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = tcc.broadcast %c : tensor<2xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Transposing a non-splat constant would reorder its elements: not folded.
// CHECK-LABEL: func.func @transpose_not_splat
// CHECK: %[[C:.+]] = tcc.constant dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xi32>
// CHECK: %[[T:.+]] = tcc.transpose %[[C]], permutation = [1, 0]
// CHECK: return %[[T]]
func.func @transpose_not_splat() -> tensor<2x2xi32> {
  %c = tcc.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
  %0 = tcc.transpose %c, permutation = [1, 0] : tensor<2x2xi32> -> tensor<2x2xi32>
  return %0 : tensor<2x2xi32>
}

// -----

// CHECK-LABEL: func.func @broadcast_same_type
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf16>)
// CHECK-NOT: tcc.broadcast
// CHECK: return %[[X]] : tensor<4x8xf16>
func.func @broadcast_same_type(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %0 = tcc.broadcast %x : tensor<4x8xf16> -> tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

// CHECK-LABEL: func.func @broadcast_kept
// CHECK-SAME: (%[[X:.+]]: tensor<1x8xf16>)
// CHECK: %[[B:.+]] = tcc.broadcast %[[X]] : tensor<1x8xf16> -> tensor<4x8xf16>
// CHECK: return %[[B]]
func.func @broadcast_kept(%x: tensor<1x8xf16>) -> tensor<4x8xf16> {
  %0 = tcc.broadcast %x : tensor<1x8xf16> -> tensor<4x8xf16>
  return %0 : tensor<4x8xf16>
}

// -----

// CHECK-LABEL: func.func @cast_same_type
// CHECK-SAME: (%[[X:.+]]: tensor<4xf64>)
// CHECK-NOT: tcc.cast
// CHECK: return %[[X]] : tensor<4xf64>
func.func @cast_same_type(%x: tensor<4xf64>) -> tensor<4xf64> {
  %0 = tcc.cast %x : tensor<4xf64> -> tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

// A round trip through a narrower type rounds: the casts stay.
// CHECK-LABEL: func.func @cast_round_trip
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK: %[[H:.+]] = tcc.cast %[[X]] : tensor<4xf32> -> tensor<4xf16>
// CHECK: %[[F:.+]] = tcc.cast %[[H]] : tensor<4xf16> -> tensor<4xf32>
// CHECK: return %[[F]] : tensor<4xf32>
func.func @cast_round_trip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = tcc.cast %x : tensor<4xf32> -> tensor<4xf16>
  %1 = tcc.cast %0 : tensor<4xf16> -> tensor<4xf32>
  return %1 : tensor<4xf32>
}
