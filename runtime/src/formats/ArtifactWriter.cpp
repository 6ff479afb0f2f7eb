//===- ArtifactWriter.cpp - Writing .tccm artifacts -----------------------===//
//
// The writer lays sections out in the order added, each at the next
// 64-byte boundary, and never builds a second copy of the payloads when
// writing to a file: header, table, padding and payloads go out as chunks.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Artifact.h"

#include "ArtifactLayout.h"
#include "FileIO.h"
#include "tcc/runtime/Crc32c.h"

#include <cstring>

using namespace tcc::rt;
using namespace tcc::rt::artifact;

std::string tcc::rt::sectionKindName(SectionKind kind) {
  switch (kind) {
  case SectionKind::Plan:
    return "Plan";
  case SectionKind::Signature:
    return "Signature";
  case SectionKind::Metadata:
    return "Metadata";
  case SectionKind::HostObject:
    return "HostObject";
  case SectionKind::Ptx:
    return "Ptx";
  case SectionKind::Cubin:
    return "Cubin";
  case SectionKind::Weights:
    return "Weights";
  case SectionKind::Custom:
    return "Custom";
  }
  return "kind " + std::to_string(uint32_t(kind));
}

bool artifact::isValidSectionName(std::string_view name) {
  if (name.size() > kArtifactMaxNameLength)
    return false;
  for (char c : name)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

std::string artifact::describeSection(SectionKind kind, std::string_view name) {
  return sectionKindName(kind) + " " +
         io::quoteSnippet(name, kArtifactMaxNameLength);
}

Status ArtifactWriter::addSection(SectionKind kind, std::string name,
                                  const void *data, size_t size) {
  uint32_t value = uint32_t(kind);
  if (value < uint32_t(SectionKind::Plan) ||
      value > uint32_t(SectionKind::Custom))
    return Status::error("section " + io::quoteSnippet(name) +
                         ": invalid section kind " + std::to_string(value));
  if (!isValidSectionName(name))
    return Status::error("section " + describeSection(kind, name) +
                         ": names must be at most " +
                         std::to_string(kArtifactMaxNameLength) +
                         " bytes of printable ASCII without spaces");
  for (const Pending &section : sections_)
    if (section.kind == kind && section.name == name)
      return Status::error("section " + describeSection(kind, name) +
                           " was already added");
  if (sections_.size() >= kArtifactMaxSections)
    return Status::error("section " + describeSection(kind, name) +
                         ": an artifact holds at most " +
                         std::to_string(kArtifactMaxSections) + " sections");
  const auto *bytes = static_cast<const uint8_t *>(data);
  sections_.push_back({kind, std::move(name),
                       std::vector<uint8_t>(bytes, bytes + size),
                       crc32c(data, size)});
  return Status::ok();
}

std::vector<uint8_t> ArtifactWriter::headerAndTable(uint64_t &fileSize) const {
  size_t tableEnd = kArtifactHeaderSize + sections_.size() * kArtifactEntrySize;
  std::vector<uint8_t> out(tableEnd, 0);
  uint64_t position = tableEnd;
  for (size_t i = 0; i < sections_.size(); ++i) {
    const Pending &section = sections_[i];
    uint8_t *entry = &out[kArtifactHeaderSize + i * kArtifactEntrySize];
    position = alignUp(position);
    store(entry + kKindAt, uint32_t(section.kind), 4);
    store(entry + kOffsetAt, position, 8);
    store(entry + kSizeAt, section.bytes.size(), 8);
    store(entry + kCrcAt, section.checksum, 4);
    store(entry + kNameLengthAt, section.name.size(), 4);
    std::memcpy(entry + kNameAt, section.name.data(), section.name.size());
    position += section.bytes.size();
  }
  fileSize = position + kArtifactTrailerSize;

  std::memcpy(out.data(), kArtifactMagic, kArtifactMagicSize);
  store(&out[kMajorAt], kArtifactMajorVersion, 4);
  store(&out[kMinorAt], kArtifactMinorVersion, 4);
  store(&out[kHeaderSizeAt], kArtifactHeaderSize, 4);
  store(&out[kEntrySizeAt], kArtifactEntrySize, 4);
  store(&out[kCountAt], sections_.size(), 8);
  store(&out[kTableOffsetAt], kArtifactHeaderSize, 8);
  store(&out[kFileSizeAt], fileSize, 8);
  store(
      &out[kTableCrcAt],
      crc32c(out.data() + kArtifactHeaderSize, tableEnd - kArtifactHeaderSize),
      4);
  store(&out[kHeaderCrcAt], crc32c(out.data(), kHeaderCrcAt), 4);
  return out;
}

namespace {

constexpr uint8_t kZeros[kArtifactAlignment] = {};

} // namespace

Status ArtifactWriter::write(const std::string &path) const {
  uint64_t fileSize;
  std::vector<uint8_t> head = headerAndTable(fileSize);
  std::vector<io::WriteChunk> chunks = {{head.data(), head.size()}};
  uint32_t fileCrc = crc32c(head.data(), head.size());
  uint64_t position = head.size();
  for (const Pending &section : sections_) {
    size_t padding = size_t(alignUp(position) - position);
    chunks.push_back({kZeros, padding});
    chunks.push_back({section.bytes.data(), section.bytes.size()});
    fileCrc = crc32c(kZeros, padding, fileCrc);
    fileCrc = crc32cCombine(fileCrc, section.checksum, section.bytes.size());
    position += padding + section.bytes.size();
  }
  uint8_t trailer[kArtifactTrailerSize];
  std::memcpy(trailer, kEndMagic, 4);
  store(trailer + 4, crc32c(kEndMagic, 4, fileCrc), 4);
  chunks.push_back({trailer, sizeof(trailer)});
  return io::writeFileAtomically(path, chunks);
}

std::vector<uint8_t> ArtifactWriter::serialize() const {
  uint64_t fileSize;
  std::vector<uint8_t> out = headerAndTable(fileSize);
  out.reserve(size_t(fileSize));
  for (const Pending &section : sections_) {
    out.resize(size_t(alignUp(out.size())), 0);
    out.insert(out.end(), section.bytes.begin(), section.bytes.end());
  }
  out.insert(out.end(), kEndMagic, kEndMagic + 4);
  uint32_t fileCrc = crc32c(out.data(), out.size());
  out.resize(out.size() + 4);
  store(&out[out.size() - 4], fileCrc, 4);
  return out;
}
