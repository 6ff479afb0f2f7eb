//===- KernelStatus.h - errors a compiled kernel reports --------*- C++ -*-===//
//
// Generated kernels cannot abort: a value that would make them fail (an
// integer division by zero, an index outside its table) is clamped so that
// the kernel stays memory-safe, and its code is stored in the status word
// the runtime passes to every kernel call. The codes are part of the ABI
// between the compiler (tcc/Conversion/TccToLinalg.h) and the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_KERNELSTATUS_H
#define TCC_RUNTIME_KERNELSTATUS_H

#include <cstdint>

namespace tcc::rt {

enum class KernelStatus : int32_t {
  Ok = 0,
  IntegerDivisionByZero = 1,
  IndexOutOfRange = 2,
  LabelOutOfRange = 3,
  CastOutOfRange = 4,
  NegativeIntegerExponent = 5,
};

inline const char *kernelStatusMessage(int32_t code) {
  switch (static_cast<KernelStatus>(code)) {
  case KernelStatus::Ok:
    return "no error";
  case KernelStatus::IntegerDivisionByZero:
    return "integer division by zero";
  case KernelStatus::IndexOutOfRange:
    return "an index is outside the indexed dimension";
  case KernelStatus::LabelOutOfRange:
    return "a label is outside [0, classes) and is not ignore_index";
  case KernelStatus::CastOutOfRange:
    return "a float value does not fit the integer type it is cast to";
  case KernelStatus::NegativeIntegerExponent:
    return "integer pow with a negative exponent";
  }
  return "unknown kernel error";
}

} // namespace tcc::rt

#endif // TCC_RUNTIME_KERNELSTATUS_H
