//===- Artifact.h - The .tccm compiled-model container ----------*- C++ -*-===//
//
// A .tccm file carries everything `tcc compile` produced for one model to a
// machine that has only the runtime: named sections of a few kinds (the
// plan, the CPU kernels' shared object, PTX, weights, ...). The container is
// agnostic of their contents; it guarantees that what the reader hands out
// is exactly what the writer was given (CRC-32C per section and for the
// whole file), that each payload starts 64-byte aligned in the file and in
// memory, and that a file from another format version, a truncated copy or
// something that is not an artifact at all is rejected with a message that
// says so. docs/artifact-format.md has the byte layout and the versioning
// rules.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_ARTIFACT_H
#define TCC_RUNTIME_ARTIFACT_H

#include "tcc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcc::rt {

/// What a section holds. The values are stored in files: never renumber.
/// A reader keeps sections of kinds it does not know (added by a newer minor
/// version) but cannot look them up by name.
enum class SectionKind : uint32_t {
  Plan = 1,       ///< The execution plan the runtime interprets.
  Signature = 2,  ///< Inputs, outputs and parameters with dtypes and shapes.
  Metadata = 3,   ///< Producer, options, source hashes: informative only.
  HostObject = 4, ///< The CPU kernels as an ELF shared object to dlopen.
  Ptx = 5,        ///< PTX text for the CUDA driver to JIT.
  Cubin = 6,      ///< A cubin for one GPU architecture.
  Weights = 7,    ///< Parameter values baked into the artifact.
  Custom = 8,     ///< Anything else, identified by its name.
};

/// "Plan", "HostObject", ...; "kind <n>" for values this tcc does not know.
std::string sectionKindName(SectionKind kind);

/// Format constants; docs/artifact-format.md explains each.
inline constexpr char kArtifactMagic[] = "\x89TCC\r\n\x1a\n";
inline constexpr size_t kArtifactMagicSize = 8;
inline constexpr uint32_t kArtifactMajorVersion = 1;
inline constexpr uint32_t kArtifactMinorVersion = 0;
inline constexpr size_t kArtifactHeaderSize = 64;
inline constexpr size_t kArtifactEntrySize = 128;
inline constexpr size_t kArtifactTrailerSize = 8;
inline constexpr size_t kArtifactAlignment = 64;
inline constexpr size_t kArtifactMaxNameLength = 96;
inline constexpr uint64_t kArtifactMaxSections = 1 << 16;

/// Bytes of a loaded artifact; valid while the Artifact lives.
struct ByteSpan {
  const uint8_t *data = nullptr;
  size_t size = 0;

  std::string_view text() const {
    return {reinterpret_cast<const char *>(data), size};
  }
};

/// One section of a loaded artifact.
struct ArtifactSection {
  SectionKind kind;
  /// Bits 16..31 are optional features a reader may ignore; 1.0 defines no
  /// bits and a reader rejects sections with unknown bits 0..15.
  uint32_t flags;
  std::string name;
  /// Offset in the file (a multiple of kArtifactAlignment).
  uint64_t offset;
  uint32_t checksum;
  /// The payload, kArtifactAlignment-aligned in memory.
  ByteSpan bytes;
};

/// A loaded, fully verified artifact. Owns the file's bytes; move-only.
class Artifact {
public:
  Artifact(Artifact &&) = default;
  Artifact &operator=(Artifact &&) = default;

  const std::string &sourceName() const { return sourceName_; }
  uint32_t majorVersion() const { return major_; }
  uint32_t minorVersion() const { return minor_; }
  /// In section table order (the order the writer added them).
  const std::vector<ArtifactSection> &sections() const { return sections_; }
  /// The whole file.
  ByteSpan fileBytes() const { return {buffer_.get(), size_}; }

  /// The section's bytes, or nullopt when there is none (an empty section
  /// is a valid, empty span).
  std::optional<ByteSpan> findSection(SectionKind kind,
                                      std::string_view name) const;
  /// Like findSection, but an absent section is an error naming the
  /// artifact and listing the sections it has.
  StatusOr<ByteSpan> requireSection(SectionKind kind,
                                    std::string_view name) const;

private:
  struct FreeDeleter {
    void operator()(uint8_t *p) const { std::free(p); }
  };
  using Buffer = std::unique_ptr<uint8_t[], FreeDeleter>;

  Artifact() = default;
  /// kArtifactAlignment-aligned memory, or null when out of memory.
  static Buffer allocate(size_t size);
  static StatusOr<Artifact> fromBuffer(Buffer buffer, size_t size,
                                       const std::string &sourceName);
  friend StatusOr<Artifact> parseArtifact(const uint8_t *, size_t,
                                          const std::string &);
  friend StatusOr<Artifact> readArtifact(const std::string &);

  std::string sourceName_;
  uint32_t major_ = 0, minor_ = 0;
  std::vector<ArtifactSection> sections_;
  Buffer buffer_;
  size_t size_ = 0;
};

/// Verifies a complete artifact held in memory and copies it into an
/// aligned buffer the result owns. Error messages start with `sourceName`.
StatusOr<Artifact> parseArtifact(const uint8_t *data, size_t size,
                                 const std::string &sourceName);

/// Reads and verifies the artifact at `path`; the header is checked before
/// the rest of the file is read, so nothing is sized from unchecked bytes.
StatusOr<Artifact> readArtifact(const std::string &path);

/// One line per section: kind, name, offset, size, checksum; for
/// `tcc-run --info` and debugging.
std::string describeArtifact(const Artifact &artifact);

/// Builds an artifact. Sections are laid out in the order added.
class ArtifactWriter {
public:
  /// Copies `size` bytes. Fails for a kind outside the enum, a name longer
  /// than kArtifactMaxNameLength or with bytes outside printable ASCII
  /// 0x21..0x7e, a (kind, name) already added, or too many sections.
  Status addSection(SectionKind kind, std::string name, const void *data,
                    size_t size);
  Status addSection(SectionKind kind, std::string name,
                    std::string_view bytes) {
    return addSection(kind, std::move(name), bytes.data(), bytes.size());
  }

  /// The complete file.
  std::vector<uint8_t> serialize() const;

  /// Writes the file to `path` through a temporary file renamed into place,
  /// so that a failure never leaves a torn artifact. Errors start with
  /// `path`.
  Status write(const std::string &path) const;

private:
  struct Pending {
    SectionKind kind;
    std::string name;
    std::vector<uint8_t> bytes;
    uint32_t checksum;
  };

  /// The header and section table; `fileSize` receives the file's size.
  std::vector<uint8_t> headerAndTable(uint64_t &fileSize) const;

  std::vector<Pending> sections_;
};

} // namespace tcc::rt

#endif // TCC_RUNTIME_ARTIFACT_H
