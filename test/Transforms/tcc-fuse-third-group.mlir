// tcc-fuse must not merge two groups when a third group lies on a path
// between them: the third becomes one fusion, so a path entering it at one
// member leaves it from all of them. The ResNet-style example's AdamW step
// made the old check (op by op) group the bias corrections, which every
// update reads, with conv1's update, while conv2's update (merged with
// backward work leading to conv1's gradient) read them too: a cycle.
// RUN: tcc-opt %tcc_src_root/examples/cnn.mlir --tcc-train-step=optimizer=adamw --tcc-fuse | FileCheck %s
// CHECK: func.func @train_step
// CHECK: tcc.fusion
// CHECK-NOT: error
