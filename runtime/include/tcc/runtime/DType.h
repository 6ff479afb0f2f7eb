//===- DType.h - Element types of runtime arrays ----------------*- C++ -*-===//
//
// The element types that tcc moves between the compiler, the runtime and
// files, plus the half-precision conversions every part of tcc shares: one
// implementation keeps reference numerics, constant folding and file I/O
// bit-identical.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_DTYPE_H
#define TCC_RUNTIME_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace tcc::rt {

/// Element type of a HostArray. The underlying values are stable: they may
/// be stored in files and passed across the C ABI.
enum class DType : uint8_t { F64, F32, F16, BF16, I64, I32, I8, U8, Bool };

/// Size of one element in bytes; Bool is stored as one byte (0 or 1).
size_t dtypeSize(DType dtype);

/// MLIR-style name: "f64", "f32", "f16", "bf16", "i64", "i32", "i8", "u8",
/// "i1" (Bool).
const char *dtypeName(DType dtype);

/// Inverse of dtypeName(); also accepts "bool" for Bool.
std::optional<DType> parseDTypeName(std::string_view name);

/// True for F64, F32, F16 and BF16.
bool isFloat(DType dtype);

/// IEEE binary16 to binary32; exact for every input, NaN payloads kept.
float halfToFloat(uint16_t bits);
/// binary32 to IEEE binary16, round-to-nearest-even; values that round past
/// 65504 become inf, tiny values become subnormals or signed zero, NaN stays
/// a (quiet) NaN.
uint16_t floatToHalf(float value);

/// bfloat16 to binary32; exact.
float bf16ToFloat(uint16_t bits);
/// binary32 to bfloat16, round-to-nearest-even; NaN stays a (quiet) NaN.
uint16_t floatToBf16(float value);

/// "f32[16, 64]": how messages name a tensor's dtype and shape.
std::string describeTensor(DType dtype, const std::vector<int64_t> &shape);

/// Product of the dims of `shape` (1 for a scalar shape), or nullopt when a
/// dim is negative or the product of the non-zero dims exceeds 2^62. Zero
/// dims do not excuse huge others, so a shape accepted here stays valid when
/// a dim grows from zero. The limit leaves headroom for index arithmetic,
/// but byte counts (elements * dtypeSize) can still exceed int64 and must be
/// checked by the caller.
std::optional<int64_t> checkedNumElements(const std::vector<int64_t> &shape);

} // namespace tcc::rt

#endif // TCC_RUNTIME_DTYPE_H
