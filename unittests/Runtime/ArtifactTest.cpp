//===- ArtifactTest.cpp - Tests for the .tccm container -------------------===//
//
// Valid artifacts come from ArtifactWriter; invalid ones are valid files
// with a field patched and the checksums recomputed (reseal), so that each
// test reaches the check it is about rather than a checksum mismatch.
//
//===----------------------------------------------------------------------===//

#include "TempFiles.h"

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Crc32c.h"

#include <cstdio>
#include <cstring>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace tcc::rt;

namespace {

uint64_t get(const std::string &file, size_t at, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = bytes; i-- > 0;)
    value = value << 8 | uint8_t(file[at + i]);
  return value;
}

void put(std::string &file, size_t at, uint64_t value, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i)
    file[at + i] = char(value >> (8 * i));
}

/// Recomputes the table, header and whole-file checksums (not the
/// sections'), as a writer would after changing a field.
std::string reseal(std::string file) {
  uint64_t tableOffset = get(file, 32, 8);
  uint64_t tableSize = get(file, 24, 8) * get(file, 20, 4);
  if (tableOffset + tableSize <= file.size())
    put(file, 48, crc32c(file.data() + tableOffset, tableSize), 4);
  put(file, 60, crc32c(file.data(), 60), 4);
  put(file, file.size() - 4, crc32c(file.data(), file.size() - 4), 4);
  return file;
}

struct RawSection {
  uint32_t kind;
  std::string name;
  uint64_t offset;
  std::string payload;
  uint32_t flags = 0;
};

/// An artifact with sections exactly where given and header and entries of
/// the given sizes, their extra bytes filled with 0xab as a newer minor
/// version might.
std::string buildRaw(const std::vector<RawSection> &sections,
                     uint32_t headerSize = 64, uint32_t entrySize = 128,
                     uint32_t minor = 0) {
  uint64_t end = headerSize + sections.size() * entrySize;
  for (const RawSection &s : sections)
    end = std::max<uint64_t>(end, s.offset + s.payload.size());
  std::string file(end + 8, '\0');
  std::memcpy(&file[0], "\x89TCC\r\n\x1a\n", 8);
  put(file, 8, 1, 4);
  put(file, 12, minor, 4);
  put(file, 16, headerSize, 4);
  put(file, 20, entrySize, 4);
  put(file, 24, sections.size(), 8);
  put(file, 32, headerSize, 8);
  put(file, 40, file.size(), 8);
  std::fill(file.begin() + 64, file.begin() + headerSize, '\xab');
  for (size_t i = 0; i < sections.size(); ++i) {
    const RawSection &s = sections[i];
    size_t at = headerSize + i * entrySize;
    put(file, at, s.kind, 4);
    put(file, at + 4, s.flags, 4);
    put(file, at + 8, s.offset, 8);
    put(file, at + 16, s.payload.size(), 8);
    put(file, at + 24, crc32c(s.payload.data(), s.payload.size()), 4);
    put(file, at + 28, s.name.size(), 4);
    file.replace(at + 32, s.name.size(), s.name);
    std::fill(file.begin() + at + 128, file.begin() + at + entrySize, '\xab');
    file.replace(s.offset, s.payload.size(), s.payload);
  }
  file.replace(end, 4, "TCCE");
  return reseal(file);
}

std::string sample() {
  ArtifactWriter writer;
  EXPECT_TRUE(writer.addSection(SectionKind::Plan, "main", "plan text").isOk());
  EXPECT_TRUE(
      writer.addSection(SectionKind::HostObject, "cpu", std::string(70, 'k'))
          .isOk());
  EXPECT_TRUE(writer.addSection(SectionKind::Weights, "empty", "").isOk());
  std::vector<uint8_t> bytes = writer.serialize();
  return std::string(bytes.begin(), bytes.end());
}

StatusOr<Artifact> parse(const std::string &file) {
  return parseArtifact(reinterpret_cast<const uint8_t *>(file.data()),
                       file.size(), "m.tccm");
}

std::string errorOf(const StatusOr<Artifact> &result) {
  return result.isOk() ? "<parsed successfully>" : result.status().message();
}

TEST(Crc32cTest, MatchesTheStandardVectors) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
  std::string zeros(32, '\0'), ones(32, '\xff');
  // RFC 3720 (iSCSI), appendix B.4.
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  std::string text = "The quick brown fox jumps over the lazy dog, twice over";
  uint32_t whole = crc32c(text.data(), text.size());
  for (size_t split = 0; split <= text.size(); ++split) {
    uint32_t head = crc32c(text.data(), split);
    uint32_t tail = crc32c(text.data() + split, text.size() - split);
    EXPECT_EQ(crc32c(text.data() + split, text.size() - split, head), whole);
    EXPECT_EQ(crc32cCombine(head, tail, text.size() - split), whole);
  }
  std::string big(100000, 'x');
  EXPECT_EQ(crc32cCombine(crc32c("ab", 2), crc32c(big.data(), big.size()),
                          big.size()),
            crc32c(("ab" + big).data(), big.size() + 2));
}

TEST(Crc32cTest, CombinesLengthsUpTo2To64) {
  // Lengths of 2^61 bytes and more reach the top of the table of powers;
  // check them against combining in steps of 2^60, which stay below it.
  // combine(a, b, n) is a * x^(8n) + b for any a and b, so zeros stand in
  // for the bytes in between.
  const uint32_t crcA = crc32c("ab", 2), crcB = 0x12345678;
  auto inSteps = [&](uint64_t length) {
    const uint64_t step = uint64_t(1) << 60;
    uint32_t crc = crcA;
    for (; length > step; length -= step)
      crc = crc32cCombine(crc, 0, step);
    return crc32cCombine(crc, crcB, length);
  };
  for (uint64_t length :
       {uint64_t(1) << 61, (uint64_t(1) << 62) + 12345, uint64_t(1) << 63,
        (uint64_t(1) << 63) + (uint64_t(1) << 61) + 7, UINT64_MAX})
    EXPECT_EQ(crc32cCombine(crcA, crcB, length), inSteps(length)) << length;
}

TEST(ArtifactTest, RoundTripsSections) {
  std::string file = sample();
  StatusOr<Artifact> artifact = parse(file);
  ASSERT_TRUE(artifact.isOk()) << errorOf(artifact);
  EXPECT_EQ(artifact->majorVersion(), 1u);
  EXPECT_EQ(artifact->minorVersion(), 0u);
  ASSERT_EQ(artifact->sections().size(), 3u);
  EXPECT_EQ(artifact->findSection(SectionKind::Plan, "main")->text(),
            "plan text");
  EXPECT_EQ(artifact->findSection(SectionKind::HostObject, "cpu")->text(),
            std::string(70, 'k'));
  std::optional<ByteSpan> empty =
      artifact->findSection(SectionKind::Weights, "empty");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->size, 0u);
  EXPECT_FALSE(artifact->findSection(SectionKind::Plan, "cpu"));
  EXPECT_FALSE(artifact->findSection(SectionKind::Weights, "main"));
  // Payloads are aligned in the file and in memory.
  for (const ArtifactSection &section : artifact->sections()) {
    EXPECT_EQ(section.offset % 64, 0u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(section.bytes.data) % 64, 0u);
  }
  EXPECT_EQ(artifact->requireSection(SectionKind::Ptx, "k").status().message(),
            "m.tccm: no Ptx \"k\" section (it has Plan \"main\", HostObject "
            "\"cpu\", Weights \"empty\")");
  EXPECT_EQ(describeArtifact(*artifact),
            "m.tccm: tcc artifact format 1.0, 648 bytes, 3 sections\n"
            "  Plan \"main\"                       offset        448  size "
            "         9  crc32c 0x50e140e0\n"
            "  HostObject \"cpu\"                  offset        512  size "
            "        70  crc32c 0xb4b9d6cc\n"
            "  Weights \"empty\"                   offset        640  size "
            "         0  crc32c 0x00000000");

  // An artifact with no sections is valid.
  std::vector<uint8_t> none = ArtifactWriter().serialize();
  EXPECT_EQ(none.size(), 72u);
  StatusOr<Artifact> noSections = parseArtifact(none.data(), none.size(), "e");
  ASSERT_TRUE(noSections.isOk()) << errorOf(noSections);
  EXPECT_EQ(
      noSections->requireSection(SectionKind::Plan, "").status().message(),
      "e: no Plan \"\" section (the artifact has no sections)");
}

// Freezes the 1.0 layout: a change here breaks every artifact in the field.
TEST(ArtifactTest, WritesTheDocumentedLayout) {
  std::string file = sample();
  EXPECT_EQ(file.substr(0, 8), "\x89TCC\r\n\x1a\n");
  EXPECT_EQ(get(file, 8, 4), 1u);    // major
  EXPECT_EQ(get(file, 12, 4), 0u);   // minor
  EXPECT_EQ(get(file, 16, 4), 64u);  // header size
  EXPECT_EQ(get(file, 20, 4), 128u); // entry size
  EXPECT_EQ(get(file, 24, 8), 3u);   // section count
  EXPECT_EQ(get(file, 32, 8), 64u);  // table offset
  EXPECT_EQ(get(file, 40, 8), file.size());
  EXPECT_EQ(get(file, 48, 4), crc32c(file.data() + 64, 3 * 128));
  EXPECT_EQ(get(file, 52, 8), 0u); // reserved
  EXPECT_EQ(get(file, 60, 4), crc32c(file.data(), 60));
  size_t entry = 64 + 128; // the HostObject section
  EXPECT_EQ(get(file, entry, 4), 4u);
  EXPECT_EQ(get(file, entry + 4, 4), 0u);
  EXPECT_EQ(get(file, entry + 8, 8), 512u);
  EXPECT_EQ(get(file, entry + 16, 8), 70u);
  EXPECT_EQ(get(file, entry + 24, 4), crc32c(file.data() + 512, 70));
  EXPECT_EQ(get(file, entry + 28, 4), 3u);
  EXPECT_EQ(file.substr(entry + 32, 4), std::string("cpu\0", 4));
  EXPECT_EQ(file.substr(file.size() - 8, 4), "TCCE");
  EXPECT_EQ(get(file, file.size() - 4, 4),
            crc32c(file.data(), file.size() - 4));
  // The stored checksums pin down every other byte.
  EXPECT_EQ(get(file, 60, 4), 0x30f3ca69u);
  EXPECT_EQ(get(file, 48, 4), 0x1aed135eu);
  EXPECT_EQ(get(file, file.size() - 4, 4), 0x53815c4cu);
}

TEST(ArtifactTest, SaysWhatAForeignFileIs) {
  const std::pair<std::string, std::string> cases[] = {
      {"\x7f"
       "ELF\x02\x01\x01",
       "this is an ELF file (a shared object or "
       "executable)"},
      {"ML\xef"
       "R\x00MLIR",
       "this is an MLIR bytecode file; compile it with "
       "`tcc compile` first"},
      {"module {\n  func.func @f()", "this is an MLIR file; compile it with "
                                     "`tcc compile` first"},
      {"\n  func.func @main(%a: tensor<2xf32>)", "this is an MLIR file"},
      {"\"builtin.module\"() ({", "this is an MLIR file"},
      {"{\"plan\": []}", "this looks like JSON text"},
      {"\x93NUMPY\x01\x00v\x00{'descr'", "this is a NumPy .npy file"},
      {std::string("\x40\0\0\0\0\0\0\0{\"w\":", 13),
       "this looks like a safetensors file"},
      {"hello world", "bad magic \"hello wo\" (expected "
                      "\"\\x89TCC\\x0d\\x0a\\x1a\\x0a\")"},
  };
  for (const auto &[file, reason] : cases)
    EXPECT_EQ(
        errorOf(parse(file)).rfind("m.tccm: not a tcc artifact: " + reason, 0),
        0u)
        << errorOf(parse(file));

  std::string file = sample();
  std::string lf = file;
  lf.erase(4, 1);
  EXPECT_EQ(errorOf(parse(lf)),
            "m.tccm: not a tcc artifact: the file was damaged by a text-mode "
            "transfer (its \"\\r\\n\" became \"\\n\"); copy it again in "
            "binary mode");
  std::string crlf = file;
  crlf.insert(5, "\r");
  EXPECT_NE(errorOf(parse(crlf)).find("(its \"\\n\" became \"\\r\\n\")"),
            std::string::npos);
  std::string sevenBit = file;
  sevenBit[0] = '\x09';
  EXPECT_NE(errorOf(parse(sevenBit)).find("lost the high bit of each byte"),
            std::string::npos);
}

TEST(ArtifactTest, ReportsTruncationAndTrailingBytes) {
  std::string file = sample();
  EXPECT_EQ(errorOf(parse("")), "m.tccm: truncated: 0 bytes is shorter than "
                                "the 64-byte artifact header");
  EXPECT_EQ(errorOf(parse(file.substr(0, 10))),
            "m.tccm: truncated: 10 bytes is shorter than the 64-byte artifact "
            "header");
  EXPECT_EQ(errorOf(parse(file.substr(0, 500))),
            "m.tccm: truncated: the header says the file is 648 bytes but it "
            "is 500 (148 bytes missing)");
  EXPECT_EQ(errorOf(parse(file + "xy")),
            "m.tccm: 2 unexpected trailing bytes: the header says the file is "
            "648 bytes but it is 650");
  // Every prefix is rejected without reading past it (ASan checks that).
  for (size_t size = 0; size < file.size(); ++size)
    EXPECT_FALSE(parse(file.substr(0, size)).isOk()) << size;
}

TEST(ArtifactTest, ChecksTheVersion) {
  std::string file = sample();
  std::string major = file;
  put(major, 8, 2, 4);
  put(major, 12, 3, 4);
  EXPECT_EQ(errorOf(parse(reseal(major))),
            "m.tccm: written by artifact format version 2.3; this tcc reads "
            "version 1: recompile the model with this tcc");
  put(major, 8, 0, 4);
  EXPECT_NE(errorOf(parse(major)).find("version 0.3"), std::string::npos);

  // Newer minor versions may grow the header and the entries, add section
  // kinds and optional flags; this reader ignores all of that.
  std::string newer = buildRaw({{1, "main", 704, "plan"},
                                {42, "future", 768, "new kind", 0},
                                {5, "k", 832, "ptx", 0x10000}},
                               128, 192, 7);
  StatusOr<Artifact> artifact = parse(newer);
  ASSERT_TRUE(artifact.isOk()) << errorOf(artifact);
  EXPECT_EQ(artifact->minorVersion(), 7u);
  EXPECT_EQ(artifact->findSection(SectionKind::Plan, "main")->text(), "plan");
  EXPECT_EQ(artifact->findSection(SectionKind::Ptx, "k")->text(), "ptx");
  EXPECT_EQ(artifact->sections()[1].name, "future");
  EXPECT_EQ(sectionKindName(artifact->sections()[1].kind), "kind 42");
  EXPECT_EQ(artifact->sections()[2].flags, 0x10000u);
  // ... but not a feature flag it would have to understand.
  EXPECT_EQ(errorOf(parse(buildRaw({{5, "k", 256, "ptx", 0x2}}))),
            "m.tccm: section Ptx \"k\" uses feature flags 0x00000002 that "
            "this tcc (artifact format 1.0) does not know: upgrade tcc");
}

TEST(ArtifactTest, RejectsInvalidLayouts) {
  const std::pair<std::string, std::string> cases[] = {
      {buildRaw({{1, "a", 200, "x"}}),
       "section Plan \"a\" [200, 201) is not 64-byte aligned"},
      {buildRaw({{1, "a", 128, ""}}),
       "section Plan \"a\" [128, 128) overlaps the header or section table, "
       "which end at 192"},
      {buildRaw({{1, "a", 320, std::string(100, 'x')}, {4, "b", 384, "yy"}}),
       "sections Plan \"a\" and HostObject \"b\" overlap"},
      {buildRaw({{1, "a", 384, "x"}, {1, "a", 448, "y"}}),
       "two sections are called Plan \"a\""},
      {buildRaw({{0, "a", 192, "x"}}),
       "section table entry 0 has the invalid kind 0"},
      {buildRaw({{1, "a b", 192, "x"}}),
       "section table entry 0 has an invalid name \"a b\" (printable ASCII "
       "without spaces, zero-padded)"},
      {buildRaw({{1, "caf\xc3\xa9", 192, "x"}}),
       "section table entry 0 has an invalid name \"caf\\xc3\\xa9\" "
       "(printable ASCII without spaces, zero-padded)"},
  };
  for (const auto &[file, expected] : cases)
    EXPECT_EQ(errorOf(parse(file)), "m.tccm: " + expected);

  // Fields patched in a valid file, checksums recomputed.
  std::string file = sample();
  std::string longName = file;
  put(longName, 64 + 28, 97, 4);
  EXPECT_EQ(errorOf(parse(reseal(longName))),
            "m.tccm: section table entry 0 has a name of 97 bytes (at most "
            "96)");
  std::string unpadded = file;
  unpadded[64 + 32 + 10] = 'z';
  EXPECT_NE(errorOf(parse(reseal(unpadded))).find("zero-padded"),
            std::string::npos);
  std::string pastEnd = file;
  put(pastEnd, 64 + 128 + 16, 1000, 8);
  EXPECT_EQ(errorOf(parse(reseal(pastEnd))),
            "m.tccm: section HostObject \"cpu\" [512, 1512) extends past the "
            "end of the data at 640");
  put(pastEnd, 64 + 128 + 16, UINT64_MAX, 8);
  EXPECT_EQ(errorOf(parse(reseal(pastEnd))),
            "m.tccm: section HostObject \"cpu\" [512, 2^64 or more) extends "
            "past the end of the data at 640");
  std::string bigTable = file;
  put(bigTable, 24, 5, 8);
  EXPECT_EQ(errorOf(parse(reseal(bigTable))),
            "m.tccm: section table at offset 64 (5 entries of 128 bytes) "
            "extends past the end of the data at 640");
  put(bigTable, 24, uint64_t(1) << 40, 8);
  EXPECT_EQ(errorOf(parse(reseal(bigTable))),
            "m.tccm: invalid header: header size 64, entry size 128, "
            "1099511627776 sections, table at 64 (the writer is broken)");
}

TEST(ArtifactTest, DetectsEverySingleByteCorruption) {
  std::string file = sample();
  std::string payload = file;
  payload[512 + 5] ^= 1;
  EXPECT_EQ(errorOf(parse(payload)),
            "m.tccm: checksum mismatch in section HostObject \"cpu\" (stored "
            "0xb4b9d6cc, computed 0x55f6a8d4): the file is corrupt");
  std::string padding = file;
  padding[500] = 1;
  EXPECT_EQ(errorOf(parse(padding)).rfind("m.tccm: file checksum mismatch", 0),
            0u);
  std::string header = file;
  header[20] = 1;
  EXPECT_EQ(errorOf(parse(header)).rfind("m.tccm: header checksum mismatch", 0),
            0u);
  std::string table = file;
  table[64 + 40] = 'x';
  EXPECT_EQ(errorOf(parse(table)),
            "m.tccm: section table checksum mismatch (stored 0x1aed135e, "
            "computed 0x6340de1e): the file is corrupt");

  for (size_t i = 0; i < file.size(); ++i) {
    for (int flip : {0x01, 0x80, 0xff}) {
      std::string corrupt = file;
      corrupt[i] = char(corrupt[i] ^ flip);
      EXPECT_FALSE(parse(corrupt).isOk()) << "byte " << i << " ^ " << flip;
    }
  }
}

TEST(ArtifactTest, WriterRejectsInvalidSections) {
  ArtifactWriter writer;
  EXPECT_TRUE(writer.addSection(SectionKind::Plan, "main", "x").isOk());
  EXPECT_TRUE(writer.addSection(SectionKind::Signature, "main", "y").isOk());
  EXPECT_EQ(writer.addSection(SectionKind::Plan, "main", "z").message(),
            "section Plan \"main\" was already added");
  EXPECT_EQ(writer.addSection(SectionKind(9), "x", "").message(),
            "section \"x\": invalid section kind 9");
  EXPECT_EQ(writer.addSection(SectionKind(0), "x", "").message(),
            "section \"x\": invalid section kind 0");
  EXPECT_EQ(writer.addSection(SectionKind::Custom, "a b", "").message(),
            "section Custom \"a b\": names must be at most 96 bytes of "
            "printable ASCII without spaces");
  EXPECT_FALSE(
      writer.addSection(SectionKind::Custom, std::string(97, 'n'), "").isOk());
  EXPECT_TRUE(
      writer.addSection(SectionKind::Custom, std::string(96, 'n'), "").isOk());
  std::vector<uint8_t> bytes = writer.serialize();
  StatusOr<Artifact> artifact =
      parseArtifact(bytes.data(), bytes.size(), "w.tccm");
  ASSERT_TRUE(artifact.isOk()) << errorOf(artifact);
  EXPECT_EQ(artifact->sections().size(), 3u);
}

TEST(ArtifactTest, WritesAndReadsFiles) {
  std::string dir = ::testing::TempDir();
  std::string path =
      dir + "tcc_artifact_test_" + std::to_string(::getpid()) + ".tccm";
  ArtifactWriter writer;
  ASSERT_TRUE(
      writer.addSection(SectionKind::Cubin, "sm_90", std::string(1000, 'c'))
          .isOk());
  ASSERT_TRUE(writer.addSection(SectionKind::Plan, "main", "p").isOk());
  ASSERT_TRUE(writer.write(path).isOk());
  EXPECT_TRUE(tcc::rt::testutil::leftoverTemporaries(path).empty());
  StatusOr<Artifact> read = readArtifact(path);
  ASSERT_TRUE(read.isOk()) << errorOf(read);
  EXPECT_EQ(read->sourceName(), path);
  EXPECT_EQ(read->findSection(SectionKind::Cubin, "sm_90")->text(),
            std::string(1000, 'c'));
  std::vector<uint8_t> serialized = writer.serialize();
  ByteSpan whole = read->fileBytes();
  EXPECT_EQ(std::vector<uint8_t>(whole.data, whole.data + whole.size),
            serialized);

  // The header is checked before the file is read in full.
  for (size_t size : {size_t(0), size_t(40), size_t(64), size_t(1100)}) {
    FILE *out = std::fopen(path.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    std::fwrite(serialized.data(), 1, size, out);
    std::fclose(out);
    EXPECT_EQ(
        readArtifact(path).status().message().rfind(path + ": truncated: ", 0),
        0u)
        << size;
  }
  ::unlink(path.c_str());
  std::string missing = dir + "tcc_no_such_dir/m.tccm";
  EXPECT_EQ(readArtifact(missing).status().message(),
            missing + ": cannot open: No such file or directory");
  EXPECT_EQ(writer.write(missing).message().rfind(
                missing + ": cannot create temporary", 0),
            0u);
  EXPECT_NE(readArtifact(dir).status().message().find("not a regular file"),
            std::string::npos);
}

} // namespace
