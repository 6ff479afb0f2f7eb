//===- Artifact.cpp - Reading and verifying .tccm artifacts ---------------===//
//
// Verification runs in two steps. checkPrefix looks only at the first 64
// bytes and the file size: magic (with a diagnosis of what the file is
// instead), version, header checksum, and the declared size; readArtifact
// allocates nothing before it passes. verifyLayout then checks the section
// table, every section and the whole-file checksum, reading each payload
// byte once (the file CRC is combined from the section CRCs).
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Artifact.h"

#include "ArtifactLayout.h"
#include "FileIO.h"
#include "tcc/runtime/Crc32c.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <utility>

using namespace tcc::rt;
using namespace tcc::rt::artifact;

namespace {

std::string hex32(uint32_t value) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "0x%08" PRIx32, value);
  return buffer;
}

bool startsWith(const uint8_t *data, size_t size, std::string_view prefix) {
  return size >= prefix.size() &&
         std::memcmp(data, prefix.data(), prefix.size()) == 0;
}

/// What a file that lacks the artifact magic is, as precisely as its first
/// bytes tell.
std::string describeForeignFile(const uint8_t *data, size_t size) {
  std::string_view magic(kArtifactMagic, kArtifactMagicSize);
  // Octal escapes: a hex escape would swallow the letters after it.
  static const std::pair<std::string_view, const char *> kKnown[] = {
      {"\211TCC\n\032\n", "the file was damaged by a text-mode transfer (its "
                          "\"\\r\\n\" became \"\\n\"); copy it again in binary "
                          "mode"},
      {"\211TCC\r\r\n", "the file was damaged by a text-mode transfer (its "
                        "\"\\n\" became \"\\r\\n\"); copy it again in binary "
                        "mode"},
      {"\011TCC\r\n", "the file lost the high bit of each byte in a 7-bit "
                      "transfer; copy it again in binary mode"},
      {"\177ELF", "this is an ELF file (a shared object or executable)"},
      {"ML\357R", "this is an MLIR bytecode file; compile it with `tcc "
                  "compile` first"},
      {"\223NUMPY", "this is a NumPy .npy file"},
  };
  for (const auto &[prefix, what] : kKnown)
    if (startsWith(data, size, prefix))
      return what;
  size_t start = 0;
  while (start < size && (data[start] == ' ' || data[start] == '\t' ||
                          data[start] == '\r' || data[start] == '\n'))
    ++start;
  for (std::string_view keyword : {"module", "func.func", "\"builtin.module\""})
    if (startsWith(data + start, size - start, keyword))
      return "this is an MLIR file; compile it with `tcc compile` first";
  if (startsWith(data + start, size - start, "{"))
    return "this looks like JSON text";
  if (size > 8 && data[8] == '{' && load64(data) < (uint64_t(1) << 32))
    return "this looks like a safetensors file";
  std::string_view seen(reinterpret_cast<const char *>(data),
                        std::min(size, magic.size()));
  return "bad magic " + io::quoteSnippet(seen) + " (expected " +
         io::quoteSnippet(magic) + ")";
}

struct Prefix {
  uint32_t major, minor, headerSize, entrySize;
  uint64_t count, tableOffset, fileSize;
  uint32_t tableCrc;
};

/// Checks the header in the first `available` bytes of a file of `fileSize`
/// bytes. On success the table lies within the file before the trailer.
StatusOr<Prefix> checkPrefix(const uint8_t *data, size_t available,
                             uint64_t fileSize) {
  size_t seen = std::min(available, kArtifactMagicSize);
  if (seen && std::memcmp(data, kArtifactMagic, seen) != 0)
    return Status::error("not a tcc artifact: " +
                         describeForeignFile(data, available));
  if (fileSize < kArtifactHeaderSize || available < kArtifactHeaderSize)
    return Status::error("truncated: " + std::to_string(fileSize) +
                         " bytes is shorter than the " +
                         std::to_string(kArtifactHeaderSize) +
                         "-byte artifact header");
  Prefix p;
  p.major = load32(data + kMajorAt);
  p.minor = load32(data + kMinorAt);
  if (p.major != kArtifactMajorVersion)
    return Status::error("written by artifact format version " +
                         std::to_string(p.major) + "." +
                         std::to_string(p.minor) + "; this tcc reads version " +
                         std::to_string(kArtifactMajorVersion) +
                         ": recompile the model with this tcc");
  uint32_t stored = load32(data + kHeaderCrcAt);
  uint32_t computed = crc32c(data, kHeaderCrcAt);
  if (stored != computed)
    return Status::error("header checksum mismatch (stored " + hex32(stored) +
                         ", computed " + hex32(computed) +
                         "): the file is corrupt");
  p.headerSize = load32(data + kHeaderSizeAt);
  p.entrySize = load32(data + kEntrySizeAt);
  p.count = load64(data + kCountAt);
  p.tableOffset = load64(data + kTableOffsetAt);
  p.fileSize = load64(data + kFileSizeAt);
  p.tableCrc = load32(data + kTableCrcAt);
  // A valid checksum over nonsense means a broken writer, not bad luck.
  if (p.headerSize < kArtifactHeaderSize || p.headerSize > kMaxHeaderSize ||
      p.headerSize % 8 || p.entrySize < kArtifactEntrySize ||
      p.entrySize > kMaxEntrySize || p.entrySize % 8 ||
      p.count > kArtifactMaxSections || p.tableOffset < p.headerSize ||
      p.tableOffset % 8)
    return Status::error(
        "invalid header: header size " + std::to_string(p.headerSize) +
        ", entry size " + std::to_string(p.entrySize) + ", " +
        std::to_string(p.count) + " sections, table at " +
        std::to_string(p.tableOffset) + " (the writer is broken)");
  if (fileSize < p.fileSize)
    return Status::error(
        "truncated: the header says the file is " + std::to_string(p.fileSize) +
        " bytes but it is " + std::to_string(fileSize) + " (" +
        std::to_string(p.fileSize - fileSize) + " bytes missing)");
  if (fileSize > p.fileSize)
    return Status::error(std::to_string(fileSize - p.fileSize) +
                         " unexpected trailing bytes: the header says the "
                         "file is " +
                         std::to_string(p.fileSize) + " bytes but it is " +
                         std::to_string(fileSize));
  // tableOffset <= 2^64 - 1 and the table is at most 2^16 * 4096 bytes.
  uint64_t tableSize = p.count * p.entrySize;
  if (p.fileSize < kArtifactTrailerSize ||
      p.tableOffset > p.fileSize - kArtifactTrailerSize ||
      tableSize > p.fileSize - kArtifactTrailerSize - p.tableOffset)
    return Status::error(
        "section table at offset " + std::to_string(p.tableOffset) + " (" +
        std::to_string(p.count) + " entries of " + std::to_string(p.entrySize) +
        " bytes) extends past the end of the data at " +
        std::to_string(p.fileSize - kArtifactTrailerSize));
  return p;
}

/// Decodes and bounds-checks table entry `index`.
Status checkEntry(const uint8_t *file, const Prefix &p, uint64_t index,
                  ArtifactSection &out) {
  const uint8_t *entry = file + p.tableOffset + index * p.entrySize;
  out.kind = SectionKind(load32(entry + kKindAt));
  out.flags = load32(entry + kFlagsAt);
  out.offset = load64(entry + kOffsetAt);
  uint64_t size = load64(entry + kSizeAt);
  out.checksum = load32(entry + kCrcAt);
  uint32_t nameLength = load32(entry + kNameLengthAt);
  std::string where = "section table entry " + std::to_string(index);
  if (uint32_t(out.kind) == 0)
    return Status::error(where + " has the invalid kind 0");
  if (nameLength > kArtifactMaxNameLength)
    return Status::error(where + " has a name of " +
                         std::to_string(nameLength) + " bytes (at most " +
                         std::to_string(kArtifactMaxNameLength) + ")");
  out.name.assign(reinterpret_cast<const char *>(entry + kNameAt), nameLength);
  bool zeroPadded = std::all_of(entry + kNameAt + nameLength,
                                entry + kNameAt + kArtifactMaxNameLength,
                                [](uint8_t b) { return b == 0; });
  if (!isValidSectionName(out.name) || !zeroPadded)
    return Status::error(where + " has an invalid name " +
                         io::quoteSnippet(out.name) +
                         " (printable ASCII without spaces, zero-padded)");
  where = "section " + describeSection(out.kind, out.name);
  if (out.flags & kCriticalFlags)
    return Status::error(where + " uses feature flags " + hex32(out.flags) +
                         " that this tcc (artifact format " +
                         std::to_string(kArtifactMajorVersion) + "." +
                         std::to_string(kArtifactMinorVersion) +
                         ") does not know: upgrade tcc");
  uint64_t tableEnd = p.tableOffset + p.count * p.entrySize;
  uint64_t dataEnd = p.fileSize - kArtifactTrailerSize;
  std::string range =
      " [" + std::to_string(out.offset) + ", " +
      (size <= UINT64_MAX - out.offset ? std::to_string(out.offset + size)
                                       : "2^64 or more") +
      ")";
  if (out.offset % kArtifactAlignment)
    return Status::error(where + range + " is not " +
                         std::to_string(kArtifactAlignment) + "-byte aligned");
  if (out.offset < tableEnd)
    return Status::error(where + range +
                         " overlaps the header or section table, which end "
                         "at " +
                         std::to_string(tableEnd));
  if (out.offset > dataEnd || size > dataEnd - out.offset)
    return Status::error(where + range +
                         " extends past the end of the data at " +
                         std::to_string(dataEnd));
  out.bytes = {file + out.offset, size_t(size)};
  return Status::ok();
}

/// Checks the table, every section and the whole-file checksum of the
/// `p.fileSize` bytes at `file`, whose prefix checkPrefix accepted.
StatusOr<std::vector<ArtifactSection>> verifyLayout(const uint8_t *file,
                                                    const Prefix &p) {
  uint32_t computed =
      crc32c(file + p.tableOffset, size_t(p.count * p.entrySize));
  if (computed != p.tableCrc)
    return Status::error("section table checksum mismatch (stored " +
                         hex32(p.tableCrc) + ", computed " + hex32(computed) +
                         "): the file is corrupt");
  std::vector<ArtifactSection> sections(size_t(p.count));
  for (uint64_t i = 0; i < p.count; ++i)
    if (Status s = checkEntry(file, p, i, sections[i]); !s)
      return s;

  std::vector<const ArtifactSection *> order;
  for (const ArtifactSection &section : sections)
    order.push_back(&section);
  auto describe = [](const ArtifactSection *s) {
    return describeSection(s->kind, s->name);
  };
  std::sort(order.begin(), order.end(), [](auto *a, auto *b) {
    return a->kind != b->kind ? a->kind < b->kind : a->name < b->name;
  });
  for (size_t i = 1; i < order.size(); ++i)
    if (order[i - 1]->kind == order[i]->kind &&
        order[i - 1]->name == order[i]->name)
      return Status::error("two sections are called " + describe(order[i]));
  std::sort(order.begin(), order.end(), [](auto *a, auto *b) {
    return a->offset != b->offset ? a->offset < b->offset
                                  : a->bytes.size < b->bytes.size;
  });
  for (size_t i = 1; i < order.size(); ++i)
    if (order[i]->offset < order[i - 1]->offset + order[i - 1]->bytes.size)
      return Status::error("sections " + describe(order[i - 1]) + " and " +
                           describe(order[i]) + " overlap");

  // Each section's CRC, then the whole file's combined from them and the
  // bytes between (header, table, padding, end marker).
  uint64_t position = 0;
  uint32_t fileCrc = 0;
  for (const ArtifactSection *section : order) {
    uint32_t crc = crc32c(section->bytes.data, section->bytes.size);
    if (crc != section->checksum)
      return Status::error("checksum mismatch in section " + describe(section) +
                           " (stored " + hex32(section->checksum) +
                           ", computed " + hex32(crc) +
                           "): the file is corrupt");
    fileCrc =
        crc32c(file + position, size_t(section->offset - position), fileCrc);
    fileCrc = crc32cCombine(fileCrc, crc, section->bytes.size);
    position = section->offset + section->bytes.size;
  }
  uint64_t crcAt = p.fileSize - 4;
  fileCrc = crc32c(file + position, size_t(crcAt - position), fileCrc);
  uint32_t stored = load32(file + crcAt);
  if (fileCrc != stored)
    return Status::error("file checksum mismatch (stored " + hex32(stored) +
                         ", computed " + hex32(fileCrc) +
                         "): bytes outside the sections are corrupt");
  if (std::memcmp(file + crcAt - 4, kEndMagic, 4) != 0)
    return Status::error("missing end marker \"TCCE\" at offset " +
                         std::to_string(crcAt - 4));
  return sections;
}

} // namespace

StatusOr<Artifact> Artifact::fromBuffer(Buffer buffer, size_t size,
                                        const std::string &sourceName) {
  StatusOr<Prefix> prefix = checkPrefix(buffer.get(), size, size);
  if (!prefix)
    return prefix.status().withContext(sourceName);
  StatusOr<std::vector<ArtifactSection>> sections =
      verifyLayout(buffer.get(), *prefix);
  if (!sections)
    return sections.status().withContext(sourceName);
  Artifact artifact;
  artifact.sourceName_ = sourceName;
  artifact.major_ = prefix->major;
  artifact.minor_ = prefix->minor;
  artifact.sections_ = std::move(*sections);
  artifact.buffer_ = std::move(buffer);
  artifact.size_ = size;
  return artifact;
}

Artifact::Buffer Artifact::allocate(size_t size) {
  void *memory = nullptr;
  if (::posix_memalign(&memory, kArtifactAlignment, size ? size : 1) != 0)
    return nullptr;
  return Buffer(static_cast<uint8_t *>(memory));
}

std::optional<ByteSpan> Artifact::findSection(SectionKind kind,
                                              std::string_view name) const {
  for (const ArtifactSection &section : sections_)
    if (section.kind == kind && section.name == name)
      return section.bytes;
  return std::nullopt;
}

StatusOr<ByteSpan> Artifact::requireSection(SectionKind kind,
                                            std::string_view name) const {
  if (std::optional<ByteSpan> bytes = findSection(kind, name))
    return *bytes;
  std::string present;
  for (const ArtifactSection &section : sections_)
    present += (present.empty() ? "" : ", ") +
               describeSection(section.kind, section.name);
  return Status::error(
      sourceName_ + ": no " + describeSection(kind, name) + " section (" +
      (present.empty() ? "the artifact has no sections" : "it has " + present) +
      ")");
}

StatusOr<Artifact> tcc::rt::parseArtifact(const uint8_t *data, size_t size,
                                          const std::string &sourceName) {
  // Reject what is plainly not an artifact before copying it.
  StatusOr<Prefix> prefix = checkPrefix(data, size, size);
  if (!prefix)
    return prefix.status().withContext(sourceName);
  Artifact::Buffer buffer = Artifact::allocate(size);
  if (!buffer)
    return Status::error(sourceName + ": cannot allocate " +
                         std::to_string(size) + " bytes");
  std::memcpy(buffer.get(), data, size);
  return Artifact::fromBuffer(std::move(buffer), size, sourceName);
}

StatusOr<Artifact> tcc::rt::readArtifact(const std::string &path) {
  StatusOr<io::InputFile> file = io::InputFile::open(path);
  if (!file)
    return file.status();
  uint64_t fileSize = file->size();
  uint8_t start[kArtifactHeaderSize];
  size_t startSize = size_t(std::min<uint64_t>(fileSize, sizeof(start)));
  if (Status s = file->readAt(0, start, startSize); !s)
    return s.withContext(path);
  // The header's checksum and its size field match the file's size.
  if (StatusOr<Prefix> prefix = checkPrefix(start, startSize, fileSize);
      !prefix)
    return prefix.status().withContext(path);
  if (fileSize > SIZE_MAX)
    return Status::error(path + ": " + std::to_string(fileSize) +
                         " bytes do not fit in memory");
  Artifact::Buffer buffer = Artifact::allocate(size_t(fileSize));
  if (!buffer)
    return Status::error(path + ": cannot allocate " +
                         std::to_string(fileSize) + " bytes");
  if (Status s = file->readAt(0, buffer.get(), size_t(fileSize)); !s)
    return s.withContext(path);
  return Artifact::fromBuffer(std::move(buffer), size_t(fileSize), path);
}

std::string tcc::rt::describeArtifact(const Artifact &artifact) {
  const std::vector<ArtifactSection> &sections = artifact.sections();
  std::string out = artifact.sourceName() + ": tcc artifact format " +
                    std::to_string(artifact.majorVersion()) + "." +
                    std::to_string(artifact.minorVersion()) + ", " +
                    std::to_string(artifact.fileBytes().size) + " bytes, " +
                    std::to_string(sections.size()) +
                    (sections.size() == 1 ? " section" : " sections");
  for (const ArtifactSection &section : sections) {
    char numbers[96];
    std::snprintf(numbers, sizeof(numbers),
                  "offset %10" PRIu64 "  size %10zu  crc32c %s", section.offset,
                  section.bytes.size, hex32(section.checksum).c_str());
    std::string label = describeSection(section.kind, section.name);
    if (label.size() < 32)
      label.resize(32, ' ');
    out += "\n  " + label + "  " + numbers;
  }
  return out;
}
