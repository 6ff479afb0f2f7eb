//===- NullDriver.cpp - The reference driver that stores nothing ----------===//
//
// The smallest complete driver: TrackedDriver does every check and all the
// accounting, and the hooks below do no work. Handles are distinct tokens,
// page-aligned so that any accepted alignment holds, and never dereferenced.
// It lets execution plans be validated (ranges, lifetimes, peak memory)
// without hardware, and is the template for a new backend's driver.
//
//===----------------------------------------------------------------------===//

#include "DriverBase.h"

#include <atomic>
#include <cstring>

using namespace tcc::rt;

namespace {

/// The memory the null driver pretends to have: 1 TiB.
constexpr size_t kNullCapacity = size_t(1) << 40;

class NullDriver final : public TrackedDriver {
public:
  NullDriver() : TrackedDriver(kNullCapacity) {}
  ~NullDriver() override { releaseAll(); }

  std::string_view name() const override { return "null"; }
  bool retainsData() const override { return false; }

protected:
  StatusOr<void *> doAllocate(size_t, size_t) override {
    uintptr_t token = nextToken_.fetch_add(1) * kMaxAlignment;
    return reinterpret_cast<void *>(token);
  }
  void doFree(void *) override {}
  Status doCopyIn(void *, size_t, const void *, size_t) override {
    return Status::ok();
  }
  Status doCopyOut(void *, size_t, void *dst, size_t bytes) override {
    std::memset(dst, 0, bytes);
    return Status::ok();
  }
  Status doCopy(void *, size_t, void *, size_t, size_t) override {
    return Status::ok();
  }

private:
  std::atomic<uintptr_t> nextToken_{1};
};

} // namespace

std::unique_ptr<Driver> tcc::rt::createNullDriver() {
  return std::make_unique<NullDriver>();
}
