//===- DriverBase.h - Checks and accounting shared by drivers --*- C++ -*-===//
//
// TrackedDriver implements the whole Driver contract — argument checks,
// range checks, liveness and ownership of buffers, memory statistics — and
// leaves only the moving of bytes to its subclasses. A backend's driver
// derives from it so that every driver validates and accounts alike; the
// null driver is the smallest such subclass and the template for new ones.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_CORE_DRIVERBASE_H
#define TCC_RUNTIME_CORE_DRIVERBASE_H

#include "tcc/runtime/Driver.h"

#include <mutex>
#include <unordered_map>

namespace tcc::rt {

/// The largest alignment allocate() accepts (a page).
constexpr size_t kMaxAlignment = 4096;

class TrackedDriver : public Driver {
public:
  StatusOr<DeviceBuffer> allocate(size_t bytes, size_t alignment) final;
  Status release(DeviceBuffer &buffer) final;
  Status copyFromHost(DeviceBuffer &dst, size_t offset, const void *src,
                      size_t bytes) final;
  Status copyToHost(const DeviceBuffer &src, size_t offset, void *dst,
                    size_t bytes) final;
  Status copy(const DeviceBuffer &src, size_t srcOffset, DeviceBuffer &dst,
              size_t dstOffset, size_t bytes) final;
  Status synchronize() override { return Status::ok(); }
  MemoryStats stats() const final;

protected:
  /// `capacity` bounds bytesInUse; larger requests fail before doAllocate.
  explicit TrackedDriver(size_t capacity) : capacity_(capacity) {}

  /// Subclass destructors call this to free the buffers still live, since
  /// the base destructor can no longer reach doFree.
  void releaseAll();

  // The hooks see validated arguments only: live handles of this driver,
  // in-bounds ranges, a power-of-two alignment, non-null host pointers.
  virtual StatusOr<void *> doAllocate(size_t bytes, size_t alignment) = 0;
  virtual void doFree(void *handle) = 0;
  virtual Status doCopyIn(void *handle, size_t offset, const void *src,
                          size_t bytes) = 0;
  virtual Status doCopyOut(void *handle, size_t offset, void *dst,
                           size_t bytes) = 0;
  virtual Status doCopy(void *src, size_t srcOffset, void *dst,
                        size_t dstOffset, size_t bytes) = 0;

private:
  /// "name: op: message".
  Status error(std::string_view op, const std::string &message) const;
  /// Checks that `buffer` is a live buffer of this driver (lock held).
  Status checkLive(std::string_view op, std::string_view role,
                   const DeviceBuffer &buffer) const;
  /// Checks liveness and that [offset, offset+bytes) lies in `buffer`.
  Status checkRange(std::string_view op, std::string_view role,
                    const DeviceBuffer &buffer, size_t offset,
                    size_t bytes) const;

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<void *, size_t> live_; ///< handle -> size
  MemoryStats stats_;
};

/// The CPU backend's driver: aligned host memory, bounded by physical RAM.
std::unique_ptr<Driver> createHostDriver();
/// Validates and accounts like a real driver but stores nothing.
std::unique_ptr<Driver> createNullDriver();

} // namespace tcc::rt

#endif // TCC_RUNTIME_CORE_DRIVERBASE_H
