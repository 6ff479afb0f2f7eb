//===- SafetensorsTest.cpp - Tests for the safetensors reader and writer --===//
//
// The k* blobs in SafetensorsTestData.inc are the reference implementation's
// own output, so the writer is checked byte for byte against it and the
// reader on its files.
//
//===----------------------------------------------------------------------===//

#include "TempFiles.h"

#include "tcc/runtime/Safetensors.h"

#include <cstdio>
#include <cstring>
#include "TestArrays.h"

#include <gtest/gtest.h>
#include <unistd.h>

using namespace tcc::rt;

namespace {

#include "SafetensorsTestData.inc"

StatusOr<SafetensorsFile> parse(const std::string &file) {
  return parseSafetensors(reinterpret_cast<const uint8_t *>(file.data()),
                          file.size(), "x.safetensors");
}

std::string toString(const std::vector<uint8_t> &bytes) {
  return std::string(bytes.begin(), bytes.end());
}

/// serializeSafetensors's file as a string, or "<error: ...>".
std::string serialize(const NamedArrays &tensors,
                      const std::map<std::string, std::string> &metadata = {}) {
  StatusOr<std::vector<uint8_t>> file = serializeSafetensors(tensors, metadata);
  return file.isOk() ? toString(*file)
                     : "<error: " + file.status().message() + ">";
}

/// A file with the given header JSON (unpadded) and data.
std::string makeFile(const std::string &header, const std::string &data) {
  std::string file(8, '\0');
  for (size_t i = 0; i < 8; ++i)
    file[i] = char((uint64_t(header.size()) >> (8 * i)) & 0xff);
  return file + header + data;
}

std::string entry(const std::string &dtype, const std::string &shape,
                  uint64_t begin, uint64_t end) {
  return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":[" + std::to_string(begin) + "," +
         std::to_string(end) + "]}";
}

using test::patterned;
using test::valuesOf;

std::string errorOf(const StatusOr<SafetensorsFile> &result) {
  return result.isOk() ? "<parsed successfully>" : result.status().message();
}

TEST(SafetensorsTest, ReadsReferenceFiles) {
  StatusOr<SafetensorsFile> mixed = parse(kMixed);
  ASSERT_TRUE(mixed.isOk()) << errorOf(mixed);
  ASSERT_EQ(mixed->tensors.size(), 3u);
  EXPECT_EQ(mixed->tensors[0].first, "b");
  EXPECT_EQ(mixed->tensors[1].first, "c");
  EXPECT_EQ(mixed->tensors[2].first, "a");
  EXPECT_EQ(mixed->metadata,
            (std::map<std::string, std::string>{{"format", "pt"}}));
  const HostArray *a = mixed->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, DType::F32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(valuesOf<float>(*a), (std::vector<float>{0, 0.5, 1, 1.5, 2, 2.5}));
  EXPECT_EQ(valuesOf<int64_t>(*mixed->find("b")),
            (std::vector<int64_t>{-1, int64_t(1) << 40}));
  EXPECT_EQ(valuesOf<double>(*mixed->find("c")), std::vector<double>{1.5});
  EXPECT_EQ(mixed->find("d"), nullptr);

  StatusOr<SafetensorsFile> small = parse(kSmallTypes);
  ASSERT_TRUE(small.isOk()) << errorOf(small);
  EXPECT_EQ(small->metadata.at("note"), "caf\xc3\xa9 \"q\"\n");
  std::vector<std::string> names;
  for (const auto &named : small->tensors)
    names.push_back(named.first);
  EXPECT_EQ(names,
            (std::vector<std::string>{"e", "s", "i", "g", "h", "j", "u", "k"}));
  const HostArray &h = *small->find("h");
  EXPECT_EQ(h.dtype, DType::F16);
  std::vector<uint16_t> half = valuesOf<uint16_t>(h);
  ASSERT_EQ(half.size(), 3u);
  EXPECT_EQ(halfToFloat(half[0]), 1.0f);
  EXPECT_EQ(halfToFloat(half[2]), 65504.0f);
  const HostArray &g = *small->find("g");
  EXPECT_EQ(g.dtype, DType::BF16);
  EXPECT_EQ(bf16ToFloat(valuesOf<uint16_t>(g)[1]), -2.0f);
  EXPECT_EQ(valuesOf<int32_t>(*small->find("i")),
            (std::vector<int32_t>{7, -8}));
  EXPECT_EQ(small->find("i")->shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(valuesOf<int8_t>(*small->find("j")),
            (std::vector<int8_t>{-128, 127}));
  EXPECT_EQ(small->find("u")->bytes, std::vector<uint8_t>{255});
  EXPECT_EQ(small->find("k")->dtype, DType::Bool);
  EXPECT_EQ(small->find("k")->bytes, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_TRUE(small->find("s")->shape.empty());
  EXPECT_EQ(valuesOf<float>(*small->find("s")), std::vector<float>{3.25});
  EXPECT_EQ(small->find("e")->shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(small->find("e")->bytes.empty());
}

TEST(SafetensorsTest, MatchesTheReferenceWriterByteForByte) {
  for (const std::string *blob : {&kMixed, &kSmallTypes, &kNoMetadata}) {
    StatusOr<SafetensorsFile> parsed = parse(*blob);
    ASSERT_TRUE(parsed.isOk()) << errorOf(parsed);
    EXPECT_EQ(serialize(parsed->tensors, parsed->metadata), *blob);
  }
}

TEST(SafetensorsTest, RoundTripsEveryDTypeInTheGivenOrder) {
  NamedArrays tensors;
  const DType dtypes[] = {DType::Bool, DType::F16, DType::F64,
                          DType::BF16, DType::I8,  DType::I64,
                          DType::U8,   DType::I32, DType::F32};
  const std::vector<int64_t> shapes[] = {{}, {0}, {3}, {2, 3, 1}};
  for (DType dtype : dtypes)
    for (const std::vector<int64_t> &shape : shapes)
      tensors.emplace_back(std::string("t.") + dtypeName(dtype) + "." +
                               std::to_string(tensors.size()) + "\xc3\xa9",
                           patterned(dtype, shape));
  std::map<std::string, std::string> metadata = {
      {"a", "1"}, {"tab\t", "\x01\""}, {"", ""}};
  StatusOr<std::vector<uint8_t>> serialized =
      serializeSafetensors(tensors, metadata);
  ASSERT_TRUE(serialized.isOk()) << serialized.status().message();
  const std::vector<uint8_t> &file = *serialized;
  uint64_t headerLength = 0;
  std::memcpy(&headerLength, file.data(), 8);
  EXPECT_EQ(headerLength % 8, 0u);
  StatusOr<SafetensorsFile> parsed =
      parseSafetensors(file.data(), file.size(), "x");
  ASSERT_TRUE(parsed.isOk()) << errorOf(parsed);
  EXPECT_EQ(parsed->metadata, metadata);
  ASSERT_EQ(parsed->tensors.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(parsed->tensors[i].first, tensors[i].first);
    EXPECT_EQ(parsed->tensors[i].second.dtype, tensors[i].second.dtype);
    EXPECT_EQ(parsed->tensors[i].second.shape, tensors[i].second.shape);
    EXPECT_EQ(parsed->tensors[i].second.bytes, tensors[i].second.bytes);
  }
  // No tensors at all is a valid file: "{}" padded to 8 bytes.
  EXPECT_EQ(serialize({}), std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
  StatusOr<SafetensorsFile> empty = parse(serialize({}));
  ASSERT_TRUE(empty.isOk());
  EXPECT_TRUE(empty->tensors.empty());
}

TEST(SafetensorsTest, RejectsUnsupportedDTypesByName) {
  EXPECT_EQ(errorOf(parse(kInt16)),
            "x.safetensors: tensor \"x\": dtype \"I16\" is not supported by "
            "tcc (supported: F64, F32, F16, BF16, I64, I32, I8, U8, BOOL)");
  EXPECT_EQ(errorOf(parse(
                makeFile("{\"x\":" + entry("f32", "[1]", 0, 4) + "}", "abcd"))),
            "x.safetensors: tensor \"x\": unknown dtype \"f32\" (supported: "
            "F64, F32, F16, BF16, I64, I32, I8, U8, BOOL)");
  for (const char *name : {"U16", "U32", "U64", "F8_E4M3", "F8_E5M2"})
    EXPECT_NE(
        errorOf(parse(makeFile("{\"x\":" + entry(name, "[0]", 0, 0) + "}", "")))
            .find("is not supported by tcc"),
        std::string::npos)
        << name;
}

TEST(SafetensorsTest, RejectsMalformedHeaders) {
  std::string f32x2 = entry("F32", "[2]", 0, 8);
  std::string data(8, '\0');
  const std::pair<std::string, std::string> cases[] = {
      {"", "truncated: 0 bytes is shorter than the 8-byte header length"},
      {std::string("\x10\0\0", 3), "truncated: 3 bytes is shorter"},
      {std::string("\x10\0\0\0\0\0\0\0{}", 10),
       "truncated: header length is 16 bytes but only 2 bytes follow"},
      {std::string("\x01\xe1\xf5\x05\0\0\0\0", 8),
       "header length 100000001 exceeds the limit of 100000000 bytes (is "
       "this a safetensors file?)"},
      {std::string("PK\x03\x04\x14\0\0\0", 8),
       "(this is a zip archive: a PyTorch .pt/.bin "
       "checkpoint or a .npz? convert it with "
       "safetensors.torch.save_file)"},
      {std::string("\x80\x02}q\0(X\x05", 8), "(this is a Python pickle"},
      {std::string("\x93NUMPY\x01\0", 8), "(this is a NumPy .npy file)"},
      {makeFile("{\"x\":" + f32x2, data),
       "invalid JSON in header: expected ',' or '}' after an object member "
       "at offset 53"},
      {makeFile("{\"x\":" + f32x2 + std::string("}\0", 2), data),
       "invalid JSON in header: unexpected characters after the JSON value"},
      {makeFile("{\"x\":" + f32x2 + ",\"x\":" + f32x2 + "}", data),
       "invalid JSON in header: duplicate key \"x\" at offset 54"},
      {makeFile("[]", ""), "header is an array, expected an object"},
      {makeFile("{\"\":" + f32x2 + "}", data), "a tensor has an empty name"},
      {makeFile("{\"x\":[]}", ""),
       "tensor \"x\": is an array, expected an object with dtype, shape and "
       "data_offsets"},
      {makeFile("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
                "[0,8],\"strides\":[1]}}",
                data),
       "tensor \"x\": unexpected key \"strides\" (expected only dtype, shape "
       "and data_offsets)"},
      {makeFile("{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", data),
       "tensor \"x\": missing \"shape\""},
      {makeFile("{\"x\":{\"dtype\":5,\"shape\":[2],\"data_offsets\":[0,8]}}",
                data),
       "tensor \"x\": \"dtype\" is a number, expected a string"},
      {makeFile("{\"x\":" + entry("F32", "2", 0, 8) + "}", data),
       "tensor \"x\": \"shape\" is a number, expected an array of dimensions"},
      {makeFile("{\"x\":" + entry("F32", "[-2]", 0, 8) + "}", data),
       "tensor \"x\": \"shape\" has negative dimension -2"},
      {makeFile("{\"x\":" + entry("F32", "[2.0]", 0, 8) + "}", data),
       "tensor \"x\": \"shape\" element 0 (2.0) is not an integer in [0, "
       "2^62]"},
      {makeFile("{\"x\":" + entry("F32", "[1,\"2\"]", 0, 8) + "}", data),
       "\"shape\" element 1 (a string) is not an integer"},
      {makeFile("{\"x\":" + entry("F32", "[9223372036854775807]", 0, 8) + "}",
                data),
       "element 0 (9223372036854775807) is not an integer in [0, 2^62]"},
      {makeFile("{\"x\":" + entry("F32", "[4294967296,4294967296]", 0, 8) + "}",
                data),
       "tensor \"x\": shape [4294967296, 4294967296] has more than 2^62 "
       "elements"},
      {makeFile("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
                "[0]}}",
                data),
       "tensor \"x\": \"data_offsets\" is not [begin, end] with two "
       "non-negative integers below 2^64"},
      {makeFile("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
                "[0,-8]}}",
                data),
       "\"data_offsets\" is not [begin, end]"},
      {makeFile("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
                "[0,18446744073709551616]}}",
                data),
       "\"data_offsets\" is not [begin, end]"},
      {makeFile("{\"x\":" + entry("F32", "[2]", 8, 0) + "}", data),
       "tensor \"x\": \"data_offsets\" [8, 0] end before they begin"},
      {makeFile("{\"x\":" + entry("F32", "[2]", 0, 6) + "}", data),
       "tensor \"x\": data_offsets [0, 6] hold 6 bytes but shape [2] of F32 "
       "needs 8 bytes"},
      {makeFile("{\"x\":" + entry("F64", "[2305843009213693952]", 0, 0) + "}",
                data),
       "hold 0 bytes but shape [2305843009213693952] of F64 needs more "
       "than 2^64 bytes"},
      {makeFile("{\"__metadata__\":[],\"x\":" + f32x2 + "}", data),
       "\"__metadata__\" is an array, expected an object of strings"},
      {makeFile("{\"__metadata__\":{\"k\":1},\"x\":" + f32x2 + "}", data),
       "\"__metadata__\" value of key \"k\" is a number, expected a string"},
  };
  for (const auto &[file, needle] : cases) {
    std::string message = errorOf(parse(file));
    EXPECT_EQ(message.rfind("x.safetensors: ", 0), 0u) << message;
    EXPECT_NE(message.find(needle), std::string::npos)
        << "\"" << message << "\" lacks \"" << needle << "\"";
  }
}

TEST(SafetensorsTest, TensorsMustTileTheData) {
  auto header = [](const std::string &a, const std::string &b) {
    return "{\"a\":" + a + ",\"b\":" + b + "}";
  };
  std::string data(16, '\0');
  // Any order in the header; empty tensors anywhere on a boundary.
  EXPECT_TRUE(parse(makeFile(header(entry("F32", "[2]", 8, 16),
                                    entry("I64", "[1]", 0, 8)),
                             data))
                  .isOk());
  EXPECT_TRUE(parse(makeFile("{\"z\":" + entry("U8", "[0]", 16, 16) + "," +
                                 header(entry("F32", "[2]", 8, 16),
                                        entry("I64", "[1]", 0, 8))
                                     .substr(1),
                             data))
                  .isOk());
  const std::pair<std::string, std::string> cases[] = {
      {makeFile(header(entry("F32", "[2]", 0, 8), entry("F32", "[1]", 12, 16)),
                data),
       "x.safetensors: bytes [8, 12) of the data belong to no tensor (the gap "
       "ends at tensor \"b\"); tensors must cover the data with no holes"},
      {makeFile(header(entry("F32", "[2]", 4, 12), entry("F32", "[1]", 12, 16)),
                data),
       "x.safetensors: bytes [0, 4) of the data belong to no tensor"},
      {makeFile(header(entry("F32", "[3]", 0, 12), entry("F32", "[2]", 8, 16)),
                data),
       "x.safetensors: tensor \"b\" (data_offsets [8, 16]) overlaps tensor "
       "\"a\" (data_offsets [0, 12])"},
      {makeFile(header(entry("F32", "[4]", 0, 16), entry("U8", "[0]", 4, 4)),
                data),
       "x.safetensors: tensor \"b\" (data_offsets [4, 4]) overlaps tensor "
       "\"a\" (data_offsets [0, 16])"},
      {makeFile(header(entry("F32", "[4]", 0, 16), entry("F32", "[4]", 0, 16)),
                data),
       "x.safetensors: tensor \"b\" (data_offsets [0, 16]) overlaps tensor "
       "\"a\""},
      {makeFile(header(entry("F32", "[2]", 0, 8), entry("F32", "[2]", 8, 16)),
                data.substr(0, 13)),
       "x.safetensors: truncated: the tensors need 16 bytes of data but 13 "
       "bytes follow the header (3 bytes missing)"},
      {makeFile(header(entry("F32", "[2]", 0, 8), entry("F32", "[2]", 8, 16)),
                data + "xyz"),
       "x.safetensors: 3 unexpected trailing bytes: the tensors cover 16 "
       "bytes of data but 19 bytes follow the header"},
  };
  for (const auto &[file, expected] : cases) {
    std::string message = errorOf(parse(file));
    EXPECT_EQ(message.rfind(expected, 0), 0u)
        << "\"" << message << "\" does not start with \"" << expected << "\"";
  }
}

// Every truncation and many single-byte corruptions of a real file must fail
// cleanly or parse consistently (run under ASan/UBSan to catch overreads).
TEST(SafetensorsTest, SurvivesCorruptedInput) {
  for (size_t size = 0; size < kSmallTypes.size(); ++size)
    EXPECT_FALSE(parse(kSmallTypes.substr(0, size)).isOk()) << size;
  for (size_t i = 0; i < kMixed.size(); ++i) {
    for (int value : {0x00, 0x01, 0x22, 0x2c, 0x30, 0x39, 0x5b, 0x7d, 0xff}) {
      std::string file = kMixed;
      file[i] = char(value);
      StatusOr<SafetensorsFile> parsed = parse(file);
      if (!parsed.isOk())
        continue;
      for (const auto &named : parsed->tensors)
        EXPECT_EQ(int64_t(named.second.bytes.size()),
                  named.second.numElements() *
                      int64_t(dtypeSize(named.second.dtype)));
    }
  }
}

TEST(SafetensorsTest, WriterRejectsUnrepresentableInput) {
  HostArray ok = patterned(DType::F32, {2});
  HostArray wrongSize = patterned(DType::F32, {2, 3});
  wrongSize.bytes.pop_back();
  const std::pair<NamedArrays, std::string> cases[] = {
      {{{"", ok}}, "tensor 0 has an empty name"},
      {{{"__metadata__", ok}},
       "tensor name \"__metadata__\" is reserved for the file's metadata"},
      {{{"a\xff", ok}}, "tensor name \"a\\xff\" is not valid UTF-8"},
      {{{"a", ok}, {"b", ok}, {"a", ok}}, "tensor name \"a\" occurs twice"},
      {{{"w", wrongSize}},
       "tensor \"w\": array holds 23 bytes but shape [2, 3] of f32 needs 6 x "
       "4 bytes"},
      {{{"n", HostArray{DType::I8, {-1}, {}}}},
       "tensor \"n\": invalid shape [-1] (negative dimension or more than "
       "2^62 elements)"},
  };
  for (const auto &[tensors, expected] : cases) {
    EXPECT_EQ(checkSafetensorsWritable(tensors).message(), expected);
    EXPECT_EQ(serializeSafetensors(tensors).status().message(), expected);
  }
  EXPECT_EQ(
      checkSafetensorsWritable({{"a", ok}}, {{"k", "\xc0\x80"}}).message(),
      "metadata entry \"k\" is not valid UTF-8");
}

TEST(SafetensorsTest, BoundsTheValuesInAHeader) {
  EXPECT_EQ(safetensorsMaxHeaderValues(0), 1024u);
  EXPECT_EQ(safetensorsMaxHeaderValues(4003), 2024u);
  EXPECT_EQ(safetensorsMaxHeaderValues(kSafetensorsMaxHeaderLength),
            kSafetensorsMaxHeaderValues);

  // Values that cost memory but no bytes: 20,001 in a 60,001-byte header.
  std::string arrays = "[[]";
  for (int i = 1; i < 20000; ++i)
    arrays += ",[]";
  arrays += "]";
  EXPECT_EQ(errorOf(parse(makeFile(arrays, ""))),
            "x.safetensors: header has more than 16024 JSON values, the most "
            "tcc reads in a header of 60001 bytes (1024 + 1 per 4 bytes, at "
            "most 1048576, to bound memory); real headers have far fewer, so "
            "the file is corrupt or crafted");
  // The reported case, an 11 MB header of them, stops at the overall limit
  // instead of taking some 380 MB.
  arrays = "[[]";
  for (int i = 1; i < 11000000 / 3; ++i)
    arrays += ",[]";
  arrays += "]";
  EXPECT_EQ(errorOf(parse(makeFile(arrays, "")))
                .rfind("x.safetensors: header has more than 1048576 JSON "
                       "values, the most tcc reads in a header of " +
                           std::to_string(arrays.size()) + " bytes",
                       0),
            0u);

  // The writer refuses exactly the headers the reader would: one tensor
  // whose shape has many dimensions, around where it crosses the limit.
  bool accepted = false, refused = false;
  for (size_t rank = 2040; rank < 2080; ++rank) {
    HostArray ones{DType::U8, std::vector<int64_t>(rank, 1), {42}};
    std::string json = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1";
    for (size_t i = 1; i < rank; ++i)
      json += ",1";
    json += "],\"data_offsets\":[0,1]}}";
    json.append((8 - json.size() % 8) % 8, ' ');
    Status writable = checkSafetensorsWritable({{"a", ones}});
    StatusOr<SafetensorsFile> read = parse(makeFile(json, "*"));
    EXPECT_EQ(writable.isOk(), read.isOk()) << rank;
    if (writable.isOk()) {
      accepted = true;
      EXPECT_EQ(serialize({{"a", ones}}), makeFile(json, "*")) << rank;
    } else {
      refused = true;
      uint64_t limit = safetensorsMaxHeaderValues(json.size());
      EXPECT_EQ(writeSafetensors("/nonexistent/x", {{"a", ones}}).message(),
                "/nonexistent/x: " + writable.message());
      EXPECT_EQ(writable.message(),
                "the header would hold " + std::to_string(rank + 7) +
                    " JSON values, more than the " + std::to_string(limit) +
                    " that tcc reads in a header of " +
                    std::to_string(json.size()) +
                    " bytes (1024 + 1 per 4 bytes, at most 1048576); split "
                    "the tensors across several files");
    }
  }
  EXPECT_TRUE(accepted);
  EXPECT_TRUE(refused);

  // Too many tensors for one file.
  NamedArrays many;
  for (int i = 0; i < 150000; ++i)
    many.emplace_back("t" + std::to_string(i), HostArray{DType::U8, {0}, {}});
  EXPECT_EQ(checkSafetensorsWritable(many).message().rfind(
                "the header would hold 1050001 JSON values, more than the "
                "1048576 that tcc reads",
                0),
            0u)
      << checkSafetensorsWritable(many).message();
}

TEST(SafetensorsTest, WriterKeepsTheHeaderWithinTheReadersLimit) {
  // {"__metadata__":{"k":"<value>"}} is 25 bytes and the value.
  std::map<std::string, std::string> metadata;
  metadata["k"].assign(kSafetensorsMaxHeaderLength - 25, 'v');
  EXPECT_TRUE(checkSafetensorsWritable({}, metadata).isOk());
  metadata["k"] += 'v';
  EXPECT_EQ(serializeSafetensors({}, metadata).status().message(),
            "the header would take 100000008 bytes, over the limit of "
            "100000000 bytes that readers (tcc's and the reference's) "
            "accept; split the tensors across several files or shorten the "
            "metadata");
}

TEST(SafetensorsTest, WritesAndReadsFiles) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "tcc_safetensors_test_" +
                     std::to_string(::getpid()) + ".safetensors";
  NamedArrays tensors = {{"w", patterned(DType::BF16, {3, 2})},
                         {"b", patterned(DType::Bool, {5})},
                         {"s", patterned(DType::I64, {})}};
  ASSERT_TRUE(writeSafetensors(path, tensors, {{"format", "pt"}}).isOk());
  EXPECT_TRUE(tcc::rt::testutil::leftoverTemporaries(path).empty());
  StatusOr<SafetensorsFile> read = readSafetensors(path);
  ASSERT_TRUE(read.isOk()) << errorOf(read);
  EXPECT_EQ(read->metadata.at("format"), "pt");
  ASSERT_EQ(read->tensors.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(read->tensors[i].first, tensors[i].first);
    EXPECT_EQ(read->tensors[i].second.shape, tensors[i].second.shape);
    EXPECT_EQ(read->tensors[i].second.bytes, tensors[i].second.bytes);
  }

  // The file reader applies the same checks, reading only what they allow.
  std::vector<uint8_t> bytes = *serializeSafetensors(tensors);
  for (size_t size : {size_t(0), size_t(5), size_t(20), bytes.size() - 1}) {
    FILE *out = std::fopen(path.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    std::fwrite(bytes.data(), 1, size, out);
    std::fclose(out);
    StatusOr<SafetensorsFile> truncated = readSafetensors(path);
    ASSERT_FALSE(truncated.isOk()) << size;
    EXPECT_EQ(truncated.status().message().rfind(path + ": truncated: ", 0), 0u)
        << truncated.status().message();
  }

  Status bad = writeSafetensors(path, {{"", tensors[0].second}});
  EXPECT_EQ(bad.message(), path + ": tensor 0 has an empty name");
  ::unlink(path.c_str());
  std::string missing = dir + "tcc_no_such_dir/a.safetensors";
  EXPECT_EQ(readSafetensors(missing).status().message(),
            missing + ": cannot open: No such file or directory");
  EXPECT_EQ(writeSafetensors(missing, tensors)
                .message()
                .rfind(missing + ": cannot create temporary", 0),
            0u);
  EXPECT_NE(readSafetensors(dir).status().message().find("not a regular file"),
            std::string::npos);
}

TEST(SafetensorsTest, ChecksTensorsAgainstTheModel) {
  std::map<std::string, TensorType> expected = {
      {"fc.weight", {DType::F32, {784, 10}}},
      {"fc.bias", {DType::F32, {10}}},
      {"emb", {DType::BF16, {4, 2}}},
      {"scale", {DType::F32, {}}}};
  NamedArrays actual = {{"fc.weight", patterned(DType::F32, {784, 10})},
                        {"fc.bias", patterned(DType::F32, {10})},
                        {"emb", patterned(DType::BF16, {4, 2})},
                        {"scale", patterned(DType::F32, {})}};
  EXPECT_TRUE(checkTensorsMatch(expected, actual, "w.safetensors").isOk());

  NamedArrays wrong = {{"fc.weight", patterned(DType::F32, {10, 784})},
                       {"model.fc.bias", patterned(DType::F32, {10})},
                       {"emb", patterned(DType::F16, {4, 2})},
                       {"extra", patterned(DType::I8, {3})},
                       {"extra", patterned(DType::I8, {3})}};
  EXPECT_EQ(checkTensorsMatch(expected, wrong, "w.safetensors").message(),
            "w.safetensors: the tensors do not match the model (2 missing, 2 "
            "wrong dtype or shape, 2 unexpected, 1 duplicated):\n"
            "  missing \"fc.bias\": the model expects f32 [10] (the file has "
            "\"model.fc.bias\")\n"
            "  missing \"scale\": the model expects f32 []\n"
            "  \"emb\" is f16 [4, 2] but the model expects bf16 [4, 2]\n"
            "  \"fc.weight\" is f32 [10, 784] but the model expects f32 [784, "
            "10]\n"
            "  unexpected \"extra\" (i8 [3]): the model has no such tensor\n"
            "  unexpected \"model.fc.bias\" (f32 [10]): the model has no such "
            "tensor (it expects \"fc.bias\")\n"
            "  \"extra\" occurs 2 times");
  EXPECT_EQ(
      checkTensorsMatch({}, {{"w", patterned(DType::U8, {1})}}, "f").message(),
      "f: the tensors do not match the model (1 unexpected):\n"
      "  unexpected \"w\" (u8 [1]): the model has no such tensor");
}

} // namespace
