//===- Blas.h - matmul commands through BLAS --------------------*- C++ -*-===//

#ifndef TCC_RUNTIME_CPU_BLAS_H
#define TCC_RUNTIME_CPU_BLAS_H

#include "tcc/runtime/Plan.h"

#include <cstdint>
#include <string>

namespace tcc::rt::cpu {

enum class GemmLibrary : uint8_t { OneDnn, OpenBlas };

/// The library for the f32 GEMMs of one plan (f64 always uses OpenBLAS:
/// oneDNN has no dgemm): the one TCC_GEMM=openblas|onednn names, else the
/// one whose GEMMs of these shapes take less time in all, each shape
/// measured once per process and thread count. One library per plan:
/// their thread pools spin after each call, and alternating between them
/// makes each wait for the other's spinning threads. Shapes above ~4 GFLOP
/// per GEMM are not measured (both libraries reach the machine's peak
/// there, and measuring would take seconds).
GemmLibrary chooseGemmLibrary(const std::vector<const MatmulCommand *> &gemms);

/// Runs `mm` on row-major operands at `lhs`, `rhs` and `out` (validated by
/// parsePlan), one GEMM per batch index, each followed by the command's
/// epilogue (`bias`: its n elements, or null when it has none).
void runMatmul(const MatmulCommand &mm, GemmLibrary library, const void *lhs,
               const void *rhs, const void *bias, void *out);

const char *gemmLibraryName(GemmLibrary library);

/// Sets the threads both libraries use.
void configureBlas(unsigned threads);
/// "oneDNN 2.6" or "OpenBLAS 0.3.21 ...": the library and its version.
std::string gemmLibraryDescription(GemmLibrary library);

} // namespace tcc::rt::cpu

#endif // TCC_RUNTIME_CPU_BLAS_H
