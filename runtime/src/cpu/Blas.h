//===- Blas.h - matmul commands through BLAS --------------------*- C++ -*-===//

#ifndef TCC_RUNTIME_CPU_BLAS_H
#define TCC_RUNTIME_CPU_BLAS_H

#include "tcc/runtime/Plan.h"

namespace tcc::rt::cpu {

/// Runs `mm` on row-major operands at `lhs`, `rhs` and `out` (validated by
/// parsePlan), one GEMM per batch index.
void runMatmul(const MatmulCommand &mm, const void *lhs, const void *rhs,
               void *out);

/// Sets the threads BLAS uses, and names the library ("OpenBLAS 0.3.21 ...").
void configureBlas(unsigned threads);
std::string blasDescription();

} // namespace tcc::rt::cpu

#endif // TCC_RUNTIME_CPU_BLAS_H
