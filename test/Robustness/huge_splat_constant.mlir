// A splat constant of 2^40 elements is valid IR (exactly at the type limit,
// and stored as one value), but the evaluator would need 8 TiB for it:
// tcc eval refuses before allocating, at the op, and names the flag that
// sets its budget. A small budget applies to small tensors the same way.
// RUN: tcc-opt %s 2>&1 | FileCheck %s --check-prefix=OPT %nocrash
// RUN: not tcc eval %s 2>&1 | FileCheck %s %nocrash
// RUN: not tcc eval %s --max-memory=1 --entry=small 2>&1 | FileCheck %s --check-prefix=SMALL %nocrash

// OPT: tcc.constant dense<1.000000e+00> : tensor<1073741824x1024xf32>
// CHECK: huge_splat_constant.mlir:[[@LINE+2]]:8: error: 'tcc.constant' op result of 1099511627776 elements needs 8388608 MiB in the evaluator, more than its limit of 8192 MiB (--max-memory)
func.func @f() -> tensor<1073741824x1024xf32> {
  %0 = tcc.constant dense<1.0> : tensor<1073741824x1024xf32>
  return %0 : tensor<1073741824x1024xf32>
}

// SMALL: huge_splat_constant.mlir:[[@LINE+2]]:8: error: 'tcc.constant' op result of 262144 elements needs 2 MiB in the evaluator, more than its limit of 1 MiB (--max-memory)
func.func private @small() -> tensor<512x512xf32> {
  %0 = tcc.constant dense<1.0> : tensor<512x512xf32>
  return %0 : tensor<512x512xf32>
}
