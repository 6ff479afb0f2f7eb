// RUN: tcc-opt %s | tcc-opt | FileCheck %s
// RUN: tcc-opt %s --mlir-print-op-generic | tcc-opt | FileCheck %s

// Every op of the tcc dialect prints in a form that parses back to the same
// op, through the custom and through the generic syntax, and every element
// type (f64 f32 f16 bf16 i64 i32 i1) and contract attribute appears.

// CHECK: tcc.mesh @world (dp = 2, tp = 2, pp = 2)
tcc.mesh @world(dp = 2, tp = 2, pp = 2)
// CHECK: tcc.mesh @single ()
tcc.mesh @single()
// CHECK: tcc.mesh @named ("data parallel" = 4)
tcc.mesh @named("data parallel" = 4)

// CHECK-LABEL: func.func @constants
func.func @constants() -> (tensor<2xf32>, tensor<2x3xf64>, tensor<4xf16>,
                           tensor<2xbf16>, tensor<3xi64>, tensor<2x2xi32>,
                           tensor<2xi1>, tensor<f32>) {
  // CHECK: tcc.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %0 = tcc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: tcc.constant dense<5.000000e-01> : tensor<2x3xf64>
  %1 = tcc.constant dense<0.5> : tensor<2x3xf64>
  // CHECK: tcc.constant dense<{{.+}}> : tensor<4xf16>
  %2 = tcc.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf16>
  // CHECK: tcc.constant dense<{{.+}}> : tensor<2xbf16>
  %3 = tcc.constant dense<[-1.0, 3.5]> : tensor<2xbf16>
  // CHECK: tcc.constant dense<[0, 1, 2]> : tensor<3xi64>
  %4 = tcc.constant dense<[0, 1, 2]> : tensor<3xi64>
  // CHECK: tcc.constant dense<7> : tensor<2x2xi32>
  %5 = tcc.constant dense<7> : tensor<2x2xi32>
  // CHECK: tcc.constant dense<[true, false]> : tensor<2xi1>
  %6 = tcc.constant dense<[true, false]> : tensor<2xi1>
  // CHECK: tcc.constant dense<0.000000e+00> : tensor<f32>
  %7 = tcc.constant dense<0.0> : tensor<f32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<2xf32>, tensor<2x3xf64>,
      tensor<4xf16>, tensor<2xbf16>, tensor<3xi64>, tensor<2x2xi32>,
      tensor<2xi1>, tensor<f32>
}

// CHECK-LABEL: func.func @generators
// CHECK-SAME: (%[[X:.+]]: tensor<8x16xf32>, %[[SEED:.+]]: tensor<i64>)
func.func @generators(%x: tensor<8x16xf32>, %seed: tensor<i64>)
    -> (tensor<4x3xi64>, tensor<5xf32>, tensor<8x16xf32>) {
  // CHECK: tcc.iota dim = 0 : tensor<4x3xi64>
  %i = tcc.iota dim = 0 : tensor<4x3xi64>
  // CHECK: tcc.iota dim = 0 : tensor<5xf32>
  %r = tcc.iota dim = 0 : tensor<5xf32>
  // CHECK: tcc.dropout %[[X]], %[[SEED]] {rate = 1.000000e-01 : f64, stream = 3 : i64} : tensor<8x16xf32>, tensor<i64>
  %d = tcc.dropout %x, %seed {rate = 0.1 : f64, stream = 3 : i64}
      : tensor<8x16xf32>, tensor<i64>
  return %i, %r, %d : tensor<4x3xi64>, tensor<5xf32>, tensor<8x16xf32>
}

// CHECK-LABEL: func.func @unary_float
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32>, %[[H:.+]]: tensor<4xf16>, %[[B:.+]]: tensor<4xbf16>, %[[D:.+]]: tensor<2xf64>)
func.func @unary_float(%x: tensor<4x8xf32>, %h: tensor<4xf16>,
                       %b: tensor<4xbf16>, %d: tensor<2xf64>)
    -> (tensor<4x8xf32>, tensor<4xf16>, tensor<4xbf16>, tensor<2xf64>) {
  // CHECK: %[[EXP:.+]] = tcc.exp %[[X]] : tensor<4x8xf32>
  %0 = tcc.exp %x : tensor<4x8xf32>
  // CHECK: %[[LOG:.+]] = tcc.log %[[EXP]] : tensor<4x8xf32>
  %1 = tcc.log %0 : tensor<4x8xf32>
  // CHECK: %[[SQRT:.+]] = tcc.sqrt %[[LOG]] : tensor<4x8xf32>
  %2 = tcc.sqrt %1 : tensor<4x8xf32>
  // CHECK: %[[RSQRT:.+]] = tcc.rsqrt %[[SQRT]] : tensor<4x8xf32>
  %3 = tcc.rsqrt %2 : tensor<4x8xf32>
  // CHECK: %[[TANH:.+]] = tcc.tanh %[[RSQRT]] : tensor<4x8xf32>
  %4 = tcc.tanh %3 : tensor<4x8xf32>
  // CHECK: %[[ERF:.+]] = tcc.erf %[[TANH]] : tensor<4x8xf32>
  %5 = tcc.erf %4 : tensor<4x8xf32>
  // CHECK: %[[SIG:.+]] = tcc.sigmoid %[[ERF]] : tensor<4x8xf32>
  %6 = tcc.sigmoid %5 : tensor<4x8xf32>
  // CHECK: %[[SILU:.+]] = tcc.silu %[[SIG]] : tensor<4x8xf32>
  %7 = tcc.silu %6 : tensor<4x8xf32>
  // The default approximation is not printed.
  // CHECK: %[[GELU:.+]] = tcc.gelu %[[SILU]] : tensor<4x8xf32>
  %8 = tcc.gelu %7 : tensor<4x8xf32>
  // CHECK: %[[GELU2:.+]] = tcc.gelu %[[GELU]] : tensor<4x8xf32>
  %9 = tcc.gelu %8 approximate = none : tensor<4x8xf32>
  // CHECK: %[[GELUT:.+]] = tcc.gelu %[[GELU2]] approximate = tanh : tensor<4x8xf32>
  %10 = tcc.gelu %9 approximate = tanh : tensor<4x8xf32>
  // CHECK: tcc.exp %[[H]] : tensor<4xf16>
  %11 = tcc.exp %h : tensor<4xf16>
  // CHECK: tcc.gelu %[[B]] approximate = tanh : tensor<4xbf16>
  %12 = tcc.gelu %b approximate = tanh : tensor<4xbf16>
  // CHECK: tcc.tanh %[[D]] : tensor<2xf64>
  %13 = tcc.tanh %d : tensor<2xf64>
  // CHECK: return %[[GELUT]],
  return %10, %11, %12, %13 : tensor<4x8xf32>, tensor<4xf16>, tensor<4xbf16>,
      tensor<2xf64>
}

// CHECK-LABEL: func.func @unary_numeric
// CHECK-SAME: (%[[I:.+]]: tensor<3xi32>, %[[L:.+]]: tensor<3xi64>, %[[F:.+]]: tensor<3xf16>)
func.func @unary_numeric(%i: tensor<3xi32>, %l: tensor<3xi64>,
                         %f: tensor<3xf16>)
    -> (tensor<3xi32>, tensor<3xi64>, tensor<3xf16>) {
  // CHECK: %[[NEG:.+]] = tcc.neg %[[I]] : tensor<3xi32>
  %0 = tcc.neg %i : tensor<3xi32>
  // CHECK: %[[ABS:.+]] = tcc.abs %[[NEG]] : tensor<3xi32>
  %1 = tcc.abs %0 : tensor<3xi32>
  // CHECK: %[[RELU:.+]] = tcc.relu %[[L]] : tensor<3xi64>
  %2 = tcc.relu %l : tensor<3xi64>
  // CHECK: %[[FNEG:.+]] = tcc.neg %[[F]] : tensor<3xf16>
  %3 = tcc.neg %f : tensor<3xf16>
  // CHECK: %[[FABS:.+]] = tcc.abs %[[FNEG]] : tensor<3xf16>
  %4 = tcc.abs %3 : tensor<3xf16>
  // CHECK: %[[FRELU:.+]] = tcc.relu %[[FABS]] : tensor<3xf16>
  %5 = tcc.relu %4 : tensor<3xf16>
  // CHECK: return %[[ABS]], %[[RELU]], %[[FRELU]]
  return %1, %2, %5 : tensor<3xi32>, tensor<3xi64>, tensor<3xf16>
}

// CHECK-LABEL: func.func @binary
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32>, %[[Y:.+]]: tensor<4x8xf32>, %[[I:.+]]: tensor<4xi64>, %[[J:.+]]: tensor<4xi64>, %[[B:.+]]: tensor<2xbf16>)
func.func @binary(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>,
                  %i: tensor<4xi64>, %j: tensor<4xi64>, %b: tensor<2xbf16>)
    -> (tensor<4x8xf32>, tensor<4xi64>, tensor<2xbf16>) {
  // CHECK: %[[ADD:.+]] = tcc.add %[[X]], %[[Y]] : tensor<4x8xf32>
  %0 = tcc.add %x, %y : tensor<4x8xf32>
  // CHECK: %[[SUB:.+]] = tcc.sub %[[ADD]], %[[Y]] : tensor<4x8xf32>
  %1 = tcc.sub %0, %y : tensor<4x8xf32>
  // CHECK: %[[MUL:.+]] = tcc.mul %[[SUB]], %[[X]] : tensor<4x8xf32>
  %2 = tcc.mul %1, %x : tensor<4x8xf32>
  // CHECK: %[[DIV:.+]] = tcc.div %[[MUL]], %[[Y]] : tensor<4x8xf32>
  %3 = tcc.div %2, %y : tensor<4x8xf32>
  // CHECK: %[[MAX:.+]] = tcc.max %[[DIV]], %[[X]] : tensor<4x8xf32>
  %4 = tcc.max %3, %x : tensor<4x8xf32>
  // CHECK: %[[MIN:.+]] = tcc.min %[[MAX]], %[[Y]] : tensor<4x8xf32>
  %5 = tcc.min %4, %y : tensor<4x8xf32>
  // CHECK: %[[POW:.+]] = tcc.pow %[[MIN]], %[[X]] : tensor<4x8xf32>
  %6 = tcc.pow %5, %x : tensor<4x8xf32>
  // CHECK: %[[IDIV:.+]] = tcc.div %[[I]], %[[J]] : tensor<4xi64>
  %7 = tcc.div %i, %j : tensor<4xi64>
  // CHECK: %[[IPOW:.+]] = tcc.pow %[[IDIV]], %[[J]] : tensor<4xi64>
  %8 = tcc.pow %7, %j : tensor<4xi64>
  // CHECK: %[[BADD:.+]] = tcc.add %[[B]], %[[B]] : tensor<2xbf16>
  %9 = tcc.add %b, %b : tensor<2xbf16>
  // CHECK: return %[[POW]], %[[IPOW]], %[[BADD]]
  return %6, %8, %9 : tensor<4x8xf32>, tensor<4xi64>, tensor<2xbf16>
}

// CHECK-LABEL: func.func @compare_select
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>, %[[Y:.+]]: tensor<4xf32>, %[[I:.+]]: tensor<4xi32>, %[[M:.+]]: tensor<4xi1>)
func.func @compare_select(%x: tensor<4xf32>, %y: tensor<4xf32>,
                          %i: tensor<4xi32>, %m: tensor<4xi1>)
    -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>,
        tensor<4xi1>, tensor<4xf32>) {
  // CHECK: %[[EQ:.+]] = tcc.compare eq, %[[X]], %[[Y]] : tensor<4xf32>
  %0 = tcc.compare eq, %x, %y : tensor<4xf32>
  // CHECK: %[[NE:.+]] = tcc.compare ne, %[[I]], %[[I]] : tensor<4xi32>
  %1 = tcc.compare ne, %i, %i : tensor<4xi32>
  // CHECK: %[[LT:.+]] = tcc.compare lt, %[[X]], %[[Y]] : tensor<4xf32>
  %2 = tcc.compare lt, %x, %y : tensor<4xf32>
  // CHECK: %[[LE:.+]] = tcc.compare le, %[[X]], %[[Y]] : tensor<4xf32>
  %3 = tcc.compare le, %x, %y : tensor<4xf32>
  // CHECK: %[[GT:.+]] = tcc.compare gt, %[[I]], %[[I]] : tensor<4xi32>
  %4 = tcc.compare gt, %i, %i : tensor<4xi32>
  // CHECK: %[[GE:.+]] = tcc.compare ge, %[[M]], %[[M]] : tensor<4xi1>
  %5 = tcc.compare ge, %m, %m : tensor<4xi1>
  // CHECK: %[[SEL:.+]] = tcc.select %[[LT]], %[[X]], %[[Y]] : tensor<4xi1>, tensor<4xf32>
  %6 = tcc.select %2, %x, %y : tensor<4xi1>, tensor<4xf32>
  // CHECK: return %[[EQ]], %[[NE]], %[[LE]], %[[GT]], %[[GE]], %{{.+}}, %[[SEL]]
  %7 = tcc.select %m, %0, %4 : tensor<4xi1>, tensor<4xi1>
  return %0, %1, %3, %4, %5, %7, %6 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>,
      tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>
}

// CHECK-LABEL: func.func @cast
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>, %[[M:.+]]: tensor<4xi1>, %[[D:.+]]: tensor<4xf64>)
func.func @cast(%x: tensor<4xf32>, %m: tensor<4xi1>, %d: tensor<4xf64>)
    -> (tensor<4xbf16>, tensor<4xf32>, tensor<4xi64>, tensor<4xi1>) {
  // CHECK: tcc.cast %[[X]] : tensor<4xf32> -> tensor<4xbf16>
  %0 = tcc.cast %x : tensor<4xf32> -> tensor<4xbf16>
  // CHECK: tcc.cast %[[M]] : tensor<4xi1> -> tensor<4xf32>
  %1 = tcc.cast %m : tensor<4xi1> -> tensor<4xf32>
  // CHECK: tcc.cast %[[D]] : tensor<4xf64> -> tensor<4xi64>
  %2 = tcc.cast %d : tensor<4xf64> -> tensor<4xi64>
  // CHECK: tcc.cast %[[X]] : tensor<4xf32> -> tensor<4xi1>
  %3 = tcc.cast %x : tensor<4xf32> -> tensor<4xi1>
  return %0, %1, %2, %3 : tensor<4xbf16>, tensor<4xf32>, tensor<4xi64>,
      tensor<4xi1>
}

// CHECK-LABEL: func.func @data_movement
// CHECK-SAME: (%[[BIAS:.+]]: tensor<16xf32>, %[[V:.+]]: tensor<8xf32>, %[[X:.+]]: tensor<2x3x4xf32>)
func.func @data_movement(%bias: tensor<16xf32>, %v: tensor<8xf32>,
                         %x: tensor<2x3x4xf32>)
    -> (tensor<8x16xf32>, tensor<8x16xf32>, tensor<6x4xf32>, tensor<4x2x3xf32>,
        tensor<1x2x2xf32>) {
  // CHECK: tcc.broadcast %[[BIAS]] : tensor<16xf32> -> tensor<8x16xf32>
  %0 = tcc.broadcast %bias : tensor<16xf32> -> tensor<8x16xf32>
  // CHECK: tcc.broadcast_in_dim %[[V]], dims = [0] : tensor<8xf32> -> tensor<8x16xf32>
  %1 = tcc.broadcast_in_dim %v, dims = [0] : tensor<8xf32> -> tensor<8x16xf32>
  // CHECK: tcc.reshape %[[X]] : tensor<2x3x4xf32> -> tensor<6x4xf32>
  %2 = tcc.reshape %x : tensor<2x3x4xf32> -> tensor<6x4xf32>
  // CHECK: tcc.transpose %[[X]], permutation = [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  %3 = tcc.transpose %x, permutation = [2, 0, 1]
      : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  // CHECK: tcc.slice %[[X]], start = [1, 0, 1], limit = [2, 3, 4], stride = [1, 2, 2] : tensor<2x3x4xf32> -> tensor<1x2x2xf32>
  %4 = tcc.slice %x, start = [1, 0, 1], limit = [2, 3, 4], stride = [1, 2, 2]
      : tensor<2x3x4xf32> -> tensor<1x2x2xf32>
  return %0, %1, %2, %3, %4 : tensor<8x16xf32>, tensor<8x16xf32>,
      tensor<6x4xf32>, tensor<4x2x3xf32>, tensor<1x2x2xf32>
}

// CHECK-LABEL: func.func @concat_gather
// CHECK-SAME: (%[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<2x5xf32>, %[[WTE:.+]]: tensor<50x16xf32>, %[[TOK:.+]]: tensor<2x8xi64>, %[[IDX:.+]]: tensor<3xi32>)
func.func @concat_gather(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>,
                         %wte: tensor<50x16xf32>, %tokens: tensor<2x8xi64>,
                         %idx: tensor<3xi32>)
    -> (tensor<2x8xf32>, tensor<2x3xf32>, tensor<2x8x16xf32>,
        tensor<50x3xf32>) {
  // CHECK: tcc.concat %[[A]], %[[B]] dim = 1 : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  %0 = tcc.concat %a, %b dim = 1
      : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
  // CHECK: tcc.concat %[[A]] dim = 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = tcc.concat %a dim = 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: tcc.gather %[[WTE]], %[[TOK]] axis = 0 : (tensor<50x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
  %2 = tcc.gather %wte, %tokens axis = 0
      : (tensor<50x16xf32>, tensor<2x8xi64>) -> tensor<2x8x16xf32>
  // CHECK: tcc.gather %[[WTE]], %[[IDX]] axis = 1 : (tensor<50x16xf32>, tensor<3xi32>) -> tensor<50x3xf32>
  %3 = tcc.gather %wte, %idx axis = 1
      : (tensor<50x16xf32>, tensor<3xi32>) -> tensor<50x3xf32>
  return %0, %1, %2, %3 : tensor<2x8xf32>, tensor<2x3xf32>, tensor<2x8x16xf32>,
      tensor<50x3xf32>
}

// CHECK-LABEL: func.func @scatter_add
// CHECK: tcc.scatter_add %arg0, %arg1 rows = 50 : (tensor<16x8xf32>, tensor<16xi64>) -> tensor<50x8xf32>
func.func @scatter_add(%dy: tensor<16x8xf32>, %tokens: tensor<16xi64>)
    -> tensor<50x8xf32> {
  %0 = tcc.scatter_add %dy, %tokens rows = 50
      : (tensor<16x8xf32>, tensor<16xi64>) -> tensor<50x8xf32>
  return %0 : tensor<50x8xf32>
}

// CHECK-LABEL: func.func @reduce
// CHECK-SAME: (%[[X:.+]]: tensor<4x8xf32>, %[[I:.+]]: tensor<4x8xi32>)
func.func @reduce(%x: tensor<4x8xf32>, %i: tensor<4x8xi32>)
    -> (tensor<4x1xf32>, tensor<8xf32>, tensor<f32>, tensor<4xi32>,
        tensor<1x1xi32>, tensor<4x8xf32>) {
  // CHECK: tcc.reduce sum %[[X]] dims = [1] keepdims : tensor<4x8xf32> -> tensor<4x1xf32>
  %0 = tcc.reduce sum %x dims = [1] keepdims : tensor<4x8xf32> -> tensor<4x1xf32>
  // CHECK: tcc.reduce mean %[[X]] dims = [0] : tensor<4x8xf32> -> tensor<8xf32>
  %1 = tcc.reduce mean %x dims = [0] : tensor<4x8xf32> -> tensor<8xf32>
  // CHECK: tcc.reduce max %[[X]] dims = [0, 1] : tensor<4x8xf32> -> tensor<f32>
  %2 = tcc.reduce max %x dims = [0, 1] : tensor<4x8xf32> -> tensor<f32>
  // CHECK: tcc.reduce min %[[I]] dims = [1] : tensor<4x8xi32> -> tensor<4xi32>
  %3 = tcc.reduce min %i dims = [1] : tensor<4x8xi32> -> tensor<4xi32>
  // CHECK: tcc.reduce prod %[[I]] dims = [1, 0] keepdims : tensor<4x8xi32> -> tensor<1x1xi32>
  %4 = tcc.reduce prod %i dims = [1, 0] keepdims
      : tensor<4x8xi32> -> tensor<1x1xi32>
  // CHECK: tcc.reduce sum %[[X]] dims = [] : tensor<4x8xf32> -> tensor<4x8xf32>
  %5 = tcc.reduce sum %x dims = [] : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<4x1xf32>, tensor<8xf32>, tensor<f32>,
      tensor<4xi32>, tensor<1x1xi32>, tensor<4x8xf32>
}

// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[X:.+]]: tensor<8x16xf32>, %[[W:.+]]: tensor<16x4xf32>, %[[B:.+]]: tensor<4x8x16xf32>, %[[BW:.+]]: tensor<4x16x2xf32>, %[[WT:.+]]: tensor<32x16xf32>, %[[H:.+]]: tensor<2x1x3x5xf16>, %[[HW:.+]]: tensor<4x5x6xf16>)
func.func @matmul(%x: tensor<8x16xf32>, %w: tensor<16x4xf32>,
                  %b: tensor<4x8x16xf32>, %bw: tensor<4x16x2xf32>,
                  %wt: tensor<32x16xf32>, %h: tensor<2x1x3x5xf16>,
                  %hw: tensor<4x5x6xf16>)
    -> (tensor<8x4xf32>, tensor<4x8x2xf32>, tensor<4x8x32xf32>,
        tensor<16x16xf32>, tensor<2x4x3x6xf16>) {
  // CHECK: tcc.matmul %[[X]], %[[W]] : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %0 = tcc.matmul %x, %w : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  // CHECK: tcc.matmul %[[B]], %[[BW]] : (tensor<4x8x16xf32>, tensor<4x16x2xf32>) -> tensor<4x8x2xf32>
  %1 = tcc.matmul %b, %bw
      : (tensor<4x8x16xf32>, tensor<4x16x2xf32>) -> tensor<4x8x2xf32>
  // CHECK: tcc.matmul %[[B]], %[[WT]] {transpose_rhs} : (tensor<4x8x16xf32>, tensor<32x16xf32>) -> tensor<4x8x32xf32>
  %2 = tcc.matmul %b, %wt {transpose_rhs}
      : (tensor<4x8x16xf32>, tensor<32x16xf32>) -> tensor<4x8x32xf32>
  // CHECK: tcc.matmul %[[X]], %[[X]] {transpose_lhs} : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<16x16xf32>
  %3 = tcc.matmul %x, %x {transpose_lhs}
      : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<16x16xf32>
  // Batch dimensions [2, 1] and [4] broadcast to [2, 4].
  // CHECK: tcc.matmul %[[H]], %[[HW]] : (tensor<2x1x3x5xf16>, tensor<4x5x6xf16>) -> tensor<2x4x3x6xf16>
  %4 = tcc.matmul %h, %hw
      : (tensor<2x1x3x5xf16>, tensor<4x5x6xf16>) -> tensor<2x4x3x6xf16>
  return %0, %1, %2, %3, %4 : tensor<8x4xf32>, tensor<4x8x2xf32>,
      tensor<4x8x32xf32>, tensor<16x16xf32>, tensor<2x4x3x6xf16>
}

// CHECK-LABEL: func.func @matmul_both_transposed
func.func @matmul_both_transposed(%a: tensor<3x2xbf16>, %b: tensor<4x3xbf16>)
    -> tensor<2x4xbf16> {
  // CHECK: tcc.matmul %{{.+}}, %{{.+}} {transpose_lhs, transpose_rhs} : (tensor<3x2xbf16>, tensor<4x3xbf16>) -> tensor<2x4xbf16>
  %0 = tcc.matmul %a, %b {transpose_lhs, transpose_rhs}
      : (tensor<3x2xbf16>, tensor<4x3xbf16>) -> tensor<2x4xbf16>
  return %0 : tensor<2x4xbf16>
}

// CHECK-LABEL: func.func @normalization
// CHECK-SAME: (%[[X:.+]]: tensor<4x10xf32>, %[[T:.+]]: tensor<4x8x16xf32>, %[[G:.+]]: tensor<16xf32>, %[[BETA:.+]]: tensor<16xf32>)
func.func @normalization(%x: tensor<4x10xf32>, %t: tensor<4x8x16xf32>,
                         %g: tensor<16xf32>, %beta: tensor<16xf32>)
    -> (tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x8x16xf32>,
        tensor<4x8x16xf32>) {
  // CHECK: tcc.softmax %[[X]] dim = 1 : tensor<4x10xf32>
  %0 = tcc.softmax %x dim = 1 : tensor<4x10xf32>
  // CHECK: tcc.log_softmax %[[X]] dim = 0 : tensor<4x10xf32>
  %1 = tcc.log_softmax %x dim = 0 : tensor<4x10xf32>
  // CHECK: tcc.layer_norm %[[T]], %[[G]], %[[BETA]] : (tensor<4x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<4x8x16xf32>
  %2 = tcc.layer_norm %t, %g, %beta
      : (tensor<4x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<4x8x16xf32>
  // CHECK: tcc.layer_norm %[[T]], %[[G]], %[[BETA]] {epsilon = 1.250000e-01 : f64} : (tensor<4x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<4x8x16xf32>
  %3 = tcc.layer_norm %t, %g, %beta {epsilon = 0.125 : f64}
      : (tensor<4x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<4x8x16xf32>
  return %0, %1, %2, %3 : tensor<4x10xf32>, tensor<4x10xf32>,
      tensor<4x8x16xf32>, tensor<4x8x16xf32>
}

// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.+]]: tensor<8x4x6x6xf32>, %[[G:.+]]: tensor<4xf32>, %[[B:.+]]: tensor<4xf32>, %[[RM:.+]]: tensor<4xf32>, %[[RV:.+]]: tensor<4xf32>)
func.func @batch_norm(%x: tensor<8x4x6x6xf32>, %g: tensor<4xf32>,
                      %b: tensor<4xf32>, %rm: tensor<4xf32>, %rv: tensor<4xf32>)
    -> (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>,
        tensor<8x4x6x6xf32>) {
  // CHECK: %[[Y:.+]], %[[M:.+]], %[[V:.+]] = tcc.batch_norm %[[X]], %[[G]], %[[B]], %[[RM]], %[[RV]] {momentum = 2.000000e-01 : f64, training} : (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>)
  %y, %m, %v = tcc.batch_norm %x, %g, %b, %rm, %rv {training, momentum = 0.2 : f64}
      : (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<4xf32>) -> (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>)
  // CHECK: %[[Z:.+]], %{{.+}}, %{{.+}} = tcc.batch_norm %[[X]], %[[G]], %[[B]], %[[M]], %[[V]] : (
  %z:3 = tcc.batch_norm %x, %g, %b, %m, %v
      : (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<4xf32>) -> (tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>)
  // CHECK: return %[[Y]], %[[M]], %[[V]], %[[Z]] :
  return %y, %m, %v, %z#0 : tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>,
      tensor<8x4x6x6xf32>
}

// CHECK-LABEL: func.func @conv2d
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x8x8xf32>, %[[W:.+]]: tensor<16x3x3x3xf32>, %[[B:.+]]: tensor<16xf32>, %[[GX:.+]]: tensor<2x4x8x8xf32>, %[[GW:.+]]: tensor<8x2x3x3xf32>)
func.func @conv2d(%x: tensor<2x3x8x8xf32>, %w: tensor<16x3x3x3xf32>,
                  %b: tensor<16xf32>, %gx: tensor<2x4x8x8xf32>,
                  %gw: tensor<8x2x3x3xf32>)
    -> (tensor<2x16x8x8xf32>, tensor<2x16x6x6xf32>, tensor<2x16x3x3xf32>,
        tensor<2x8x6x6xf32>) {
  // CHECK: tcc.conv2d %[[X]], %[[W]], %[[B]] {padding = array<i64: 1, 1, 1, 1>} : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<2x16x8x8xf32>
  %0 = tcc.conv2d %x, %w, %b {padding = array<i64: 1, 1, 1, 1>}
      : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>)
      -> tensor<2x16x8x8xf32>
  // CHECK: tcc.conv2d %[[X]], %[[W]] : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32>
  %1 = tcc.conv2d %x, %w
      : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32>
  // (8 + 2 - 2 * 2 - 1) / 2 + 1 = 3
  // CHECK: tcc.conv2d %[[X]], %[[W]], %[[B]] {dilation = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>} : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<2x16x3x3xf32>
  %2 = tcc.conv2d %x, %w, %b {stride = array<i64: 2, 2>,
                              padding = array<i64: 1, 1, 1, 1>,
                              dilation = array<i64: 2, 2>}
      : (tensor<2x3x8x8xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>)
      -> tensor<2x16x3x3xf32>
  // CHECK: tcc.conv2d %[[GX]], %[[GW]] {groups = 2 : i64} : (tensor<2x4x8x8xf32>, tensor<8x2x3x3xf32>) -> tensor<2x8x6x6xf32>
  %3 = tcc.conv2d %gx, %gw {groups = 2 : i64}
      : (tensor<2x4x8x8xf32>, tensor<8x2x3x3xf32>) -> tensor<2x8x6x6xf32>
  return %0, %1, %2, %3 : tensor<2x16x8x8xf32>, tensor<2x16x6x6xf32>,
      tensor<2x16x3x3xf32>, tensor<2x8x6x6xf32>
}

// CHECK-LABEL: func.func @pooling
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x16x16xf32>, %[[S:.+]]: tensor<1x1x5x5xf32>, %[[Q:.+]]: tensor<1x1x4x4xf16>)
func.func @pooling(%x: tensor<1x8x16x16xf32>, %s: tensor<1x1x5x5xf32>,
                   %q: tensor<1x1x4x4xf16>)
    -> (tensor<1x8x8x8xf32>, tensor<1x1x3x3xf32>, tensor<1x1x3x3xf32>,
        tensor<1x8x8x8xf32>, tensor<1x1x3x3xf16>, tensor<1x1x3x3xf32>) {
  // CHECK: tcc.max_pool2d %[[X]] {kernel_size = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  %0 = tcc.max_pool2d %x {kernel_size = array<i64: 3, 3>,
                          stride = array<i64: 2, 2>,
                          padding = array<i64: 1, 1, 1, 1>}
      : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  // Dilated: (5 - 2 * 1 - 1) / 1 + 1 = 3.
  // CHECK: tcc.max_pool2d %[[S]] {dilation = array<i64: 2, 2>, kernel_size = array<i64: 2, 2>, stride = array<i64: 1, 1>} : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  %1 = tcc.max_pool2d %s {kernel_size = array<i64: 2, 2>,
                          stride = array<i64: 1, 1>,
                          dilation = array<i64: 2, 2>}
      : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  // ceil_mode keeps the partial last window: (5 - 1 - 1 + 1) / 2 + 1 = 3.
  // CHECK: tcc.max_pool2d %[[S]] {ceil_mode, kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  %2 = tcc.max_pool2d %s {kernel_size = array<i64: 2, 2>,
                          stride = array<i64: 2, 2>, ceil_mode}
      : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  // CHECK: tcc.avg_pool2d %[[X]] {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  %3 = tcc.avg_pool2d %x {kernel_size = array<i64: 2, 2>,
                          stride = array<i64: 2, 2>}
      : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  // CHECK: tcc.avg_pool2d %[[Q]] {count_include_pad, kernel_size = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, stride = array<i64: 2, 2>} : tensor<1x1x4x4xf16> -> tensor<1x1x3x3xf16>
  %4 = tcc.avg_pool2d %q {kernel_size = array<i64: 2, 2>,
                          stride = array<i64: 2, 2>,
                          padding = array<i64: 1, 1, 1, 1>, count_include_pad}
      : tensor<1x1x4x4xf16> -> tensor<1x1x3x3xf16>
  // CHECK: tcc.avg_pool2d %[[S]] {ceil_mode, count_include_pad, kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>} : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  %5 = tcc.avg_pool2d %s {kernel_size = array<i64: 2, 2>,
                          stride = array<i64: 2, 2>, ceil_mode,
                          count_include_pad}
      : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x8x8x8xf32>, tensor<1x1x3x3xf32>,
      tensor<1x1x3x3xf32>, tensor<1x8x8x8xf32>, tensor<1x1x3x3xf16>,
      tensor<1x1x3x3xf32>
}

// CHECK-LABEL: func.func @losses
// CHECK-SAME: (%[[LOGITS:.+]]: tensor<8x10xf32>, %[[LABELS:.+]]: tensor<8xi64>, %[[L32:.+]]: tensor<8xi32>, %[[Y:.+]]: tensor<8x4xf64>, %[[T:.+]]: tensor<8x4xf64>)
func.func @losses(%logits: tensor<8x10xf32>, %labels: tensor<8xi64>,
                  %l32: tensor<8xi32>, %y: tensor<8x4xf64>,
                  %t: tensor<8x4xf64>)
    -> (tensor<f32>, tensor<f32>, tensor<f32>, tensor<f64>) {
  // CHECK: tcc.cross_entropy %[[LOGITS]], %[[LABELS]] : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<f32>
  %0 = tcc.cross_entropy %logits, %labels
      : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<f32>
  // CHECK: tcc.cross_entropy %[[LOGITS]], %[[LABELS]] {label_smoothing = 1.000000e-01 : f64} : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<f32>
  %1 = tcc.cross_entropy %logits, %labels {label_smoothing = 0.1 : f64}
      : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<f32>
  // CHECK: tcc.cross_entropy %[[LOGITS]], %[[L32]] {ignore_index = -100 : i64, label_smoothing = 2.000000e-01 : f64} : (tensor<8x10xf32>, tensor<8xi32>) -> tensor<f32>
  %2 = tcc.cross_entropy %logits, %l32 {ignore_index = -100 : i64,
                                        label_smoothing = 0.2 : f64}
      : (tensor<8x10xf32>, tensor<8xi32>) -> tensor<f32>
  // CHECK: tcc.mse_loss %[[Y]], %[[T]] : (tensor<8x4xf64>, tensor<8x4xf64>) -> tensor<f64>
  %3 = tcc.mse_loss %y, %t : (tensor<8x4xf64>, tensor<8x4xf64>) -> tensor<f64>
  return %0, %1, %2, %3 : tensor<f32>, tensor<f32>, tensor<f32>, tensor<f64>
}

// CHECK-LABEL: func.func @annotate
// CHECK-SAME: (%[[W:.+]]: tensor<16x64xf32>, %[[H:.+]]: tensor<8x64xf32>)
func.func @annotate(%w: tensor<16x64xf32>, %h: tensor<8x64xf32>)
    -> (tensor<16x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>) {
  // CHECK: tcc.annotate %[[W]] {sharding = #tcc.sharding<@world, {{\[\[}}], ["tp"]]>} : tensor<16x64xf32>
  %0 = tcc.annotate %w {sharding = #tcc.sharding<@world, [[], ["tp"]]>}
      : tensor<16x64xf32>
  // CHECK: tcc.annotate %[[H]] {sharding = #tcc.sharding<@world, {{\[\[}}"dp", "pp"], []], partial = avg ["tp"]>} : tensor<8x64xf32>
  %1 = tcc.annotate %h
      {sharding = #tcc.sharding<@world, [["dp", "pp"], []], partial = avg ["tp"]>}
      : tensor<8x64xf32>
  // A partial list that is empty prints as no partial sums at all.
  // CHECK: tcc.annotate %[[H]] {sharding = #tcc.sharding<@world, {{\[\[}}], []]>} : tensor<8x64xf32>
  %2 = tcc.annotate %h {sharding = #tcc.sharding<@world, [[], []], partial = max []>}
      : tensor<8x64xf32>
  return %0, %1, %2 : tensor<16x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>
}

// CHECK-LABEL: func.func @collectives
// CHECK-SAME: (%[[G:.+]]: tensor<16x64xf32>, %[[WS:.+]]: tensor<4x64xf32>, %[[DG:.+]]: tensor<8x64xf32>, %[[X:.+]]: tensor<4x8xf32>, %[[I:.+]]: tensor<16xi32>)
// CHECK-SAME: attributes {tcc.mesh = @world}
func.func @collectives(%g: tensor<16x64xf32>, %ws: tensor<4x64xf32>,
                       %dg: tensor<8x64xf32>, %x: tensor<4x8xf32>,
                       %i: tensor<16xi32>)
    -> (tensor<16x64xf32>, tensor<8x64xf32>, tensor<2x64xf32>, tensor<8x4xf32>,
        tensor<16xi32>, tensor<16xi32>) attributes {tcc.mesh = @world} {
  // CHECK: %[[SUM:.+]] = tcc.all_reduce sum %[[G]] over @world ["dp"] : tensor<16x64xf32>
  %0 = tcc.all_reduce sum %g over @world ["dp"] : tensor<16x64xf32>
  // CHECK: %[[AVG:.+]] = tcc.all_reduce avg %[[SUM]] over @world ["dp", "tp"] : tensor<16x64xf32>
  %1 = tcc.all_reduce avg %0 over @world ["dp", "tp"] : tensor<16x64xf32>
  // CHECK: %[[MAX:.+]] = tcc.all_reduce max %[[I]] over @world ["tp"] : tensor<16xi32>
  %2 = tcc.all_reduce max %i over @world ["tp"] : tensor<16xi32>
  // CHECK: %[[MIN:.+]] = tcc.all_reduce min %[[MAX]] over @world ["pp"] : tensor<16xi32>
  %3 = tcc.all_reduce min %2 over @world ["pp"] : tensor<16xi32>
  // CHECK: %[[AG:.+]] = tcc.all_gather %[[WS]] over @world ["dp"] dim = 0 : tensor<4x64xf32> -> tensor<8x64xf32>
  %4 = tcc.all_gather %ws over @world ["dp"] dim = 0
      : tensor<4x64xf32> -> tensor<8x64xf32>
  // CHECK: %[[RS:.+]] = tcc.reduce_scatter sum %[[DG]] over @world ["dp", "tp"] dim = 0 : tensor<8x64xf32> -> tensor<2x64xf32>
  %5 = tcc.reduce_scatter sum %dg over @world ["dp", "tp"] dim = 0
      : tensor<8x64xf32> -> tensor<2x64xf32>
  // CHECK: tcc.all_slice %[[DG]] over @world ["tp"] dim = 1 : tensor<8x64xf32> -> tensor<8x32xf32>
  %slice = tcc.all_slice %dg over @world ["tp"] dim = 1
      : tensor<8x64xf32> -> tensor<8x32xf32>
  // CHECK: %[[A2A:.+]] = tcc.all_to_all %[[X]] over @world ["tp"] split_dim = 1 concat_dim = 0 : tensor<4x8xf32> -> tensor<8x4xf32>
  %6 = tcc.all_to_all %x over @world ["tp"] split_dim = 1 concat_dim = 0
      : tensor<4x8xf32> -> tensor<8x4xf32>
  // CHECK: %[[BC:.+]] = tcc.collective_broadcast %[[I]] over @world ["dp"] root = 1 : tensor<16xi32>
  %7 = tcc.collective_broadcast %i over @world ["dp"] root = 1 : tensor<16xi32>
  // CHECK: return %[[AVG]], %[[AG]], %[[RS]], %[[A2A]], %[[MIN]], %[[BC]]
  return %1, %4, %5, %6, %3, %7 : tensor<16x64xf32>, tensor<8x64xf32>,
      tensor<2x64xf32>, tensor<8x4xf32>, tensor<16xi32>, tensor<16xi32>
}

// CHECK-LABEL: func.func @pipeline
// CHECK-SAME: (%[[X:.+]]: tensor<8x64xf32>)
func.func @pipeline(%x: tensor<8x64xf32>) -> tensor<8x64xf32>
    attributes {tcc.mesh = @world} {
  // CHECK: %[[H:.+]] = tcc.stage 0 over @world "pp" -> tensor<8x64xf32> {
  // CHECK-NEXT: %[[Y:.+]] = tcc.relu %[[X]] : tensor<8x64xf32>
  // CHECK-NEXT: tcc.send %[[Y]] over @world "pp" to 1 : tensor<8x64xf32>
  // CHECK-NEXT: tcc.yield %[[Y]] : tensor<8x64xf32>
  // CHECK-NEXT: }
  %h = tcc.stage 0 over @world "pp" -> tensor<8x64xf32> {
    %y = tcc.relu %x : tensor<8x64xf32>
    tcc.send %y over @world "pp" to 1 : tensor<8x64xf32>
    tcc.yield %y : tensor<8x64xf32>
  }
  // CHECK: tcc.stage 1 over @world "pp" {
  // CHECK-NEXT: %[[R:.+]] = tcc.recv over @world "pp" from 0 {tag = 7 : i64} : tensor<8x64xf32>
  // CHECK-NEXT: tcc.send %[[R]] over @world "pp" to 0 {tag = 7 : i64} : tensor<8x64xf32>
  // CHECK-NEXT: tcc.yield
  // CHECK-NEXT: }
  tcc.stage 1 over @world "pp" {
    %r = tcc.recv over @world "pp" from 0 {tag = 7 : i64} : tensor<8x64xf32>
    tcc.send %r over @world "pp" to 0 {tag = 7 : i64} : tensor<8x64xf32>
    tcc.yield
  }
  // CHECK: %[[S:.+]]:2 = tcc.stage 1 over @world "pp" -> tensor<8x64xf32>, tensor<i1> attributes {note = "two results"} {
  %s:2 = tcc.stage 1 over @world "pp" -> tensor<8x64xf32>, tensor<i1>
      attributes {note = "two results"} {
    %r = tcc.recv over @world "pp" from 0 : tensor<8x64xf32>
    %t = tcc.constant dense<true> : tensor<i1>
    // CHECK: tcc.yield %{{.+}}, %{{.+}} : tensor<8x64xf32>, tensor<i1>
    tcc.yield %r, %t : tensor<8x64xf32>, tensor<i1>
  }
  // CHECK: return %[[H]]
  return %h : tensor<8x64xf32>
}

// The graph contract (docs/contract.md): names and roles of arguments and
// results, shardings of arguments, and the mesh of an SPMD function.
// CHECK-LABEL: func.func @contract
// CHECK-SAME: %{{.+}}: tensor<8x16xf32> {tcc.role = "input"}
// CHECK-SAME: %{{.+}}: tensor<16x4xf32> {tcc.name = "fc1.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@world, {{\[\[}}], ["tp"]]>}
// CHECK-SAME: %{{.+}}: tensor<4xf32> {tcc.name = "bn.running_mean", tcc.role = "buffer"}
// CHECK-SAME: %{{.+}}: tensor<16x4xf32> {tcc.name = "fc1.weight.exp_avg", tcc.role = "optimizer_state", tcc.sharding = #tcc.sharding<@world, {{\[\[}}"dp"], []], partial = sum ["tp"]>}
// CHECK-SAME: -> (tensor<8x4xf32> {tcc.role = "output"}, tensor<f32> {tcc.role = "loss"}, tensor<16x4xf32> {tcc.name = "fc1.weight", tcc.role = "parameter"}, tensor<4xf32> {tcc.role = "buffer"}, tensor<16x4xf32> {tcc.role = "optimizer_state"})
// CHECK-SAME: attributes {tcc.mesh = @world}
func.func @contract(
    %x: tensor<8x16xf32> {tcc.role = "input"},
    %w: tensor<16x4xf32> {tcc.name = "fc1.weight", tcc.role = "parameter",
                          tcc.sharding = #tcc.sharding<@world, [[], ["tp"]]>},
    %rm: tensor<4xf32> {tcc.name = "bn.running_mean", tcc.role = "buffer"},
    %m: tensor<16x4xf32> {tcc.name = "fc1.weight.exp_avg",
                          tcc.role = "optimizer_state",
                          tcc.sharding = #tcc.sharding<@world, [["dp"], []], partial = sum ["tp"]>})
    -> (tensor<8x4xf32> {tcc.role = "output"},
        tensor<f32> {tcc.role = "loss"},
        tensor<16x4xf32> {tcc.name = "fc1.weight", tcc.role = "parameter"},
        tensor<4xf32> {tcc.role = "buffer"},
        tensor<16x4xf32> {tcc.role = "optimizer_state"})
    attributes {tcc.mesh = @world} {
  %y = tcc.matmul %x, %w : (tensor<8x16xf32>, tensor<16x4xf32>) -> tensor<8x4xf32>
  %l = tcc.reduce mean %y dims = [0, 1] : tensor<8x4xf32> -> tensor<f32>
  return %y, %l, %w, %rm, %m : tensor<8x4xf32>, tensor<f32>, tensor<16x4xf32>,
      tensor<4xf32>, tensor<16x4xf32>
}
