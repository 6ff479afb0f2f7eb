//===- FileIOTest.cpp - Tests for the file access the formats share -------===//
//
// FileIO.h is internal to TCCRuntimeFormats, so these tests go through the
// public readers and writers, which all open and replace files through it.
//
//===----------------------------------------------------------------------===//

#include "TempFiles.h"

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Npy.h"
#include "tcc/runtime/Safetensors.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <future>
#include <gtest/gtest.h>
#include <optional>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace tcc::rt;
using tcc::rt::testutil::leftoverTemporaries;
using tcc::rt::testutil::TempDir;

namespace {

/// The error each reader gives for `path`, or "<read successfully>".
std::vector<std::string> readErrors(const std::string &path) {
  std::vector<std::string> errors;
  auto add = [&](const Status &status) {
    errors.push_back(status ? "<read successfully>" : status.message());
  };
  add(readNpy(path).status());
  add(readSafetensors(path).status());
  add(readArtifact(path).status());
  return errors;
}

std::string fileContents(const std::string &path) {
  std::string text;
  if (FILE *in = std::fopen(path.c_str(), "rb")) {
    char buffer[4096];
    for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), in)) > 0;)
      text.append(buffer, n);
    std::fclose(in);
  }
  return text;
}

HostArray filled(uint8_t value, int64_t size) {
  return HostArray{
      DType::U8, {size}, std::vector<uint8_t>(size_t(size), value)};
}

/// The counter in the temporary name of the writer's next call, learnt from
/// a write that fails to create its temporary file (whose name the error
/// gives). Valid while no other thread writes.
std::optional<uint64_t> nextTemporaryNumber(const TempDir &dir) {
  std::string missing = dir / "no_such_dir/x.npy";
  std::string message = writeNpy(missing, filled(0, 1)).message();
  std::string prefix = missing + ": cannot create temporary file '" + missing +
                       ".tmp." + std::to_string(::getpid()) + ".";
  if (message.rfind(prefix, 0) != 0)
    return std::nullopt;
  return std::stoull(message.substr(prefix.size())) + 1;
}

TEST(FileIOTest, ReadersRejectAFifoWithoutBlocking) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string fifo = dir / "input";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  // Nothing ever writes to the FIFO, so a plain open() for reading would
  // wait forever. Should it block, opening the write end releases it and the
  // test fails instead of hanging.
  std::future<std::vector<std::string>> errors =
      std::async(std::launch::async, readErrors, fifo);
  if (errors.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "reading a FIFO blocked";
    while (errors.wait_for(std::chrono::milliseconds(10)) !=
           std::future_status::ready) {
      int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0)
        ::close(fd);
    }
  }
  for (const std::string &error : errors.get())
    EXPECT_EQ(error, fifo + ": not a regular file");
  for (const std::string &error : readErrors("/dev/null"))
    EXPECT_EQ(error, "/dev/null: not a regular file");
}

TEST(FileIOTest, WritersDoNotFollowAPlantedTemporary) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string path = dir / "w.npy", victim = dir / "victim";
  {
    FILE *out = std::fopen(victim.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    std::fputs("precious", out);
    std::fclose(out);
  }
  std::string pid = std::to_string(::getpid());
  std::optional<uint64_t> next = nextTemporaryNumber(dir);
  ASSERT_TRUE(next.has_value());
  // Symlinks to the victim at the old fixed name and at the next names the
  // writer will try: it must skip them, not write through them.
  std::vector<std::string> planted = {path + ".tmp." + pid};
  for (uint64_t n = *next; n < *next + 5; ++n)
    planted.push_back(path + ".tmp." + pid + "." + std::to_string(n));
  for (const std::string &link : planted)
    ASSERT_EQ(::symlink(victim.c_str(), link.c_str()), 0)
        << std::strerror(errno);
  HostArray array = filled(7, 100);
  ASSERT_TRUE(writeNpy(path, array).isOk());
  EXPECT_EQ(fileContents(victim), "precious");
  StatusOr<HostArray> read = readNpy(path);
  ASSERT_TRUE(read.isOk()) << read.status().message();
  EXPECT_EQ(read->bytes, array.bytes);
  struct stat info;
  for (const std::string &link : planted) {
    ASSERT_EQ(::lstat(link.c_str(), &info), 0) << link;
    EXPECT_TRUE(S_ISLNK(info.st_mode)) << link;
  }

  // With every name it tries taken, the writer gives up with the OS reason
  // and leaves the victim and the target alone.
  next = nextTemporaryNumber(dir);
  ASSERT_TRUE(next.has_value());
  for (uint64_t n = *next; n < *next + 100; ++n) {
    std::string link = path + ".tmp." + pid + "." + std::to_string(n);
    ASSERT_EQ(::symlink(victim.c_str(), link.c_str()), 0)
        << std::strerror(errno);
  }
  Status blocked = writeNpy(path, filled(9, 100));
  EXPECT_EQ(blocked.message().rfind(path + ": cannot create temporary file", 0),
            0u)
      << blocked.message();
  EXPECT_NE(blocked.message().find("File exists"), std::string::npos)
      << blocked.message();
  EXPECT_EQ(fileContents(victim), "precious");
  read = readNpy(path);
  ASSERT_TRUE(read.isOk()) << read.status().message();
  EXPECT_EQ(read->bytes, array.bytes);
}

TEST(FileIOTest, ConcurrentWritersOfOnePathLeaveOneCompleteFile) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string path = dir / "w.npy";
  constexpr int kWriters = 8, kWrites = 20;
  constexpr int64_t kSize = 1 << 16;
  ASSERT_TRUE(writeNpy(path, filled(0, kSize)).isOk());
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  // Every read sees one writer's complete file, never a mix or a torn one.
  std::atomic<int> badReads{0};
  std::thread reader([&] {
    while (!done) {
      StatusOr<HostArray> read = readNpy(path);
      if (!read.isOk() || read->bytes.size() != size_t(kSize) ||
          std::count(read->bytes.begin(), read->bytes.end(), read->bytes[0]) !=
              kSize)
        ++badReads;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      HostArray array = filled(uint8_t(w + 1), kSize);
      for (int i = 0; i < kWrites; ++i)
        if (!writeNpy(path, array).isOk())
          ++failures;
    });
  for (std::thread &writer : writers)
    writer.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(badReads, 0);
  StatusOr<HostArray> read = readNpy(path);
  ASSERT_TRUE(read.isOk()) << read.status().message();
  ASSERT_EQ(read->bytes.size(), size_t(kSize));
  EXPECT_GE(read->bytes[0], 1);
  EXPECT_LE(read->bytes[0], kWriters);
  EXPECT_EQ(std::count(read->bytes.begin(), read->bytes.end(), read->bytes[0]),
            kSize);
  EXPECT_TRUE(leftoverTemporaries(path).empty());
}

TEST(FileIOTest, NewFilesHonourTheUmask) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string path = dir / "w.npy";
  mode_t old = ::umask(027);
  Status status = writeNpy(path, filled(1, 4));
  ::umask(old);
  ASSERT_TRUE(status.isOk()) << status.message();
  struct stat info;
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
}

} // namespace
