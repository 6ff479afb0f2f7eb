//===- DriverConformanceTest.cpp - The contract every driver meets --------===//
//
// Runs over every available driver of knownDrivers(), so a new backend's
// driver is tested here as soon as it is registered. Drivers that do not
// retain data (null) must return zeros where the others return the data.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Driver.h"

#include <algorithm>
#include <cstring>
#include <gtest/gtest.h>
#include <numeric>
#include <vector>

using namespace tcc::rt;

namespace {

::testing::AssertionResult contains(const std::string &text,
                                    const std::string &part) {
  if (text.find(part) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "'" << text << "' does not contain '" << part << "'";
}

class DriverConformance : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<Driver>> created = createDriver(GetParam());
    ASSERT_TRUE(created.isOk()) << created.status().message();
    driver = std::move(*created);
  }

  DeviceBuffer alloc(size_t bytes, size_t alignment = 0) {
    StatusOr<DeviceBuffer> buffer = driver->allocate(bytes, alignment);
    EXPECT_TRUE(buffer.isOk()) << buffer.status().message();
    return buffer.isOk() ? *buffer : DeviceBuffer();
  }

  /// What copyToHost must return for data that was stored.
  std::vector<uint8_t> expected(std::vector<uint8_t> stored) const {
    if (!driver->retainsData())
      std::fill(stored.begin(), stored.end(), 0);
    return stored;
  }

  std::unique_ptr<Driver> driver;
};

std::vector<uint8_t> iota(size_t n, uint8_t start = 1) {
  std::vector<uint8_t> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST_P(DriverConformance, NameMatchesRegistry) {
  EXPECT_EQ(driver->name(), GetParam());
  EXPECT_NE(driver->id(), 0u);
}

TEST_P(DriverConformance, ZeroByteAllocationIsDistinctAndReleasable) {
  DeviceBuffer a = alloc(0), b = alloc(0);
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a.handle, b.handle);
  EXPECT_EQ(a.size, 0u);
  EXPECT_TRUE(driver->copyFromHost(a, 0, nullptr, 0).isOk());
  EXPECT_TRUE(driver->release(a).isOk());
  EXPECT_TRUE(driver->release(b).isOk());
  EXPECT_TRUE(a.empty());
}

TEST_P(DriverConformance, AlignmentIsHonoured) {
  for (size_t alignment : {1, 2, 8, 16, 64, 256, 4096}) {
    DeviceBuffer b = alloc(3, alignment);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.handle) % alignment, 0u)
        << "alignment " << alignment;
    EXPECT_TRUE(driver->release(b).isOk());
  }
  DeviceBuffer b = alloc(10);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.handle) % kDefaultAlignment, 0u);
  EXPECT_TRUE(driver->release(b).isOk());
}

TEST_P(DriverConformance, BadAlignmentIsRejected) {
  for (size_t alignment : {3, 48, 8192}) {
    StatusOr<DeviceBuffer> b = driver->allocate(16, alignment);
    ASSERT_FALSE(b.isOk());
    EXPECT_TRUE(contains(b.status().message(), "alignment"));
  }
}

TEST_P(DriverConformance, HugeAllocationFailsCleanly) {
  for (size_t bytes : {size_t(1) << 62, SIZE_MAX}) {
    StatusOr<DeviceBuffer> b = driver->allocate(bytes, 0);
    ASSERT_FALSE(b.isOk()) << bytes;
    EXPECT_TRUE(contains(b.status().message(), "out of memory"));
    EXPECT_TRUE(contains(b.status().message(), std::to_string(bytes)));
  }
  EXPECT_EQ(driver->stats().bytesInUse, 0u);
  EXPECT_EQ(driver->stats().totalAllocations, 0u);
}

TEST_P(DriverConformance, RoundTrip) {
  DeviceBuffer b = alloc(100);
  std::vector<uint8_t> in = iota(100), out(100, 0xAA);
  ASSERT_TRUE(driver->copyFromHost(b, 0, in.data(), in.size()).isOk());
  ASSERT_TRUE(driver->synchronize().isOk());
  ASSERT_TRUE(driver->copyToHost(b, 0, out.data(), out.size()).isOk());
  EXPECT_EQ(out, expected(in));
  // A partial read at an offset.
  std::vector<uint8_t> part(10, 0xAA);
  ASSERT_TRUE(driver->copyToHost(b, 90, part.data(), 10).isOk());
  EXPECT_EQ(part, expected(iota(10, 91)));
  EXPECT_TRUE(driver->release(b).isOk());
}

TEST_P(DriverConformance, DeviceToDeviceCopy) {
  DeviceBuffer a = alloc(32), b = alloc(32);
  std::vector<uint8_t> in = iota(32), out(16, 0xAA);
  ASSERT_TRUE(driver->copyFromHost(a, 0, in.data(), 32).isOk());
  ASSERT_TRUE(driver->copy(a, 8, b, 4, 16).isOk());
  ASSERT_TRUE(driver->copyToHost(b, 4, out.data(), 16).isOk());
  EXPECT_EQ(out, expected(iota(16, 9)));
  // Overlapping ranges of one buffer behave like memmove.
  ASSERT_TRUE(driver->copy(a, 0, a, 1, 31).isOk());
  std::vector<uint8_t> shifted(32, 0xAA);
  ASSERT_TRUE(driver->copyToHost(a, 0, shifted.data(), 32).isOk());
  std::vector<uint8_t> want = iota(32);
  std::memmove(want.data() + 1, want.data(), 31);
  EXPECT_EQ(shifted, expected(want));
  EXPECT_TRUE(driver->release(a).isOk());
  EXPECT_TRUE(driver->release(b).isOk());
}

TEST_P(DriverConformance, OutOfRangeCopiesAreRejected) {
  DeviceBuffer b = alloc(16), c = alloc(8);
  std::vector<uint8_t> host(64);
  Status s = driver->copyFromHost(b, 10, host.data(), 20);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "[10, 30)"));
  EXPECT_TRUE(contains(s.message(), "16 bytes"));
  EXPECT_TRUE(contains(s.message(), "copyFromHost"));

  s = driver->copyToHost(b, 17, host.data(), 0);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "[17, 17)"));

  s = driver->copyToHost(b, SIZE_MAX, host.data(), 2);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "overflows"));
  EXPECT_TRUE(contains(s.message(), "16 bytes"));

  s = driver->copy(b, 0, c, 0, 9);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "destination buffer of 8 bytes"));
  s = driver->copy(c, 4, b, 0, 5);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "source buffer of 8 bytes"));

  s = driver->copyFromHost(b, 0, nullptr, 4);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "null"));

  // Exactly the whole buffer and an empty range at the end are fine.
  EXPECT_TRUE(driver->copyFromHost(b, 0, host.data(), 16).isOk());
  EXPECT_TRUE(driver->copyToHost(b, 16, host.data(), 0).isOk());
  EXPECT_TRUE(driver->release(b).isOk());
  EXPECT_TRUE(driver->release(c).isOk());
}

TEST_P(DriverConformance, DoubleAndForeignReleaseAreRejected) {
  DeviceBuffer b = alloc(8);
  DeviceBuffer copy = b;
  ASSERT_TRUE(driver->release(b).isOk());
  Status s = driver->release(b);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "empty"));
  s = driver->release(copy);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "not live"));
  std::vector<uint8_t> host(8);
  s = driver->copyToHost(copy, 0, host.data(), 8);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "not live"));

  // A buffer of another driver instance, even of the same kind.
  StatusOr<std::unique_ptr<Driver>> other = createDriver(GetParam());
  ASSERT_TRUE(other.isOk());
  StatusOr<DeviceBuffer> foreign = (*other)->allocate(8, 0);
  ASSERT_TRUE(foreign.isOk());
  DeviceBuffer f = *foreign;
  s = driver->release(f);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "belongs to driver"));
  EXPECT_FALSE(f.empty());
  EXPECT_TRUE((*other)->release(f).isOk());

  // A live handle whose size was tampered with.
  DeviceBuffer d = alloc(8);
  DeviceBuffer forged = d;
  forged.size = 1000;
  s = driver->copyToHost(forged, 0, host.data(), 8);
  ASSERT_FALSE(s.isOk());
  EXPECT_TRUE(contains(s.message(), "allocated with 8 bytes"));
  EXPECT_TRUE(driver->release(d).isOk());
}

TEST_P(DriverConformance, StatsTrackUseAndPeak) {
  EXPECT_EQ(driver->stats().bytesInUse, 0u);
  DeviceBuffer a = alloc(100), b = alloc(50);
  MemoryStats s = driver->stats();
  EXPECT_EQ(s.bytesInUse, 150u);
  EXPECT_EQ(s.peakBytes, 150u);
  EXPECT_EQ(s.liveAllocations, 2u);
  ASSERT_TRUE(driver->release(a).isOk());
  DeviceBuffer c = alloc(20);
  s = driver->stats();
  EXPECT_EQ(s.bytesInUse, 70u);
  EXPECT_EQ(s.peakBytes, 150u);
  EXPECT_EQ(s.totalAllocations, 3u);
  ASSERT_TRUE(driver->release(b).isOk());
  ASSERT_TRUE(driver->release(c).isOk());
  // A failed release changes nothing.
  EXPECT_FALSE(driver->release(c).isOk());
  s = driver->stats();
  EXPECT_EQ(s.bytesInUse, 0u);
  EXPECT_EQ(s.liveAllocations, 0u);
  EXPECT_EQ(s.peakBytes, 150u);
}

TEST_P(DriverConformance, LiveBuffersAreFreedWithTheDriver) {
  alloc(1 << 20);
  alloc(0);
  driver.reset(); // Leak checkers would flag a leak here.
}

std::string testName(const ::testing::TestParamInfo<std::string> &info) {
  return info.param;
}

INSTANTIATE_TEST_SUITE_P(AllDrivers, DriverConformance,
                         ::testing::ValuesIn(availableDrivers()), testName);

TEST(DriverRegistry, KnownDriversAndFactoryErrors) {
  std::vector<std::string> names = availableDrivers();
  EXPECT_NE(std::find(names.begin(), names.end(), "host"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "null"), names.end());
  for (const DriverInfo &info : knownDrivers())
    EXPECT_EQ(createDriver(info.name).isOk(), info.available) << info.name;

  StatusOr<std::unique_ptr<Driver>> cuda = createDriver("cuda");
  ASSERT_FALSE(cuda.isOk());
  EXPECT_EQ(cuda.status().message(),
            "the CUDA Driver object is not built yet (cuda artifacts run on "
            "the CUDA executor)");

  StatusOr<std::unique_ptr<Driver>> bogus = createDriver("tpu");
  ASSERT_FALSE(bogus.isOk());
  EXPECT_EQ(bogus.status().message(),
            "unknown driver 'tpu' (known drivers: host, null, cuda)");
}

TEST(DriverRegistry, DistinctIds) {
  StatusOr<std::unique_ptr<Driver>> a = createDriver("host");
  StatusOr<std::unique_ptr<Driver>> b = createDriver("host");
  ASSERT_TRUE(a.isOk() && b.isOk());
  EXPECT_NE((*a)->id(), (*b)->id());
}

} // namespace
