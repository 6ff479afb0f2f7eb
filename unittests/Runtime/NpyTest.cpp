//===- NpyTest.cpp - Tests for the .npy reader and writer -----------------===//
//
// The k* blobs in NpyTestData.inc are real np.save output, so the writer is
// checked byte for byte against NumPy and the reader on NumPy's own files.
//
//===----------------------------------------------------------------------===//

#include "TempFiles.h"

#include "tcc/runtime/Npy.h"

#include <csignal>
#include <cstring>
#include "TestArrays.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace tcc::rt;
using tcc::rt::testutil::leftoverTemporaries;

namespace {

#include "NpyTestData.inc"

std::string toString(const std::vector<uint8_t> &bytes) {
  return std::string(bytes.begin(), bytes.end());
}

StatusOr<HostArray> parse(const std::string &file) {
  return parseNpy(reinterpret_cast<const uint8_t *>(file.data()), file.size(),
                  "x.npy");
}

/// A .npy file with the given header dict (padded like numpy) and data.
std::string makeNpy(const std::string &dict, const std::string &data,
                    int major = 1) {
  size_t lengthBytes = major == 1 ? 2 : 4;
  std::string header = dict;
  while ((8 + lengthBytes + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::string file = "\x93NUMPY";
  file += char(major);
  file += '\0';
  for (size_t i = 0; i < lengthBytes; ++i)
    file += char((header.size() >> (8 * i)) & 0xff);
  return file + header + data;
}

std::string dictFor(const std::string &descr, const std::string &shape) {
  return "{'descr': '" + descr +
         "', 'fortran_order': False, 'shape': " + shape + ", }";
}

using test::patterned;
using test::valuesOf;

::testing::AssertionResult failsWith(const StatusOr<HostArray> &result,
                                     const std::string &needle) {
  if (result.isOk())
    return ::testing::AssertionFailure() << "parsed successfully";
  const std::string &message = result.status().message();
  if (message.rfind("x.npy: ", 0) != 0 ||
      message.find(needle) == std::string::npos)
    return ::testing::AssertionFailure()
           << "message \"" << message << "\" lacks \"" << needle << "\"";
  return ::testing::AssertionSuccess();
}

constexpr DType kNpyDTypes[] = {DType::F64, DType::F32, DType::F16,
                                DType::I64, DType::I32, DType::I8,
                                DType::U8,  DType::Bool};

TEST(NpyTest, RoundTripsEveryDTypeAndShape) {
  const std::vector<int64_t> shapes[] = {{}, {0}, {3}, {2, 3, 4}};
  for (DType dtype : kNpyDTypes) {
    for (const std::vector<int64_t> &shape : shapes) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " rank " +
                   std::to_string(shape.size()));
      HostArray array = patterned(dtype, shape);
      StatusOr<std::vector<uint8_t>> serialized = serializeNpy(array);
      ASSERT_TRUE(serialized.isOk()) << serialized.status().message();
      std::vector<uint8_t> &file = *serialized;
      // Data starts 64-byte aligned, after a header ending in '\n'.
      size_t dataStart = file.size() - array.bytes.size();
      EXPECT_EQ(dataStart % 64, 0u);
      EXPECT_EQ(file[dataStart - 1], '\n');
      StatusOr<HostArray> parsed = parseNpy(file.data(), file.size(), "x");
      ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
      EXPECT_EQ(parsed->dtype, dtype);
      EXPECT_EQ(parsed->shape, shape);
      EXPECT_EQ(parsed->bytes, array.bytes);
    }
  }
}

TEST(NpyTest, MatchesNumpyByteForByte) {
  for (const std::string *blob :
       {&kF32, &kF64, &kF16, &kI64, &kI8, &kU8, &kBool}) {
    StatusOr<HostArray> parsed = parse(*blob);
    ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
    StatusOr<std::vector<uint8_t>> serialized = serializeNpy(*parsed);
    ASSERT_TRUE(serialized.isOk()) << serialized.status().message();
    EXPECT_EQ(toString(*serialized), *blob);
  }
}

TEST(NpyTest, ReadsNumpyValues) {
  StatusOr<HostArray> f32 = parse(kF32);
  ASSERT_TRUE(f32.isOk());
  EXPECT_EQ(f32->dtype, DType::F32);
  EXPECT_EQ(f32->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(valuesOf<float>(*f32),
            (std::vector<float>{0, 0.5, 1, 1.5, 2, 2.5}));
  StatusOr<HostArray> f64 = parse(kF64);
  ASSERT_TRUE(f64.isOk());
  EXPECT_EQ(f64->shape, (std::vector<int64_t>{2, 1, 2}));
  EXPECT_EQ(valuesOf<double>(*f64), (std::vector<double>{1.5, -2, 1e300, 0}));
  StatusOr<HostArray> f16 = parse(kF16);
  ASSERT_TRUE(f16.isOk());
  EXPECT_EQ(f16->dtype, DType::F16);
  EXPECT_EQ(f16->shape, std::vector<int64_t>{0});
  EXPECT_TRUE(f16->bytes.empty());
  StatusOr<HostArray> i64 = parse(kI64);
  ASSERT_TRUE(i64.isOk());
  EXPECT_EQ(valuesOf<int64_t>(*i64),
            (std::vector<int64_t>{-1, int64_t(1) << 40}));
  StatusOr<HostArray> i8 = parse(kI8);
  ASSERT_TRUE(i8.isOk());
  EXPECT_EQ(valuesOf<int8_t>(*i8), (std::vector<int8_t>{-1, 0, 127}));
  StatusOr<HostArray> u8 = parse(kU8);
  ASSERT_TRUE(u8.isOk());
  EXPECT_EQ(u8->bytes, (std::vector<uint8_t>{0, 255, 7, 8}));
  StatusOr<HostArray> scalar = parse(kBool);
  ASSERT_TRUE(scalar.isOk());
  EXPECT_EQ(scalar->dtype, DType::Bool);
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->bytes, std::vector<uint8_t>{1});
}

TEST(NpyTest, ReadsFormatVersions2And3) {
  for (const std::string *blob : {&kI32V2, &kI32V3}) {
    StatusOr<HostArray> parsed = parse(*blob);
    ASSERT_TRUE(parsed.isOk()) << parsed.status().message();
    EXPECT_EQ(parsed->shape, std::vector<int64_t>{3});
    EXPECT_EQ(valuesOf<int32_t>(*parsed), (std::vector<int32_t>{0, 1, 2}));
  }
}

TEST(NpyTest, ConvertsFortranOrderToCOrder) {
  StatusOr<HostArray> transposed = parse(kFortranI32);
  ASSERT_TRUE(transposed.isOk()) << transposed.status().message();
  EXPECT_EQ(transposed->shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(valuesOf<int32_t>(*transposed),
            (std::vector<int32_t>{0, 3, 1, 4, 2, 5}));
  StatusOr<HostArray> cube = parse(kFortranI8);
  ASSERT_TRUE(cube.isOk()) << cube.status().message();
  EXPECT_EQ(cube->shape, (std::vector<int64_t>{2, 3, 4}));
  for (size_t i = 0; i < 24; ++i)
    EXPECT_EQ(cube->bytes[i], i);
  // Empty and rank-1 Fortran arrays need no reordering.
  std::string empty = "{'descr': '<f4', 'fortran_order': True, "
                      "'shape': (0, 3), }";
  EXPECT_TRUE(parse(makeNpy(empty, "")).isOk());
}

TEST(NpyTest, AcceptsHeaderVariants) {
  std::string data(24, '\x01');
  const char *dicts[] = {
      "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
      "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}",
      "{'descr':'=f4','fortran_order':False,'shape':(2,3,)}",
      (" {\t'descr' : '<f4' ,\n'fortran_order' : False , 'shape' : ( 2L , 3L "
       ") , } \n\n"),
  };
  for (const char *dict : dicts) {
    StatusOr<HostArray> parsed = parse(makeNpy(dict, data));
    ASSERT_TRUE(parsed.isOk()) << dict << ": " << parsed.status().message();
    EXPECT_EQ(parsed->dtype, DType::F32);
    EXPECT_EQ(parsed->shape, (std::vector<int64_t>{2, 3}));
  }
  // No padding at all, and a version 2.0 header.
  std::string bare = dictFor("|u1", "(2,)");
  EXPECT_TRUE(parse(std::string("\x93NUMPY\x01\x00", 8) + char(bare.size()) +
                    '\0' + bare + "ab")
                  .isOk());
  EXPECT_TRUE(
      parse(makeNpy(dictFor("<i8", "()"), data.substr(0, 8), 2)).isOk());
}

TEST(NpyTest, NormalizesBools) {
  StatusOr<HostArray> parsed =
      parse(makeNpy(dictFor("|b1", "(3,)"), std::string("\x00\x02\xff", 3)));
  ASSERT_TRUE(parsed.isOk());
  EXPECT_EQ(parsed->bytes, (std::vector<uint8_t>{0, 1, 1}));
}

TEST(NpyTest, RejectsMalformedFiles) {
  const std::string good = dictFor("<f4", "(3, 4)");
  const std::string data(48, '\0');
  std::string v4 = makeNpy(good, data);
  v4[6] = 4;
  std::string v11 = makeNpy(good, data);
  v11[7] = 1;
  const std::pair<std::string, std::string> cases[] = {
      {"", "truncated: 0 bytes is shorter than the 10-byte .npy preamble"},
      {"\x93NUMPY\x01", "shorter than the 10-byte"},
      {"PK\x03\x04 zip file", "not a .npy file: bad magic \"PK\\x03\\x04 z\""},
      {"\x93NUMPZ\x01\x00\x00\x00", "bad magic"},
      {std::string("\x93NUMPY\x02\x00\x00\x00", 10), "12-byte .npy version 2"},
      {v4, "unsupported .npy format version 4.0"},
      {v11, "unsupported .npy format version 1.1"},
      {std::string("\x93NUMPY\x02\x00\x00\x00\x20\x00", 12),
       "header length 2097152 exceeds the limit of 1048576 bytes"},
      {std::string("\x93NUMPY\x01\x00\xc8\x00", 10) + std::string(50, ' '),
       "header length is 200 bytes but only 50 bytes follow"},
      {makeNpy("", data), "expected '{'"},
      {makeNpy("['descr']", data), "expected '{'"},
      {makeNpy("{'descr': '<f4' 'shape': (3, 4)}", data),
       "expected ',' or '}' after the value of 'descr'"},
      {makeNpy("{'descr' '<f4'}", data), "expected ':' after key 'descr'"},
      {makeNpy("{'descr': '<f4, 'shape': (3, 4)}", data),
       "expected ',' or '}' after the value of 'descr' at offset 17"},
      {makeNpy("{'descr': '<f4", data), "unterminated string"},
      {makeNpy("{descr: '<f4'}", data), "expected a quoted string"},
      {makeNpy("{'descr': 'a\\x'}", data), "unsupported character"},
      {makeNpy(good + " x", data), "unexpected characters after '}'"},
      {makeNpy(good.substr(0, good.size() - 1), data), "expected a quoted"},
      {makeNpy("{'descr': '<f4', 'shape': (3, 4)}", data),
       "missing key 'fortran_order'"},
      {makeNpy("{'descr': '<f4', 'descr': '<f4'}", data),
       "duplicate key 'descr'"},
      {makeNpy("{'descr': '<f4', 'strides': (4,)}", data),
       "unexpected key \"strides\""},
      {makeNpy("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}", data),
       "expected True or False"},
      {makeNpy(dictFor("<f4", "(12)"), data), "'shape' (12) is not a tuple"},
      {makeNpy(dictFor("<f4", "[12]"), data), "expected a tuple"},
      {makeNpy(dictFor("<f4", "(3, x)"), data), "expected an integer"},
      {makeNpy(dictFor("<f4", "(3 4)"), data), "expected ',' or ')'"},
      {makeNpy(dictFor("<u2", "(3, 4)"), data),
       "unsupported dtype \"<u2\"; supported dtypes: f8, f4, f2, i8, i4, i1, "
       "u1, b1"},
      {makeNpy(dictFor("", "(3, 4)"), data), "unsupported dtype"},
      {makeNpy(dictFor("|O", "(3, 4)"), data),
       "unsupported dtype \"|O\" (object arrays of pickled Python objects)"},
      {makeNpy(dictFor("<U3", "(3, 4)"), data), "(unicode strings)"},
      {makeNpy(dictFor("<c8", "(3, 4)"), data), "(complex)"},
      {makeNpy("{'descr': [('a', '<f4')], 'fortran_order': False, "
               "'shape': (3, 4)}",
               data),
       "structured dtypes"},
      {makeNpy(dictFor(">f4", "(3, 4)"), data),
       "big-endian dtype '>f4' is not supported; convert it in NumPy with "
       "arr.astype('<f4')"},
      {makeNpy(dictFor("<f4", "(3, -4)"), data), "negative dimension -4"},
      {makeNpy(dictFor("<f4", "(4294967296, 4294967296, 2)"), data),
       "shape (4294967296, 4294967296, 2) has more than 2^62 elements"},
      {makeNpy(dictFor("<f4", "(99999999999999999999999,)"), data),
       "dimension 99999999999999999999999 in 'shape' exceeds 2^62"},
      {makeNpy(dictFor("<f4", "(2, 3)"), data), "24 unexpected trailing bytes"},
      {makeNpy(dictFor("<f8", "(4611686018427387904,)"), data),
       "declares 4611686018427387904 elements of f64 (more than 2^64 bytes)"},
  };
  for (const auto &[file, needle] : cases)
    EXPECT_TRUE(failsWith(parse(file), needle)) << needle;

  std::string manyDims = "(";
  for (int i = 0; i < 65; ++i)
    manyDims += "1, ";
  EXPECT_TRUE(failsWith(parse(makeNpy(dictFor("<f4", manyDims + ")"), "")),
                        "'shape' has more than 64 dimensions"));
}

TEST(NpyTest, DataSizeMustMatchExactly) {
  std::string dict = dictFor("<f4", "(3, 4)");
  StatusOr<HostArray> truncated = parse(makeNpy(dict, std::string(40, '\0')));
  ASSERT_FALSE(truncated.isOk());
  EXPECT_EQ(truncated.status().message(),
            "x.npy: truncated: header declares 12 elements of f32 (48 bytes) "
            "but 40 bytes of data follow");
  StatusOr<HostArray> trailing = parse(makeNpy(dict, std::string(56, '\0')));
  ASSERT_FALSE(trailing.isOk());
  EXPECT_EQ(trailing.status().message(),
            "x.npy: 8 unexpected trailing bytes: header declares 12 elements "
            "of f32 (48 bytes) but 56 bytes of data follow");
}

// Every truncation and many single-byte corruptions of a real file must fail
// cleanly or parse consistently (run under ASan/UBSan to catch overreads).
TEST(NpyTest, SurvivesCorruptedInput) {
  for (size_t size = 0; size < kF32.size(); ++size)
    EXPECT_FALSE(parse(kF32.substr(0, size)).isOk()) << size;
  for (size_t i = 0; i < kFortranI32.size(); ++i) {
    for (int value : {0x00, 0x20, 0x27, 0x28, 0x2c, 0x31, 0x7d, 0xff}) {
      std::string file = kFortranI32;
      file[i] = char(value);
      StatusOr<HostArray> parsed = parse(file);
      if (parsed.isOk()) {
        EXPECT_EQ(int64_t(parsed->bytes.size()),
                  parsed->numElements() * int64_t(dtypeSize(parsed->dtype)));
      }
    }
  }
}

TEST(NpyTest, WriterRejectsUnrepresentableArrays) {
  HostArray bf16 = patterned(DType::BF16, {2});
  Status status = checkNpyWritable(bf16);
  EXPECT_NE(status.message().find("convert the array to f32"),
            std::string::npos);
  EXPECT_EQ(serializeNpy(bf16).status().message(), status.message());
  HostArray wrongSize = patterned(DType::F32, {2, 3});
  wrongSize.bytes.pop_back();
  EXPECT_EQ(checkNpyWritable(wrongSize).message(),
            "array holds 23 bytes but shape (2, 3) of f32 needs 6 x 4 bytes");
  HostArray negative{DType::I8, {-1}, {}};
  EXPECT_NE(checkNpyWritable(negative).message().find("invalid shape (-1,)"),
            std::string::npos);
  EXPECT_EQ(serializeNpy(negative).status().message(),
            checkNpyWritable(negative).message());
}

TEST(NpyTest, WritesAndReadsFiles) {
  std::string dir = ::testing::TempDir();
  std::string path =
      dir + "tcc_npy_test_" + std::to_string(::getpid()) + ".npy";
  HostArray array = patterned(DType::F16, {2, 3, 4});
  ASSERT_TRUE(writeNpy(path, array).isOk());
  EXPECT_NE(::access(path.c_str(), F_OK), -1);
  EXPECT_TRUE(leftoverTemporaries(path).empty());
  StatusOr<HostArray> read = readNpy(path);
  ASSERT_TRUE(read.isOk()) << read.status().message();
  EXPECT_EQ(read->shape, array.shape);
  EXPECT_EQ(read->bytes, array.bytes);

  // A failed write leaves the previous file intact.
  Status bf16 = writeNpy(path, patterned(DType::BF16, {1}));
  EXPECT_EQ(bf16.message().rfind(path + ": bf16 has no NumPy dtype", 0), 0u);
  EXPECT_TRUE(readNpy(path).isOk());
  ::unlink(path.c_str());

  std::string missing = dir + "tcc_no_such_dir/a.npy";
  Status noDir = writeNpy(missing, array);
  EXPECT_EQ(noDir.message().rfind(missing + ": cannot create temporary", 0),
            0u);
  EXPECT_NE(noDir.message().find("No such file or directory"),
            std::string::npos);
  StatusOr<HostArray> notFound = readNpy(missing);
  ASSERT_FALSE(notFound.isOk());
  EXPECT_EQ(notFound.status().message(),
            missing + ": cannot open: No such file or directory");

  // A write that fails midway (here: the file size limit, standing in for a
  // full disk) reports the OS error and leaves no file behind.
  struct rlimit oldLimit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &oldLimit), 0);
  struct rlimit smallLimit = oldLimit;
  smallLimit.rlim_cur = 100;
  void (*oldHandler)(int) = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &smallLimit), 0);
  Status tooBig = writeNpy(path, array);
  ::setrlimit(RLIMIT_FSIZE, &oldLimit);
  std::signal(SIGXFSZ, oldHandler);
  EXPECT_EQ(tooBig.message(), path + ": write failed: File too large");
  EXPECT_EQ(::access(path.c_str(), F_OK), -1);
  EXPECT_TRUE(leftoverTemporaries(path).empty());

  // Renaming onto a directory fails; the temporary file must be removed.
  Status ontoDir = writeNpy(dir, array);
  EXPECT_NE(ontoDir.message().find("cannot rename"), std::string::npos);
  EXPECT_TRUE(leftoverTemporaries(dir).empty());
  StatusOr<HostArray> readDir = readNpy(dir);
  ASSERT_FALSE(readDir.isOk());
  EXPECT_NE(readDir.status().message().find("not a regular file"),
            std::string::npos);
}

} // namespace
