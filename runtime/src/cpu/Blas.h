//===- Blas.h - matmul commands through BLAS --------------------*- C++ -*-===//

#ifndef TCC_RUNTIME_CPU_BLAS_H
#define TCC_RUNTIME_CPU_BLAS_H

#include "tcc/runtime/Plan.h"

#include <cstdint>
#include <string>

namespace tcc::rt::cpu {

enum class GemmLibrary : uint8_t { OneDnn, OpenBlas };

/// The library for `mm`: OpenBLAS for f64 (oneDNN has no dgemm); for f32
/// the one TCC_GEMM=openblas|onednn names, else the faster of the two on
/// this shape, measured once per shape and thread count in the process
/// (shapes above ~4 GFLOP per batch use oneDNN unmeasured: there both reach
/// the machine's peak, and measuring would cost seconds).
GemmLibrary chooseGemmLibrary(const MatmulCommand &mm);

/// Runs `mm` on row-major operands at `lhs`, `rhs` and `out` (validated by
/// parsePlan), one GEMM per batch index.
void runMatmul(const MatmulCommand &mm, GemmLibrary library, const void *lhs,
               const void *rhs, void *out);

const char *gemmLibraryName(GemmLibrary library);

/// Sets the threads BLAS uses, and names the library ("OpenBLAS 0.3.21 ...").
void configureBlas(unsigned threads);
std::string blasDescription();

} // namespace tcc::rt::cpu

#endif // TCC_RUNTIME_CPU_BLAS_H
