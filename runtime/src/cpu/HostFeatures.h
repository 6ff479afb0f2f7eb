//===- HostFeatures.h - can this CPU run an artifact's kernels? -*- C++ -*-===//

#ifndef TCC_RUNTIME_CPU_HOSTFEATURES_H
#define TCC_RUNTIME_CPU_HOSTFEATURES_H

#include "tcc/runtime/Status.h"

#include <string>

namespace tcc::rt::cpu {

/// Ok when this CPU has every instruction-set feature that `features` (an
/// LLVM feature string, "+avx2,+avx512f,-sse4a") enables, among those the
/// runtime can query (the x86 vector extensions: SSE4.2 through AVX-512
/// and its subsets, FMA, F16C, BMI). Otherwise an error naming the missing
/// features, so that a kernel never dies on an illegal instruction.
Status checkHostSupports(const std::string &cpu, const std::string &features);

} // namespace tcc::rt::cpu

#endif // TCC_RUNTIME_CPU_HOSTFEATURES_H
