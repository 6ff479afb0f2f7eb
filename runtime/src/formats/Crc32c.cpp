//===- Crc32c.cpp - CRC-32C checksums -------------------------------------===//
//
// Table-driven "slicing-by-8" (eight bytes per step, about 1.5 GB/s): no
// SSE4.2 dispatch, so the runtime stays portable and the result never
// depends on the host. The combination follows zlib's crc32_combine.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Crc32c.h"

#include <array>

using namespace tcc::rt;

namespace {

constexpr uint32_t kPolynomial = 0x82F63B78; // Castagnoli, bit-reflected.

using Tables = std::array<std::array<uint32_t, 256>, 8>;

/// tables[0] is the classic byte table; tables[k][b] is the CRC of byte b
/// followed by k zero bytes, which lets one step consume eight bytes.
constexpr Tables makeTables() {
  Tables tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit)
      crc = crc & 1 ? (crc >> 1) ^ kPolynomial : crc >> 1;
    tables[0][b] = crc;
  }
  for (size_t k = 1; k < 8; ++k)
    for (uint32_t b = 0; b < 256; ++b)
      tables[k][b] =
          (tables[k - 1][b] >> 8) ^ tables[0][tables[k - 1][b] & 0xff];
  return tables;
}

constexpr Tables kTables = makeTables();

uint32_t load32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}

/// a(x) * b(x) modulo the polynomial, in the reflected representation where
/// bit 31 is x^0.
uint32_t multiplyModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t m = 1u << 31; m; m >>= 1) {
    if (a & m)
      product ^= b;
    b = b & 1 ? (b >> 1) ^ kPolynomial : b >> 1;
  }
  return product;
}

/// x^(2^k) modulo the polynomial for k = 0..66: crc32cCombine needs
/// x^(8 * 2^j) = x^(2^(j + 3)) for every bit j of a 64-bit length.
using Powers = std::array<uint32_t, 64 + 3>;

Powers makePowers() {
  Powers powers{};
  powers[0] = 1u << 30; // x^1
  for (size_t k = 1; k < powers.size(); ++k)
    powers[k] = multiplyModP(powers[k - 1], powers[k - 1]);
  return powers;
}

} // namespace

uint32_t tcc::rt::crc32c(const void *data, size_t size, uint32_t crc) {
  const auto *p = static_cast<const uint8_t *>(data);
  crc = ~crc;
  const auto &t = kTables;
  for (; size >= 8; size -= 8, p += 8) {
    uint32_t low = crc ^ load32(p), high = load32(p + 4);
    crc = t[7][low & 0xff] ^ t[6][(low >> 8) & 0xff] ^
          t[5][(low >> 16) & 0xff] ^ t[4][low >> 24] ^ t[3][high & 0xff] ^
          t[2][(high >> 8) & 0xff] ^ t[1][(high >> 16) & 0xff] ^
          t[0][high >> 24];
  }
  for (; size > 0; --size, ++p)
    crc = (crc >> 8) ^ t[0][(crc ^ *p) & 0xff];
  return ~crc;
}

uint32_t tcc::rt::crc32cCombine(uint32_t crcA, uint32_t crcB,
                                uint64_t lengthB) {
  static const Powers powers = makePowers();
  // Appending lengthB bytes multiplies A's CRC by x^(8 * lengthB); the
  // initial/final xors of the two CRCs cancel out.
  uint32_t shift = 1u << 31; // x^0
  for (size_t k = 3; lengthB; lengthB >>= 1, ++k)
    if (lengthB & 1)
      shift = multiplyModP(powers[k], shift);
  return multiplyModP(shift, crcA) ^ crcB;
}
