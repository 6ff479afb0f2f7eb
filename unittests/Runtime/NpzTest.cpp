//===- NpzTest.cpp - the .npz reader on good and hostile archives ---------===//

#include "tcc/runtime/Npz.h"

#include "tcc/runtime/Npy.h"

#include "gtest/gtest.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace tcc::rt;

namespace {

void put16(std::vector<uint8_t> &b, uint16_t v) {
  b.push_back(v & 0xff);
  b.push_back(v >> 8);
}
void put32(std::vector<uint8_t> &b, uint32_t v) {
  put16(b, v & 0xffff);
  put16(b, v >> 16);
}
void put64(std::vector<uint8_t> &b, uint64_t v) {
  put32(b, v & 0xffffffff);
  put32(b, v >> 32);
}

struct Member {
  std::string name;
  std::vector<uint8_t> data;
  uint16_t method = 0;
};

/// A zip archive as Python's zipfile writes np.savez's: stored members;
/// with `zip64`, sizes and offsets in ZIP64 extra fields and end records.
std::vector<uint8_t> zip(const std::vector<Member> &members, bool zip64) {
  std::vector<uint8_t> file, directory;
  for (const Member &m : members) {
    uint32_t offset = file.size();
    put32(file, 0x04034b50);
    put16(file, zip64 ? 45 : 20);
    put16(file, 0);
    put16(file, m.method);
    put32(file, 0); // time, date
    put32(file, 0); // crc (not checked by the reader)
    put32(file, zip64 ? 0xffffffff : m.data.size());
    put32(file, zip64 ? 0xffffffff : m.data.size());
    put16(file, m.name.size());
    put16(file, zip64 ? 20 : 0);
    file.insert(file.end(), m.name.begin(), m.name.end());
    if (zip64) {
      put16(file, 1);
      put16(file, 16);
      put64(file, m.data.size());
      put64(file, m.data.size());
    }
    file.insert(file.end(), m.data.begin(), m.data.end());

    put32(directory, 0x02014b50);
    put16(directory, 45);
    put16(directory, zip64 ? 45 : 20);
    put16(directory, 0);
    put16(directory, m.method);
    put32(directory, 0);
    put32(directory, 0);
    put32(directory, zip64 ? 0xffffffff : m.data.size());
    put32(directory, zip64 ? 0xffffffff : m.data.size());
    put16(directory, m.name.size());
    put16(directory, zip64 ? 28 : 0);
    put16(directory, 0); // comment
    put16(directory, 0); // disk
    put16(directory, 0);
    put32(directory, 0);
    put32(directory, zip64 ? 0xffffffff : offset);
    directory.insert(directory.end(), m.name.begin(), m.name.end());
    if (zip64) {
      put16(directory, 1);
      put16(directory, 24);
      put64(directory, m.data.size());
      put64(directory, m.data.size());
      put64(directory, offset);
    }
  }
  uint64_t directoryOffset = file.size();
  file.insert(file.end(), directory.begin(), directory.end());
  if (zip64) {
    uint64_t record = file.size();
    put32(file, 0x06064b50);
    put64(file, 44);
    put16(file, 45);
    put16(file, 45);
    put32(file, 0);
    put32(file, 0);
    put64(file, members.size());
    put64(file, members.size());
    put64(file, directory.size());
    put64(file, directoryOffset);
    put32(file, 0x07064b50);
    put32(file, 0);
    put64(file, record);
    put32(file, 1);
  }
  put32(file, 0x06054b50);
  put16(file, 0);
  put16(file, 0);
  put16(file, zip64 ? 0xffff : members.size());
  put16(file, zip64 ? 0xffff : members.size());
  put32(file, zip64 ? 0xffffffff : directory.size());
  put32(file, zip64 ? 0xffffffff : directoryOffset);
  put16(file, 0);
  return file;
}

HostArray sample(DType dtype, std::vector<int64_t> shape) {
  HostArray a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  a.bytes.resize(a.numElements() * dtypeSize(dtype));
  for (int64_t i = 0; i < a.numElements(); ++i)
    setElement(a, i, double(i % 7) - 3);
  return a;
}

std::vector<uint8_t> npy(const HostArray &a) { return *serializeNpy(a); }

class NpzTest : public ::testing::Test {
protected:
  std::string write(const std::vector<uint8_t> &bytes) {
    std::string path = ::testing::TempDir() + "npz_test_" +
                       std::to_string(getpid()) + "_" +
                       std::to_string(count_++) + ".npz";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    paths_.push_back(path);
    return path;
  }
  ~NpzTest() override {
    for (const std::string &p : paths_)
      std::remove(p.c_str());
  }
  std::string error(const std::vector<uint8_t> &bytes) {
    StatusOr<NamedArrays> read = readNpz(write(bytes));
    EXPECT_FALSE(read.isOk());
    return read.isOk() ? "" : read.status().message();
  }

private:
  int count_ = 0;
  std::vector<std::string> paths_;
};

TEST_F(NpzTest, ReadsStoredMembersWithAndWithoutZip64) {
  HostArray x = sample(DType::F32, {4, 3}), labels = sample(DType::I64, {4});
  for (bool zip64 : {false, true}) {
    StatusOr<NamedArrays> read = readNpz(
        write(zip({{"x.npy", npy(x)}, {"labels.npy", npy(labels)}}, zip64)));
    ASSERT_TRUE(read.isOk()) << read.status().message();
    ASSERT_EQ(read->size(), 2u);
    EXPECT_EQ((*read)[0].first, "x");
    EXPECT_EQ((*read)[0].second.bytes, x.bytes);
    EXPECT_EQ((*read)[1].first, "labels");
    EXPECT_EQ((*read)[1].second.shape, labels.shape);
  }
}

TEST_F(NpzTest, RejectsHostileArchivesWithClearErrors) {
  std::vector<uint8_t> good = zip({{"x.npy", npy(sample(DType::F32, {2}))}}, false);

  EXPECT_NE(error({'n', 'o', 't', ' ', 'a', ' ', 'z', 'i', 'p'})
                .find("not a .npz file (no zip end-of-central-directory record)"),
            std::string::npos);
  // The directory offset points past the end of the file.
  std::vector<uint8_t> bad = good;
  bad[bad.size() - 6] = 0xff;
  bad[bad.size() - 5] = 0xff;
  EXPECT_NE(error(bad).find("runs past the end of the"), std::string::npos);
  // More entries than the directory holds.
  bad = good;
  bad[bad.size() - 12] = 5;
  EXPECT_NE(error(bad).find("is malformed"), std::string::npos);
  // A member's local header offset past the end.
  bad = good;
  size_t central = bad.size() - 22 - (46 + 5);
  bad[central + 42] = 0xff;
  bad[central + 43] = 0xff;
  EXPECT_NE(error(bad).find("runs past the end"), std::string::npos);
  // A local header that is not one.
  bad = good;
  bad[0] = 'X';
  EXPECT_NE(error(bad).find("member 'x.npy' has no local header at byte 0"),
            std::string::npos);
  // Truncated: the end record is gone.
  bad.assign(good.begin(), good.end() - 10);
  EXPECT_NE(error(bad).find("no zip end-of-central-directory record"),
            std::string::npos);

  EXPECT_NE(error(zip({{"x.txt", {'h', 'i'}}}, false))
                .find("member 'x.txt' is not a .npy file"),
            std::string::npos);
  EXPECT_NE(error(zip({{"x.npy", npy(sample(DType::F32, {2})), 8}}, false))
                .find("is compressed (zip method 8); tcc reads np.savez "
                      "archives, not np.savez_compressed"),
            std::string::npos);
  EXPECT_NE(error(zip({{"x.npy", npy(sample(DType::F32, {2}))},
                       {"x.npy", npy(sample(DType::F32, {2}))}},
                      false))
                .find("holds 'x' twice"),
            std::string::npos);
  std::vector<uint8_t> garbage = npy(sample(DType::F32, {2}));
  garbage[0] = 'Z';
  EXPECT_NE(error(zip({{"w.npy", garbage}}, false)).find("(member 'w.npy')"),
            std::string::npos);
}

} // namespace
