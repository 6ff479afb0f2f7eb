// RUN: tcc-opt %s -tcc-fuse -split-input-file | FileCheck %s

// An MLP layer: the matmul takes its bias add and activation as epilogue;
// the bias broadcast is recomputed inside, so the kernel reads x, w and b.
// CHECK-LABEL: func.func @mlp_layer
// CHECK-SAME: (%[[X:.+]]: tensor<16x64xf32>, %[[W:.+]]: tensor<128x64xf32>, %[[B:.+]]: tensor<128xf32>)
// CHECK: %[[F:.+]] = tcc.fusion contraction(%[[X]], %[[W]], %[[B]])
// CHECK: ^bb0(%[[X0:.+]]: tensor<16x64xf32>, %[[W0:.+]]: tensor<128x64xf32>, %[[B0:.+]]: tensor<128xf32>):
// CHECK-DAG: %[[BB:.+]] = tcc.broadcast %[[B0]]
// CHECK-DAG: %[[M:.+]] = tcc.matmul %[[X0]], %[[W0]]
// CHECK: %[[A:.+]] = tcc.add %[[M]], %[[BB]]
// CHECK: %[[G:.+]] = tcc.gelu %[[A]]
// CHECK: tcc.yield %[[G]]
// CHECK-NOT: tcc.broadcast
// CHECK: return %[[F]]
func.func @mlp_layer(%x: tensor<16x64xf32>, %w: tensor<128x64xf32>, %b: tensor<128xf32>) -> tensor<16x128xf32> {
  %m = tcc.matmul %x, %w {transpose_rhs} : (tensor<16x64xf32>, tensor<128x64xf32>) -> tensor<16x128xf32>
  %bb = tcc.broadcast %b : tensor<128xf32> -> tensor<16x128xf32>
  %a = tcc.add %m, %bb : tensor<16x128xf32>
  %g = tcc.gelu %a : tensor<16x128xf32>
  return %g : tensor<16x128xf32>
}

// -----

// Two layers: two contraction kernels, the second reading the first's result.
// The loss is a boundary.
// CHECK-LABEL: func.func @two_layers
// CHECK: %[[L1:.+]] = tcc.fusion contraction
// CHECK: tcc.relu
// CHECK: %[[L2:.+]] = tcc.fusion contraction(%[[L1]],
// CHECK: tcc.cross_entropy %[[L2]]
func.func @two_layers(%x: tensor<8x16xf32>, %w1: tensor<16x32xf32>, %w2: tensor<32x4xf32>, %l: tensor<8xi64>) -> tensor<f32> {
  %h = tcc.matmul %x, %w1 : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %r = tcc.relu %h : tensor<8x32xf32>
  %o = tcc.matmul %r, %w2 : (tensor<8x32xf32>, tensor<32x4xf32>) -> tensor<8x4xf32>
  %s = tcc.sigmoid %o : tensor<8x4xf32>
  %loss = tcc.cross_entropy %s, %l : (tensor<8x4xf32>, tensor<8xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// A chain of elementwise ops is one kernel, with the splat constant inside.
// CHECK-LABEL: func.func @elementwise_chain
// CHECK: %[[F:.+]] = tcc.fusion elementwise(%{{.+}}, %{{.+}})
// CHECK: tcc.constant dense<2.000000e+00>
// CHECK: tcc.mul
// CHECK: tcc.add
// CHECK: tcc.tanh
// CHECK: tcc.yield
// CHECK-NOT: tcc.constant
// CHECK: return %[[F]]
func.func @elementwise_chain(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c = tcc.constant dense<2.0> : tensor<4x8xf32>
  %m = tcc.mul %x, %c : tensor<4x8xf32>
  %a = tcc.add %m, %y : tensor<4x8xf32>
  %t = tcc.tanh %a : tensor<4x8xf32>
  return %t : tensor<4x8xf32>
}

// -----

// A reduction takes its elementwise producers and consumers; a second
// reduction starts another kernel.
// CHECK-LABEL: func.func @reductions
// CHECK: %[[R1:.+]] = tcc.fusion reduction
// CHECK: tcc.exp
// CHECK: tcc.reduce sum
// CHECK: tcc.log
// CHECK: tcc.yield
// CHECK: %[[R2:.+]] = tcc.fusion reduction(%[[R1]])
// CHECK: tcc.softmax
// CHECK: tcc.neg
// CHECK: return %[[R2]]
func.func @reductions(%x: tensor<4x8xf32>) -> tensor<4xf32> {
  %e = tcc.exp %x : tensor<4x8xf32>
  %s = tcc.reduce sum %e dims = [1] : tensor<4x8xf32> -> tensor<4xf32>
  %l = tcc.log %s : tensor<4xf32>
  %p = tcc.softmax %l dim = 0 : tensor<4xf32>
  %n = tcc.neg %p : tensor<4xf32>
  return %n : tensor<4xf32>
}

// -----

// A value used inside and outside its group is a result of the fusion
// (multi-output); nothing is computed twice.
// CHECK-LABEL: func.func @multi_output
// CHECK: %[[F:.+]]:2 = tcc.fusion elementwise
// CHECK: %[[E:.+]] = tcc.exp
// CHECK: %[[N:.+]] = tcc.neg %[[E]]
// CHECK: tcc.yield %[[E]], %[[N]]
// CHECK: %[[T:.+]] = tcc.transpose %[[F]]#0
// CHECK: return %[[F]]#1, %[[T]]
func.func @multi_output(%x: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %e = tcc.exp %x : tensor<4x4xf32>
  %n = tcc.neg %e : tensor<4x4xf32>
  %t = tcc.transpose %e, permutation = [1, 0] : tensor<4x4xf32> -> tensor<4x4xf32>
  return %n, %t : tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// exp -> transpose -> add(exp, transpose): fusing exp with the add would
// make the kernel both feed and wait for the transpose. Two kernels stay.
// CHECK-LABEL: func.func @no_cycle
// CHECK: %[[E:.+]] = tcc.exp %{{.+}}
// CHECK: %[[T:.+]] = tcc.transpose %[[E]]
// CHECK: tcc.add %[[E]], %[[T]]
// CHECK-NOT: tcc.fusion
func.func @no_cycle(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %e = tcc.exp %x : tensor<4x4xf32>
  %t = tcc.transpose %e, permutation = [1, 0] : tensor<4x4xf32> -> tensor<4x4xf32>
  %a = tcc.add %e, %t : tensor<4x4xf32>
  return %a : tensor<4x4xf32>
}

// -----

// A contraction takes only ops that depend on it: the add's other operand,
// computed by an elementwise op, stays in its own kernel, and an op feeding
// the matmul is not pulled into it.
// CHECK-LABEL: func.func @epilogue_only
// CHECK: %[[P:.+]] = tcc.fusion elementwise
// CHECK: tcc.exp
// CHECK: tcc.sigmoid
// CHECK: %[[C:.+]] = tcc.fusion contraction(%[[P]], %{{.+}}, %{{.+}})
// CHECK: tcc.matmul
// CHECK: tcc.add
// CHECK: tcc.yield
// CHECK: return %[[C]]
func.func @epilogue_only(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %r: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %e = tcc.exp %x : tensor<4x4xf32>
  %s = tcc.sigmoid %e : tensor<4x4xf32>
  %m = tcc.matmul %s, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %a = tcc.add %m, %r : tensor<4x4xf32>
  return %a : tensor<4x4xf32>
}

// -----

// A lone op that reads an iota mask gets a kernel so the mask is never
// stored; a lone op reading only inputs does not.
// CHECK-LABEL: func.func @rematerialized_mask
// CHECK: tcc.fusion elementwise()
// CHECK: tcc.iota dim = 0
// CHECK: tcc.iota dim = 1
// CHECK: tcc.compare ge
// CHECK: tcc.yield
// CHECK-NOT: tcc.fusion
// CHECK: tcc.neg
func.func @rematerialized_mask(%x: tensor<8x8xf32>) -> (tensor<8x8xi1>, tensor<8x8xf32>) {
  %r = tcc.iota dim = 0 : tensor<8x8xi64>
  %c = tcc.iota dim = 1 : tensor<8x8xi64>
  %m = tcc.compare ge, %r, %c : tensor<8x8xi64>
  %n = tcc.neg %x : tensor<8x8xf32>
  return %m, %n : tensor<8x8xi1>, tensor<8x8xf32>
}

// -----

// Stage bodies are fused like function bodies.
tcc.mesh @m(pp = 2)
// CHECK-LABEL: func.func @in_stage
// CHECK: tcc.stage 0
// CHECK: tcc.fusion elementwise
// CHECK: tcc.exp
// CHECK: tcc.neg
func.func @in_stage(%x: tensor<4xf32>) -> tensor<4xf32> attributes {tcc.mesh = @m} {
  %r = tcc.stage 0 over @m "pp" -> tensor<4xf32> {
    %e = tcc.exp %x : tensor<4xf32>
    %n = tcc.neg %e : tensor<4xf32>
    tcc.yield %n : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

// A decomposed softmax: the broadcast of the reduction's result is cloned
// into the kernel after the reduction it reads, and the original goes.
// CHECK-LABEL: func.func @broadcast_of_reduction
// CHECK: %[[F:.+]] = tcc.fusion reduction(%[[X:.+]]) : (tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK: %[[M:.+]] = tcc.reduce max
// CHECK: %[[B:.+]] = tcc.broadcast_in_dim %[[M]]
// CHECK: tcc.sub %{{.+}}, %[[B]]
// CHECK: tcc.exp
// CHECK: tcc.yield
// CHECK-NOT: tcc.broadcast_in_dim
// CHECK: return %[[F]]
func.func @broadcast_of_reduction(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = tcc.reduce max %x dims = [1] : tensor<4x8xf32> -> tensor<4xf32>
  %b = tcc.broadcast_in_dim %s, dims = [0] : tensor<4xf32> -> tensor<4x8xf32>
  %y = tcc.sub %x, %b : tensor<4x8xf32>
  %e = tcc.exp %y : tensor<4x8xf32>
  return %e : tensor<4x8xf32>
}

// -----

// A matmul reads its operands from memory: a broadcast feeding it is not
// pulled into a kernel.
// CHECK-LABEL: func.func @broadcast_operand
// CHECK: %[[B:.+]] = tcc.broadcast
// CHECK: tcc.matmul %{{.+}}, %[[B]]
// CHECK-NOT: tcc.fusion
func.func @broadcast_operand(%x: tensor<4x8xf32>, %v: tensor<8xf32>) -> tensor<4x8xf32> {
  %b = tcc.broadcast %v : tensor<8xf32> -> tensor<8x8xf32>
  %m = tcc.matmul %x, %b : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  return %m : tensor<4x8xf32>
}

// -----

// Sends keep their order: no kernel spans one, since the fusion takes its
// last op's place and ops between would be reordered around it.
tcc.mesh @m(pp = 2)
// CHECK-LABEL: func.func @keeps_send_order
// CHECK: tcc.exp
// CHECK: tcc.send %{{.+}} over @m "pp" to 1 : tensor<4xf32>
// CHECK: tcc.send %{{.+}} over @m "pp" to 1 : tensor<2xf32>
// CHECK: tcc.neg
// CHECK: tcc.send %{{.+}} over @m "pp" to 1 : tensor<4xf32>
func.func @keeps_send_order(%x: tensor<4xf32>, %y: tensor<2xf32>) -> tensor<4xf32> attributes {tcc.mesh = @m} {
  tcc.stage 0 over @m "pp" {
    %e = tcc.exp %x : tensor<4xf32>
    tcc.send %e over @m "pp" to 1 : tensor<4xf32>
    tcc.send %y over @m "pp" to 1 : tensor<2xf32>
    %n = tcc.neg %e : tensor<4xf32>
    tcc.send %n over @m "pp" to 1 : tensor<4xf32>
    tcc.yield
  }
  return %x : tensor<4xf32>
}

// -----

// Dead code is DCE's business, not a kernel without results.
// CHECK-LABEL: func.func @dead
// CHECK-NOT: tcc.fusion
// CHECK: tcc.exp
// CHECK: tcc.neg
func.func @dead(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tcc.exp %x : tensor<4xf32>
  %n = tcc.neg %e : tensor<4xf32>
  return %x : tensor<4xf32>
}

// -----

// A later consumer (exp) of a contraction's result does not join it as an
// epilogue when an op in between (the second matmul) reads the group: the
// fusion would move down to exp and hold that reader back with it. In a
// training step that is the backward's GELU derivative reading a forward
// matmul's result, which would drag the forward into the backward and keep
// its activations alive across it. Everything keeps its place.
// CHECK-LABEL: func.func @no_late_epilogue(
// CHECK: %[[F:[0-9]+]]:2 = tcc.fusion contraction(%arg0, %arg1)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: %[[M:.+]] = tcc.matmul
// CHECK-NEXT: %[[R:.+]] = tcc.relu %[[M]]
// CHECK-NEXT: tcc.yield %[[M]], %[[R]]
// CHECK: tcc.matmul %[[F]]#1, %arg1
// CHECK-NEXT: tcc.exp %[[F]]#0
// CHECK-NEXT: tcc.neg %arg2
// CHECK: return
func.func @no_late_epilogue(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %p: tensor<4x4xf32>)
    -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %m = tcc.matmul %x, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %r = tcc.relu %m : tensor<4x4xf32>
  %n = tcc.matmul %r, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %e = tcc.exp %m : tensor<4x4xf32>
  %z = tcc.neg %p : tensor<4x4xf32>
  return %n, %e, %z : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// With nothing in between reading the group, the later consumer joins: the
// fusion moves down to it, past an unrelated op (neg).
// CHECK-LABEL: func.func @late_epilogue(
// CHECK: tcc.neg %arg2
// CHECK-NEXT: %[[F:.+]] = tcc.fusion contraction(%arg0, %arg1)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: %[[M:.+]] = tcc.matmul
// CHECK-NEXT: tcc.exp %[[M]]
// CHECK: return
func.func @late_epilogue(%x: tensor<4x4xf32>, %w: tensor<4x4xf32>, %p: tensor<4x4xf32>)
    -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %m = tcc.matmul %x, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %z = tcc.neg %p : tensor<4x4xf32>
  %e = tcc.exp %m : tensor<4x4xf32>
  return %e, %z : tensor<4x4xf32>, tensor<4x4xf32>
}
