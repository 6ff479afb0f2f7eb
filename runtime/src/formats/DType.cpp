//===- DType.cpp - Element types of runtime arrays ------------------------===//

#include "tcc/runtime/DType.h"

#include <cmath>
#include <cstring>

using namespace tcc::rt;

size_t tcc::rt::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return 1;
  }
  return 0;
}

const char *tcc::rt::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return "f64";
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I64:
    return "i64";
  case DType::I32:
    return "i32";
  case DType::I8:
    return "i8";
  case DType::U8:
    return "u8";
  case DType::Bool:
    return "i1";
  }
  return "<invalid dtype>";
}

std::optional<DType> tcc::rt::parseDTypeName(std::string_view name) {
  static constexpr DType all[] = {DType::F64,  DType::F32, DType::F16,
                                  DType::BF16, DType::I64, DType::I32,
                                  DType::I8,   DType::U8,  DType::Bool};
  for (DType dtype : all)
    if (name == dtypeName(dtype))
      return dtype;
  if (name == "bool")
    return DType::Bool;
  return std::nullopt;
}

bool tcc::rt::isFloat(DType dtype) {
  return dtype == DType::F64 || dtype == DType::F32 || dtype == DType::F16 ||
         dtype == DType::BF16;
}

static uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

static float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

float tcc::rt::halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24 is exact in binary32.
    float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1f)
    return bitsToFloat(sign | 0x7f800000 | (mantissa << 13));
  // Rebias the exponent from 15 to 127.
  return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t tcc::rt::floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7fffffff;

  if (magnitude >= 0x7f800000) {
    if (magnitude == 0x7f800000)
      return sign | 0x7c00;
    // Keep the top payload bits and force the quiet bit, so a NaN whose
    // payload lives only in the low bits does not turn into inf.
    return sign | 0x7e00 | static_cast<uint16_t>((magnitude >> 13) & 0x3ff);
  }
  // 65520 is halfway between 65504 (odd mantissa) and 2^16, so ties-to-even
  // sends it and everything above to inf.
  if (magnitude >= 0x477ff000)
    return sign | 0x7c00;

  if (magnitude >= 0x38800000) {
    // Normal half. Rounding may carry into the exponent, which is exactly
    // the right encoding (up to 0x7bff; inf was handled above).
    uint32_t half = (magnitude >> 13) - (112u << 10);
    uint32_t rest = magnitude & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
      ++half;
    return sign | static_cast<uint16_t>(half);
  }

  // Subnormal half: the result is round(value / 2^-24). Below 2^-25 (float
  // exponent < 102) that rounds to zero, including float subnormals.
  uint32_t exponent = magnitude >> 23;
  if (exponent < 102)
    return sign;
  uint32_t mantissa = (magnitude & 0x7fffff) | 0x800000;
  uint32_t shift = 126 - exponent; // 14..24
  uint32_t half = mantissa >> shift;
  uint32_t rest = mantissa & ((1u << shift) - 1);
  uint32_t halfway = 1u << (shift - 1);
  // A carry to 0x400 is the smallest normal, again the right encoding.
  if (rest > halfway || (rest == halfway && (half & 1)))
    ++half;
  return sign | static_cast<uint16_t>(half);
}

float tcc::rt::bf16ToFloat(uint16_t bits) {
  return bitsToFloat(uint32_t(bits) << 16);
}

uint16_t tcc::rt::floatToBf16(float value) {
  uint32_t bits = floatBits(value);
  if ((bits & 0x7fffffff) > 0x7f800000)
    // Truncating could clear every payload bit and produce inf.
    return static_cast<uint16_t>((bits >> 16) | 0x0040);
  // Adding 0x7fff plus the lowest kept bit rounds to nearest, ties to even;
  // finite values that round past the largest bf16 correctly become inf.
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

std::optional<int64_t>
tcc::rt::checkedNumElements(const std::vector<int64_t> &shape) {
  constexpr int64_t limit = int64_t(1) << 62;
  int64_t product = 1;
  bool hasZero = false;
  for (int64_t dim : shape) {
    if (dim < 0)
      return std::nullopt;
    if (dim == 0) {
      hasZero = true;
      continue;
    }
    if (dim > limit / product)
      return std::nullopt;
    product *= dim;
  }
  return hasZero ? 0 : product;
}

std::string tcc::rt::describeTensor(DType dtype,
                                    const std::vector<int64_t> &shape) {
  std::string text = std::string(dtypeName(dtype)) + "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}
