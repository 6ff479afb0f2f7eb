// RUN: tcc-opt %s -split-input-file -tcc-train-step="optimizer=sgd tensor-parallel=2" -verify-diagnostics | FileCheck %s

// tcc.annotate on parameters steers tensor parallelism: a split it asks
// for is the split made (or an error), replicated keeps a region whole.

tcc.mesh @world(tp = 2)
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %arg1: tensor<32x16xf32> {tcc.name = "c_fc.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"tp"], []]>}
// CHECK-SAME: %arg2: tensor<16x32xf32> {tcc.name = "c_proj.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}], ["tp"]]>}
// CHECK-NOT: tcc.annotate
// CHECK: tcc.all_reduce sum
func.func @asked(%x: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input"},
                 %w1: tensor<64x16xf32> {tcc.name = "c_fc.weight", tcc.role = "parameter"},
                 %w2: tensor<16x64xf32> {tcc.name = "c_proj.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %w1a = tcc.annotate %w1 {sharding = #tcc.sharding<@world, [["tp"], []]>} : tensor<64x16xf32>
  %h = tcc.matmul %x, %w1a {transpose_rhs} : (tensor<8x16xf32>, tensor<64x16xf32>) -> tensor<8x64xf32>
  %g = tcc.gelu %h : tensor<8x64xf32>
  %y = tcc.matmul %g, %w2 {transpose_rhs} : (tensor<8x64xf32>, tensor<16x64xf32>) -> tensor<8x16xf32>
  %l = tcc.mse_loss %y, %x : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Replicated: the region that would split c_proj stays whole.
tcc.mesh @world(tp = 2)
// expected-warning@+1 {{tensor parallelism found nothing to split (no matmul pair: matmul -> elementwise ops -> matmul, weights read nowhere else, hidden size divisible by 2; no vocabulary table whose rows it divides, read only by lookups and output heads): every device computes everything}}
func.func @replicated(%x: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input"},
                      %w1: tensor<64x16xf32> {tcc.name = "c_fc.weight", tcc.role = "parameter"},
                      %w2: tensor<16x64xf32> {tcc.name = "c_proj.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %h = tcc.matmul %x, %w1 {transpose_rhs} : (tensor<8x16xf32>, tensor<64x16xf32>) -> tensor<8x64xf32>
  %g = tcc.gelu %h : tensor<8x64xf32>
  %w2a = tcc.annotate %w2 {sharding = #tcc.sharding<@world, [[], []]>} : tensor<16x64xf32>
  %y = tcc.matmul %g, %w2a {transpose_rhs} : (tensor<8x64xf32>, tensor<16x64xf32>) -> tensor<8x16xf32>
  %l = tcc.mse_loss %y, %x : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A split no region makes: c_fc's columns (its input features).
tcc.mesh @world(tp = 2)
func.func @impossible(%x: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input"},
                      %w1: tensor<64x16xf32> {tcc.name = "c_fc.weight", tcc.role = "parameter"},
                      %w2: tensor<16x64xf32> {tcc.name = "c_proj.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  // expected-error@+1 {{asks to split c_fc.weight along dimension 1 over 'tp', but it is in no region tensor parallelism splits that way (a matmul x W^T whose result reaches matmuls h W2^T through ops it can split, tp dividing every size it cuts; W split by rows, W2 by columns) and no table it splits by rows (read only by lookups and output heads x W^T, tp dividing its rows): docs/distributed.md}}
  %w1a = tcc.annotate %w1 {sharding = #tcc.sharding<@world, [[], ["tp"]]>} : tensor<64x16xf32>
  %h = tcc.matmul %x, %w1a {transpose_rhs} : (tensor<8x16xf32>, tensor<64x16xf32>) -> tensor<8x64xf32>
  %g = tcc.gelu %h : tensor<8x64xf32>
  %y = tcc.matmul %g, %w2 {transpose_rhs} : (tensor<8x64xf32>, tensor<16x64xf32>) -> tensor<8x16xf32>
  %l = tcc.mse_loss %y, %x : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Only tp's splits of parameters are honoured.
tcc.mesh @world(dp = 2, tp = 2)
func.func @other_axis(%x: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input"},
                      %w1: tensor<64x16xf32> {tcc.name = "c_fc.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  // expected-error@+1 {{asks to split c_fc.weight other than along one dimension over 'tp': only tensor parallelism's splits of parameters are honoured (ZeRO chooses its own)}}
  %w1a = tcc.annotate %w1 {sharding = #tcc.sharding<@world, [["dp"], []]>} : tensor<64x16xf32>
  %h = tcc.matmul %x, %w1a {transpose_rhs} : (tensor<8x16xf32>, tensor<64x16xf32>) -> tensor<8x64xf32>
  %l = tcc.mse_loss %h, %h : (tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// An annotation of an activation is not honoured yet: a warning.
tcc.mesh @world(tp = 2)
func.func @activation(%x: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input"},
                      %w1: tensor<64x16xf32> {tcc.name = "c_fc.weight", tcc.role = "parameter"},
                      %w2: tensor<16x64xf32> {tcc.name = "c_proj.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %h = tcc.matmul %x, %w1 {transpose_rhs} : (tensor<8x16xf32>, tensor<64x16xf32>) -> tensor<8x64xf32>
  // expected-warning@+1 {{tcc.annotate is honoured on parameters only (tensor parallelism's splits); this one is ignored}}
  %ha = tcc.annotate %h {sharding = #tcc.sharding<@world, [[], ["tp"]]>} : tensor<8x64xf32>
  %y = tcc.matmul %ha, %w2 {transpose_rhs} : (tensor<8x64xf32>, tensor<16x64xf32>) -> tensor<8x16xf32>
  %l = tcc.mse_loss %y, %x : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// One annotation per parameter.
tcc.mesh @world(tp = 2)
func.func @twice(%x: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input"},
                 %w1: tensor<64x16xf32> {tcc.name = "c_fc.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %a = tcc.annotate %w1 {sharding = #tcc.sharding<@world, [["tp"], []]>} : tensor<64x16xf32>
  // expected-error@+1 {{annotates c_fc.weight twice}}
  %b = tcc.annotate %w1 {sharding = #tcc.sharding<@world, [[], []]>} : tensor<64x16xf32>
  %s = tcc.add %a, %b : tensor<64x16xf32>
  %h = tcc.matmul %x, %s {transpose_rhs} : (tensor<8x16xf32>, tensor<64x16xf32>) -> tensor<8x64xf32>
  %l = tcc.mse_loss %h, %h : (tensor<8x64xf32>, tensor<8x64xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A classifier head narrower than its input stays whole unless asked; asked,
// its classes are split over tp and the cross-entropy computed across the
// devices.
tcc.mesh @world(tp = 2)
// CHECK-LABEL: func.func @classifier(
// CHECK: func.func @train_step(
// CHECK-SAME: %arg2: tensor<2x16xf32> {tcc.name = "head.weight", tcc.role = "parameter", tcc.sharding = #tcc.sharding<@tcc_mesh, {{\[\[}}"tp"], []]>}
// CHECK: tcc.all_reduce max
func.func @classifier(%x: tensor<8x16xf32> {tcc.name = "x", tcc.role = "input"},
                      %labels: tensor<8xi64> {tcc.name = "labels", tcc.role = "input"},
                      %w: tensor<4x16xf32> {tcc.name = "head.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %wa = tcc.annotate %w {sharding = #tcc.sharding<@world, [["tp"], []]>} : tensor<4x16xf32>
  %z = tcc.matmul %x, %wa {transpose_rhs} : (tensor<8x16xf32>, tensor<4x16xf32>) -> tensor<8x4xf32>
  %l = tcc.cross_entropy %z, %labels : (tensor<8x4xf32>, tensor<8xi64>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Replicated: the token table tied to the head stays whole.
tcc.mesh @world(tp = 2)
// expected-warning@+1 {{tensor parallelism found nothing to split (no matmul pair: matmul -> elementwise ops -> matmul, weights read nowhere else, hidden size divisible by 2; no vocabulary table whose rows it divides, read only by lookups and output heads): every device computes everything}}
func.func @whole_vocabulary(%idx: tensor<8xi64> {tcc.name = "idx", tcc.role = "input"},
                            %labels: tensor<8xi64> {tcc.name = "labels", tcc.role = "input"},
                            %wte: tensor<16x8xf32> {tcc.name = "wte.weight", tcc.role = "parameter"})
    -> (tensor<f32> {tcc.name = "loss", tcc.role = "loss"}) {
  %w = tcc.annotate %wte {sharding = #tcc.sharding<@world, [[], []]>} : tensor<16x8xf32>
  %e = tcc.gather %w, %idx axis = 0 : (tensor<16x8xf32>, tensor<8xi64>) -> tensor<8x8xf32>
  %z = tcc.matmul %e, %w {transpose_rhs} : (tensor<8x8xf32>, tensor<16x8xf32>) -> tensor<8x16xf32>
  %l = tcc.cross_entropy %z, %labels : (tensor<8x16xf32>, tensor<8xi64>) -> tensor<f32>
  return %l : tensor<f32>
}
