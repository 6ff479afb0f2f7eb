//===- DType.h - MLIR element types as the file formats' dtypes -*- C++ -*-===//
//
// The one mapping from the element types tcc tensors may have to the
// runtime's DType (.npy, safetensors, plans), shared by the evaluator and
// the backends.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_SUPPORT_DTYPE_H
#define TCC_SUPPORT_DTYPE_H

#include "tcc/runtime/DType.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include <optional>

namespace mlir::tcc {

/// The DType of `elementType`, or nullopt for a type tcc tensors cannot
/// hold.
inline std::optional<::tcc::rt::DType> dtypeOf(Type elementType) {
  using ::tcc::rt::DType;
  if (elementType.isF64())
    return DType::F64;
  if (elementType.isF32())
    return DType::F32;
  if (elementType.isF16())
    return DType::F16;
  if (elementType.isBF16())
    return DType::BF16;
  if (elementType.isInteger(64))
    return DType::I64;
  if (elementType.isInteger(32))
    return DType::I32;
  if (elementType.isInteger(1))
    return DType::Bool;
  return std::nullopt;
}

/// The element type of `dtype` in tcc's programs, or a null type for the
/// dtypes the compiler does not compute in (i8, u8).
inline Type elementTypeOf(::tcc::rt::DType dtype, MLIRContext *context) {
  using ::tcc::rt::DType;
  switch (dtype) {
  case DType::F64:
    return Float64Type::get(context);
  case DType::F32:
    return Float32Type::get(context);
  case DType::F16:
    return Float16Type::get(context);
  case DType::BF16:
    return BFloat16Type::get(context);
  case DType::I64:
    return IntegerType::get(context, 64);
  case DType::I32:
    return IntegerType::get(context, 32);
  case DType::Bool:
    return IntegerType::get(context, 1);
  default:
    return Type();
  }
}

} // namespace mlir::tcc

#endif // TCC_SUPPORT_DTYPE_H
