//===- Crc32c.h - CRC-32C checksums -----------------------------*- C++ -*-===//
//
// CRC-32C (Castagnoli) guards the .tccm artifact. It was chosen over CRC-32
// (zlib) for its better error detection on the block sizes used here and
// over xxHash64 because it can be combined: the CRC of A||B follows from the
// CRCs of A and B, so a reader verifies every section and the whole file
// while reading each byte once.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_CRC32C_H
#define TCC_RUNTIME_CRC32C_H

#include <cstddef>
#include <cstdint>

namespace tcc::rt {

/// CRC-32C of `size` bytes, continuing from `crc` (the CRC of the bytes
/// before them; 0 for none): crc32c(b, nb, crc32c(a, na)) == CRC of a||b.
/// Reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF,
/// as in iSCSI, ext4 and SSE4.2's crc32 instruction; crc32c("123456789", 9)
/// is 0xE3069283.
uint32_t crc32c(const void *data, size_t size, uint32_t crc = 0);

/// The CRC-32C of A||B from crcA = CRC of A, crcB = CRC of B and the length
/// of B, in O(log lengthB) time without the bytes.
uint32_t crc32cCombine(uint32_t crcA, uint32_t crcB, uint64_t lengthB);

} // namespace tcc::rt

#endif // TCC_RUNTIME_CRC32C_H
