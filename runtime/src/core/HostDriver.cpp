//===- HostDriver.cpp - The CPU backend's driver --------------------------===//
//
// Buffers are posix_memalign'ed host memory; the handle is the pointer.
// Requests beyond physical memory are refused up front, so that absurd sizes
// fail with a message rather than reaching an allocator that might abort
// (a sanitizer's, for one).
//
//===----------------------------------------------------------------------===//

#include "DriverBase.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

using namespace tcc::rt;

namespace {

size_t physicalMemory() {
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long pageSize = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0 ||
      size_t(pages) > SIZE_MAX / size_t(pageSize))
    return SIZE_MAX;
  return size_t(pages) * size_t(pageSize);
}

class HostDriver final : public TrackedDriver {
public:
  HostDriver() : TrackedDriver(physicalMemory()) {}
  ~HostDriver() override { releaseAll(); }

  std::string_view name() const override { return "host"; }
  bool retainsData() const override { return true; }

protected:
  StatusOr<void *> doAllocate(size_t bytes, size_t alignment) override {
    void *p = nullptr;
    // posix_memalign wants a multiple of sizeof(void *); a zero-byte request
    // still gets a distinct pointer.
    size_t align = alignment < sizeof(void *) ? sizeof(void *) : alignment;
    int rc = ::posix_memalign(&p, align, bytes == 0 ? 1 : bytes);
    if (rc != 0 || !p)
      return Status::error("host: allocate: cannot allocate " +
                           std::to_string(bytes) + " bytes aligned to " +
                           std::to_string(alignment) + ": " +
                           std::strerror(rc ? rc : ENOMEM));
    return p;
  }
  void doFree(void *handle) override { std::free(handle); }
  Status doCopyIn(void *handle, size_t offset, const void *src,
                  size_t bytes) override {
    std::memmove(static_cast<char *>(handle) + offset, src, bytes);
    return Status::ok();
  }
  Status doCopyOut(void *handle, size_t offset, void *dst,
                   size_t bytes) override {
    std::memmove(dst, static_cast<const char *>(handle) + offset, bytes);
    return Status::ok();
  }
  Status doCopy(void *src, size_t srcOffset, void *dst, size_t dstOffset,
                size_t bytes) override {
    std::memmove(static_cast<char *>(dst) + dstOffset,
                 static_cast<const char *>(src) + srcOffset, bytes);
    return Status::ok();
  }
};

} // namespace

std::unique_ptr<Driver> tcc::rt::createHostDriver() {
  return std::make_unique<HostDriver>();
}
