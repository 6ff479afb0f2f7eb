//===- ArtifactLayout.h - Byte layout of .tccm files ------------*- C++ -*-===//
//
// Internal to TCCRuntimeFormats: the field offsets shared by the artifact
// reader and writer, in one place so that the two cannot drift apart.
// docs/artifact-format.md is the specification; keep them in sync.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_FORMATS_ARTIFACTLAYOUT_H
#define TCC_RUNTIME_FORMATS_ARTIFACTLAYOUT_H

#include "tcc/runtime/Artifact.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace tcc::rt::artifact {

// Header fields (offsets from the start of the file).
inline constexpr size_t kMajorAt = 8;        // u32
inline constexpr size_t kMinorAt = 12;       // u32
inline constexpr size_t kHeaderSizeAt = 16;  // u32
inline constexpr size_t kEntrySizeAt = 20;   // u32
inline constexpr size_t kCountAt = 24;       // u64
inline constexpr size_t kTableOffsetAt = 32; // u64
inline constexpr size_t kFileSizeAt = 40;    // u64
inline constexpr size_t kTableCrcAt = 48;    // u32
// 52..60: two reserved u32, written as zero.
inline constexpr size_t kHeaderCrcAt = 60; // u32, CRC-32C of bytes 0..60

// Section table entry fields (offsets from the start of the entry).
inline constexpr size_t kKindAt = 0;        // u32
inline constexpr size_t kFlagsAt = 4;       // u32
inline constexpr size_t kOffsetAt = 8;      // u64
inline constexpr size_t kSizeAt = 16;       // u64
inline constexpr size_t kCrcAt = 24;        // u32
inline constexpr size_t kNameLengthAt = 28; // u32
inline constexpr size_t kNameAt = 32;       // 96 bytes, zero-padded

/// Flag bits a reader must understand to use a section.
inline constexpr uint32_t kCriticalFlags = 0xffff;

/// The end marker that precedes the whole-file CRC in the trailer.
inline constexpr char kEndMagic[] = "TCCE";

/// Largest header and entry sizes a 1.x reader accepts; newer minors may
/// grow both up to here.
inline constexpr uint32_t kMaxHeaderSize = 4096;
inline constexpr uint32_t kMaxEntrySize = 4096;

inline uint64_t load(const uint8_t *p, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = bytes; i-- > 0;)
    value = value << 8 | p[i];
  return value;
}
inline uint32_t load32(const uint8_t *p) { return uint32_t(load(p, 4)); }
inline uint64_t load64(const uint8_t *p) { return load(p, 8); }

inline void store(uint8_t *p, uint64_t value, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i)
    p[i] = uint8_t(value >> (8 * i));
}

inline uint64_t alignUp(uint64_t value) {
  return (value + kArtifactAlignment - 1) / kArtifactAlignment *
         kArtifactAlignment;
}

/// True when `name` may name a section: at most kArtifactMaxNameLength
/// bytes of printable ASCII without spaces.
bool isValidSectionName(std::string_view name);

/// `Plan "main"`, for messages; `name` is quoted and escaped.
std::string describeSection(SectionKind kind, std::string_view name);

} // namespace tcc::rt::artifact

#endif // TCC_RUNTIME_FORMATS_ARTIFACTLAYOUT_H
