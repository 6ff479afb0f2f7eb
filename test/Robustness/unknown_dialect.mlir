// An op of a dialect tcc does not load, in custom and in generic form.
// RUN: not tcc-opt %s 2>&1 | FileCheck %s %nocrash
// RUN: not tcc eval %s 2>&1 | FileCheck %s %nocrash
// RUN: sed 's/^  %0 = foo.bar %x : tensor<4xf32>$/  %0 = "foo.bar"(%x) : (tensor<4xf32>) -> tensor<4xf32>/' %s > %t.mlir
// RUN: not tcc-opt %t.mlir 2>&1 | FileCheck %s --check-prefix=GENERIC %nocrash
// RUN: not tcc eval %t.mlir 2>&1 | FileCheck %s --check-prefix=GENERIC %nocrash

// CHECK: unknown_dialect.mlir:[[@LINE+4]]:8: error: Dialect `foo' not found for custom op 'foo.bar'
// CHECK: note: Available dialects: {{.*}}func{{.*}}tcc
// GENERIC: unknown_dialect.mlir.tmp.mlir:[[@LINE+2]]:17: error: operation being parsed with an unregistered dialect
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = foo.bar %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
