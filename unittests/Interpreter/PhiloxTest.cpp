//===- PhiloxTest.cpp - tcc's counter-based generator ---------------------===//

#include "tcc/runtime/Philox.h"

#include "gtest/gtest.h"

#include <cmath>

namespace {

// Known-answer vectors of Philox-4x32-10 from the Random123 distribution
// (kat_vectors), which every implementation of the generator must match.
TEST(Philox, MatchesRandom123KnownAnswers) {
  EXPECT_EQ(tcc::philox4x32({0, 0, 0, 0}, {0, 0}),
            (tcc::PhiloxBlock{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(tcc::philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                            {0xffffffff, 0xffffffff}),
            (tcc::PhiloxBlock{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(tcc::philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                            {0xa4093822, 0x299f31d0}),
            (tcc::PhiloxBlock{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, UniformDrawsAreUniform) {
  // Mean and variance of 2^16 draws against U(0, 1): 1/2 and 1/12, within
  // five standard errors.
  const int n = 1 << 16;
  double sum = 0, squares = 0;
  for (int i = 0; i < n; ++i) {
    double u = tcc::philoxUniform(42, 7, i);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    squares += u * u;
  }
  double mean = sum / n, variance = squares / n - mean * mean;
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(variance, 1.0 / 12, 0.002);
  // Streams and seeds are independent keys.
  EXPECT_NE(tcc::philoxUniform(42, 7, 0), tcc::philoxUniform(42, 8, 0));
  EXPECT_NE(tcc::philoxUniform(42, 7, 0), tcc::philoxUniform(43, 7, 0));
}

} // namespace
