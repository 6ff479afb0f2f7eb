//===- DTypeTest.cpp - Tests for element types and half conversions -------===//
//
// The expected conversion bits come from NumPy (float32 -> float16) and
// PyTorch (float32 -> bfloat16), both round-to-nearest-even.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/DType.h"

#include <cmath>
#include <cstring>
#include <gtest/gtest.h>
#include <limits>

using namespace tcc::rt;

namespace {

float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

uint32_t toBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

constexpr DType kAllDTypes[] = {DType::F64,  DType::F32, DType::F16,
                                DType::BF16, DType::I64, DType::I32,
                                DType::I8,   DType::U8,  DType::Bool};

TEST(DTypeTest, SizesNamesAndKinds) {
  const size_t sizes[] = {8, 4, 2, 2, 8, 4, 1, 1, 1};
  const char *names[] = {"f64", "f32", "f16", "bf16", "i64",
                         "i32", "i8",  "u8",  "i1"};
  const bool floats[] = {true,  true,  true,  true, false,
                         false, false, false, false};
  for (size_t i = 0; i < std::size(kAllDTypes); ++i) {
    DType dtype = kAllDTypes[i];
    EXPECT_EQ(dtypeSize(dtype), sizes[i]) << names[i];
    EXPECT_STREQ(dtypeName(dtype), names[i]);
    EXPECT_EQ(isFloat(dtype), floats[i]) << names[i];
    EXPECT_EQ(parseDTypeName(names[i]), dtype) << names[i];
  }
  EXPECT_EQ(parseDTypeName("bool"), DType::Bool);
  EXPECT_EQ(parseDTypeName("float32"), std::nullopt);
  EXPECT_EQ(parseDTypeName(""), std::nullopt);
  EXPECT_EQ(parseDTypeName("F32"), std::nullopt);
}

TEST(DTypeTest, HalfToFloatKnownValues) {
  EXPECT_EQ(halfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(halfToFloat(0xc100), -2.5f);
  EXPECT_EQ(halfToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(halfToFloat(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(halfToFloat(0x0400), std::ldexp(1.0f, -14));
  EXPECT_EQ(toBits(halfToFloat(0x8000)), 0x80000000u);
  EXPECT_EQ(halfToFloat(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(halfToFloat(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(halfToFloat(0x7e00)));
  EXPECT_TRUE(std::isnan(halfToFloat(0x7c01)));
  EXPECT_TRUE(std::signbit(halfToFloat(0xfe00)));
}

TEST(DTypeTest, FloatToHalfMatchesNumpy) {
  // {float32 bits, np.float16 bits}
  const std::pair<uint32_t, uint16_t> cases[] = {
      {0x3f800000, 0x3c00}, // 1.0
      {0xc0200000, 0xc100}, // -2.5
      {0x477fe000, 0x7bff}, // 65504 (largest half)
      {0x477fefff, 0x7bff}, // just below the tie with 2^16
      {0x477ff000, 0x7c00}, // 65520: tie, rounds to even = inf
      {0x33800000, 0x0001}, // 2^-24, smallest subnormal
      {0x33000000, 0x0000}, // 2^-25: tie between 0 and 2^-24, to even
      {0x33000001, 0x0001}, // just above that tie
      {0x33c00000, 0x0002}, // 1.5 * 2^-24: tie, to even (2)
      {0x34200000, 0x0002}, // 2.5 * 2^-24: tie, to even (2)
      {0x38800000, 0x0400}, // 2^-14, smallest normal
      {0x387fc000, 0x03ff}, // largest subnormal
      {0x387fe000, 0x0400}, // tie above it carries into the exponent
      {0x3f801000, 0x3c00}, // 1 + 2^-11: tie, to even (1.0)
      {0x3f803000, 0x3c02}, // 1 + 3 * 2^-11: tie, to even
      {0x3f801001, 0x3c01}, // just above a tie
      {0x7f800000, 0x7c00}, // inf
      {0xff800000, 0xfc00}, // -inf
      {0x80000000, 0x8000}, // -0.0
      {0x00000001, 0x0000}, // float subnormal
      {0x7f7fffff, 0x7c00}, // FLT_MAX overflows
      {0x3dcccccd, 0x2e66}, // 0.1
      {0xc2f6e979, 0xd7b7}, // -123.456
  };
  for (auto [in, expected] : cases)
    EXPECT_EQ(floatToHalf(fromBits(in)), expected) << std::hex << in;
}

TEST(DTypeTest, FloatToHalfNan) {
  uint16_t quiet = floatToHalf(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(std::isnan(halfToFloat(quiet)));
  // Payload only in bits that truncation drops: must not become inf.
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(fromBits(0x7f800001)))));
  uint16_t negative = floatToHalf(fromBits(0xffc00000));
  EXPECT_TRUE(std::isnan(halfToFloat(negative)));
  EXPECT_TRUE(negative & 0x8000);
}

TEST(DTypeTest, HalfRoundTripsExhaustively) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    float value = halfToFloat(uint16_t(h));
    if (std::isnan(value))
      EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(value)))) << h;
    else
      EXPECT_EQ(floatToHalf(value), h) << std::hex << h;
  }
}

#ifdef __FLT16_MAX__
// The compiler's own (libgcc/compiler-rt) conversion is correctly rounded;
// sample the float range with an odd stride so every exponent is covered.
TEST(DTypeTest, FloatToHalfMatchesCompiler) {
  uint64_t mismatches = 0;
  for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 251) {
    float value = fromBits(uint32_t(bits));
    if (std::isnan(value))
      continue;
    _Float16 reference = static_cast<_Float16>(value);
    uint16_t referenceBits;
    std::memcpy(&referenceBits, &reference, sizeof(referenceBits));
    if (floatToHalf(value) != referenceBits && mismatches++ < 10)
      ADD_FAILURE() << "float bits 0x" << std::hex << bits;
  }
  EXPECT_EQ(mismatches, 0u);
}
#endif

TEST(DTypeTest, Bf16KnownValues) {
  // {float32 bits, torch.bfloat16 bits}
  const std::pair<uint32_t, uint16_t> cases[] = {
      {0x3f800000, 0x3f80}, // 1.0
      {0xc0200000, 0xc020}, // -2.5
      {0x3f808000, 0x3f80}, // 1 + 2^-8: tie, to even
      {0x3f818000, 0x3f82}, // tie, to even (up)
      {0x3f808001, 0x3f81}, // just above a tie
      {0x3f80ffff, 0x3f81}, // just below the next tie
      {0x7f7f7fff, 0x7f7f}, // largest value that stays finite
      {0x7f7f8000, 0x7f80}, // tie above the largest bf16: inf
      {0x7f7fffff, 0x7f80}, // FLT_MAX rounds to inf
      {0x00000001, 0x0000}, // subnormal
      {0x00008000, 0x0000}, // subnormal tie, to even
      {0x00018000, 0x0002}, // subnormal tie, to even (up)
      {0x80000000, 0x8000}, // -0.0
      {0x7f800000, 0x7f80}, // inf
      {0xff800000, 0xff80}, // -inf
      {0x3dcccccd, 0x3dcd}, // 0.1
      {0xc2f6e979, 0xc2f7}, // -123.456
  };
  for (auto [in, expected] : cases) {
    EXPECT_EQ(floatToBf16(fromBits(in)), expected) << std::hex << in;
    EXPECT_EQ(toBits(bf16ToFloat(expected)), uint32_t(expected) << 16);
  }
  EXPECT_EQ(bf16ToFloat(0x3f80), 1.0f);
  EXPECT_EQ(bf16ToFloat(0xc020), -2.5f);
}

TEST(DTypeTest, Bf16Nan) {
  for (uint32_t bits : {0x7fc00000u, 0x7f800001u, 0xff800001u, 0x7fffffffu}) {
    uint16_t result = floatToBf16(fromBits(bits));
    EXPECT_TRUE(std::isnan(bf16ToFloat(result))) << std::hex << bits;
    EXPECT_EQ(uint32_t(result & 0x8000), (bits >> 16) & 0x8000);
  }
}

TEST(DTypeTest, Bf16RoundTripsExhaustively) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    float value = bf16ToFloat(uint16_t(b));
    if (std::isnan(value))
      EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(value)))) << b;
    else
      EXPECT_EQ(floatToBf16(value), b) << std::hex << b;
  }
}

TEST(DTypeTest, CheckedNumElements) {
  constexpr int64_t big = int64_t(1) << 31;
  constexpr int64_t limit = int64_t(1) << 62;
  EXPECT_EQ(checkedNumElements({}), 1);
  EXPECT_EQ(checkedNumElements({0}), 0);
  EXPECT_EQ(checkedNumElements({5}), 5);
  EXPECT_EQ(checkedNumElements({2, 3, 4}), 24);
  EXPECT_EQ(checkedNumElements({3, 0, 7}), 0);
  EXPECT_EQ(checkedNumElements({big, big}), limit);
  EXPECT_EQ(checkedNumElements({limit}), limit);
  EXPECT_EQ(checkedNumElements({limit, 0}), 0);
  EXPECT_EQ(checkedNumElements({-1}), std::nullopt);
  EXPECT_EQ(checkedNumElements({0, -1}), std::nullopt);
  EXPECT_EQ(checkedNumElements({big, big, 2}), std::nullopt);
  EXPECT_EQ(checkedNumElements({limit + 1}), std::nullopt);
  EXPECT_EQ(checkedNumElements({limit, limit, 0}), std::nullopt);
  EXPECT_EQ(checkedNumElements({INT64_MAX, INT64_MAX}), std::nullopt);
}

} // namespace
