// RUN: tcc-opt %s -split-input-file -verify-diagnostics

// Errors of the data-movement ops and reductions (TccShapeOps.td). Ops that
// infer their result type report the shape library's message, then MLIR's
// "failed to infer returned types".

func.func @broadcast_element_type(%x: tensor<3xf32>) -> tensor<2x3xf16> {
  // expected-error@+1 {{result element type must match the operand's}}
  %0 = tcc.broadcast %x : tensor<3xf32> -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

func.func @broadcast_lower_rank(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  // expected-error@+1 {{cannot broadcast shape [2, 3] to lower rank [3]}}
  %0 = tcc.broadcast %x : tensor<2x3xf32> -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @broadcast_incompatible(%x: tensor<2x3xf32>) -> tensor<4x3xf32> {
  // expected-error@+1 {{cannot broadcast shape [2, 3] to [4, 3]: dimension 0 is 2, expected 1 or 4}}
  %0 = tcc.broadcast %x : tensor<2x3xf32> -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Broadcasting aligns trailing dimensions, so [3] cannot become [3, 2].
func.func @broadcast_leading(%x: tensor<3xf32>) -> tensor<3x2xf32> {
  // expected-error@+1 {{cannot broadcast shape [3] to [3, 2]: dimension 0 is 3, expected 1 or 2}}
  %0 = tcc.broadcast %x : tensor<3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @broadcast_in_dim_element_type(%x: tensor<8xi32>) -> tensor<8x16xi64> {
  // expected-error@+1 {{result element type must match the operand's}}
  %0 = tcc.broadcast_in_dim %x, dims = [0] : tensor<8xi32> -> tensor<8x16xi64>
  return %0 : tensor<8x16xi64>
}

// -----

func.func @broadcast_in_dim_count(%x: tensor<8xf32>) -> tensor<8x16xf32> {
  // expected-error@+1 {{dims [0, 1] must have one entry per operand dimension (1)}}
  %0 = tcc.broadcast_in_dim %x, dims = [0, 1] : tensor<8xf32> -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @broadcast_in_dim_range(%x: tensor<8xf32>) -> tensor<8x16xf32> {
  // expected-error@+1 {{dims [2] has entry 2 out of range for result rank 2}}
  %0 = tcc.broadcast_in_dim %x, dims = [2] : tensor<8xf32> -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @broadcast_in_dim_negative(%x: tensor<8xf32>) -> tensor<8x16xf32> {
  // expected-error@+1 {{dims [-1] has entry -1 out of range for result rank 2}}
  %0 = tcc.broadcast_in_dim %x, dims = [-1] : tensor<8xf32> -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @broadcast_in_dim_order(%x: tensor<16x8xf32>) -> tensor<8x16xf32> {
  // expected-error@+1 {{dims [1, 0] must be strictly increasing}}
  %0 = tcc.broadcast_in_dim %x, dims = [1, 0] : tensor<16x8xf32> -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @broadcast_in_dim_repeated(%x: tensor<1x1xf32>) -> tensor<8x16xf32> {
  // expected-error@+1 {{dims [0, 0] must be strictly increasing}}
  %0 = tcc.broadcast_in_dim %x, dims = [0, 0] : tensor<1x1xf32> -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @broadcast_in_dim_size(%x: tensor<4xf32>) -> tensor<8x16xf32> {
  // expected-error@+1 {{operand dimension 0 of size 4 cannot broadcast to result dimension 1 of size 16}}
  %0 = tcc.broadcast_in_dim %x, dims = [1] : tensor<4xf32> -> tensor<8x16xf32>
  return %0 : tensor<8x16xf32>
}

// -----

func.func @reshape_element_type(%x: tensor<2x3xf32>) -> tensor<6xbf16> {
  // expected-error@+1 {{result element type must match the operand's}}
  %0 = tcc.reshape %x : tensor<2x3xf32> -> tensor<6xbf16>
  return %0 : tensor<6xbf16>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error@+1 {{cannot reshape [2, 3] (6 elements) to [7] (7 elements)}}
  %0 = tcc.reshape %x : tensor<2x3xf32> -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @transpose_length(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+2 {{permutation [0] must have 2 entries, one per operand dimension}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.transpose %x, permutation = [0] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @transpose_repeated(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  // expected-error@+2 {{permutation [0, 0] is not a permutation of 0..1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.transpose %x, permutation = [0, 0] : tensor<2x3xf32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @transpose_range(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+2 {{permutation [2, 0] is not a permutation of 0..1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.transpose %x, permutation = [2, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @transpose_result(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+2 {{'tcc.transpose' op inferred type(s) 'tensor<3x2xf32>' are incompatible with return type(s) of operation 'tensor<2x3xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.transpose %x, permutation = [1, 0] : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @slice_counts(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+2 {{start, limit and stride must have 2 entries each, got [0], [4, 8], [1, 1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.slice %x, start = [0], limit = [4, 8], stride = [1, 1]
      : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @slice_stride(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+2 {{stride [1, 0] must be >= 1 in every dimension}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.slice %x, start = [0, 0], limit = [4, 8], stride = [1, 0]
      : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @slice_limit(%x: tensor<4x8xf32>) -> tensor<4x9xf32> {
  // expected-error@+2 {{dimension 1 needs 0 <= start <= limit <= 8, got start 0 and limit 9}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.slice %x, start = [0, 0], limit = [4, 9], stride = [1, 1]
      : tensor<4x8xf32> -> tensor<4x9xf32>
  return %0 : tensor<4x9xf32>
}

// -----

func.func @slice_start_after_limit(%x: tensor<4x8xf32>) -> tensor<0x8xf32> {
  // expected-error@+2 {{dimension 0 needs 0 <= start <= limit <= 4, got start 3 and limit 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.slice %x, start = [3, 0], limit = [2, 8], stride = [1, 1]
      : tensor<4x8xf32> -> tensor<0x8xf32>
  return %0 : tensor<0x8xf32>
}

// -----

func.func @slice_negative_start(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error@+2 {{dimension 0 needs 0 <= start <= limit <= 4, got start -1 and limit 3}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.slice %x, start = [-1, 0], limit = [3, 8], stride = [1, 1]
      : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @slice_result(%x: tensor<4x8xf32>) -> tensor<4x4xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x4xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.slice %x, start = [0, 2], limit = [4, 8], stride = [1, 2]
      : tensor<4x8xf32> -> tensor<4x4xf32>
  return %0 : tensor<4x4xf32>
}

// -----

func.func @concat_empty() -> tensor<2xf32> {
  // expected-error@+2 {{needs at least one input}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.concat dim = 0 : () -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @concat_element_type(%a: tensor<2xf32>, %b: tensor<2xf16>) -> tensor<4xf32> {
  // expected-error@+2 {{input 0 element type f32 differs from input element type f16}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.concat %a, %b dim = 0 : (tensor<2xf32>, tensor<2xf16>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @concat_dim(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // expected-error@+2 {{dim 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.concat %a, %b dim = 2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return %0 : tensor<2x6xf32>
}

// -----

func.func @concat_shapes(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) -> tensor<2x8xf32> {
  // expected-error@+2 {{input 1 has shape [3, 5], which differs from input 0 [2, 3] outside dimension 1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.concat %a, %b dim = 1 : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) -> tensor<4x3xf32> {
  // expected-error@+2 {{input 1 has shape [2, 3, 1], which differs from input 0 [2, 3] outside dimension 0}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.concat %a, %b dim = 0 : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @gather_axis(%t: tensor<50x16xf32>, %i: tensor<4xi64>) -> tensor<50x16xf32> {
  // expected-error@+2 {{axis 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.gather %t, %i axis = 2 : (tensor<50x16xf32>, tensor<4xi64>) -> tensor<50x16xf32>
  return %0 : tensor<50x16xf32>
}

// -----

func.func @gather_indices_type(%t: tensor<50x16xf32>, %i: tensor<4xf32>) -> tensor<4x16xf32> {
  // expected-error@+1 {{operand #1 must be statically shaped tensor of 64-bit signless integer or 32-bit signless integer values of at most 2^40 elements}}
  %0 = tcc.gather %t, %i axis = 0 : (tensor<50x16xf32>, tensor<4xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

func.func @scatter_add_rank(%u: tensor<4x2x3xf32>, %i: tensor<4xi64>) -> tensor<5x3xf32> {
  // expected-error@+2 {{takes updates of rank 2 and indices of rank 1, got [4, 2, 3] and [4]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.scatter_add %u, %i rows = 5 : (tensor<4x2x3xf32>, tensor<4xi64>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

func.func @scatter_add_count(%u: tensor<4x3xf32>, %i: tensor<6xi64>) -> tensor<5x3xf32> {
  // expected-error@+2 {{has 6 indices for 4 rows of updates}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.scatter_add %u, %i rows = 5 : (tensor<4x3xf32>, tensor<6xi64>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

func.func @scatter_add_rows(%u: tensor<4x3xf32>, %i: tensor<4xi64>) -> tensor<5x3xf32> {
  // expected-error@+2 {{needs a non-negative row count, got -1}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.scatter_add %u, %i rows = -1 : (tensor<4x3xf32>, tensor<4xi64>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

func.func @reduce_mean_int(%x: tensor<4x8xi32>) -> tensor<4xi32> {
  // expected-error@+2 {{mean needs a float operand}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.reduce mean %x dims = [1] : tensor<4x8xi32> -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @reduce_dim(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error@+2 {{reduced dimension 2 is out of range for rank 2}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.reduce sum %x dims = [2] : tensor<4x8xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @reduce_twice(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error@+2 {{reduced dimension 1 is listed twice in [1, 1]}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.reduce max %x dims = [1, 1] : tensor<4x8xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @reduce_keepdims_result(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  // expected-error@+2 {{inferred type(s) 'tensor<4x1xf32>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  // expected-error@+1 {{failed to infer returned types}}
  %0 = tcc.reduce sum %x dims = [1] keepdims : tensor<4x8xf32> -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
