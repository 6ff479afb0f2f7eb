//===- DriverBase.cpp - Validation and accounting shared by drivers -------===//

#include "DriverBase.h"

using namespace tcc::rt;

namespace {

std::string bytesText(size_t n) {
  return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

} // namespace

Status TrackedDriver::error(std::string_view op,
                            const std::string &message) const {
  return Status::error(std::string(name()) + ": " + std::string(op) + ": " +
                       message);
}

Status TrackedDriver::checkLive(std::string_view op, std::string_view role,
                                const DeviceBuffer &buffer) const {
  std::string what = std::string(role) + " buffer";
  if (buffer.empty())
    return error(op, what + " is an empty handle");
  if (buffer.driverId != id())
    return error(op, what + " belongs to driver #" +
                         std::to_string(buffer.driverId) + ", not to '" +
                         std::string(name()) + "' (#" + std::to_string(id()) +
                         ")");
  auto it = live_.find(buffer.handle);
  if (it == live_.end())
    return error(op, what + " of " + bytesText(buffer.size) +
                         " is not live (released already?)");
  if (it->second != buffer.size)
    return error(op, what + " claims " + bytesText(buffer.size) +
                         " but was allocated with " + bytesText(it->second));
  return Status::ok();
}

Status TrackedDriver::checkRange(std::string_view op, std::string_view role,
                                 const DeviceBuffer &buffer, size_t offset,
                                 size_t bytes) const {
  if (Status s = checkLive(op, role, buffer); !s)
    return s;
  std::string range = "offset " + std::to_string(offset) + " + " +
                      bytesText(bytes);
  if (offset > SIZE_MAX - bytes)
    return error(op, range + " overflows (" + std::string(role) +
                         " buffer of " + bytesText(buffer.size) + ")");
  if (offset + bytes > buffer.size)
    return error(op, "range [" + std::to_string(offset) + ", " +
                         std::to_string(offset + bytes) +
                         ") is out of bounds of the " + std::string(role) +
                         " buffer of " + bytesText(buffer.size));
  return Status::ok();
}

StatusOr<DeviceBuffer> TrackedDriver::allocate(size_t bytes,
                                               size_t alignment) {
  if (alignment == 0)
    alignment = kDefaultAlignment;
  if ((alignment & (alignment - 1)) != 0 || alignment > kMaxAlignment)
    return error("allocate", "alignment " + std::to_string(alignment) +
                                 " is not a power of two up to " +
                                 std::to_string(kMaxAlignment));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (bytes > capacity_ - stats_.bytesInUse)
      return error("allocate", "out of memory: cannot allocate " +
                                   bytesText(bytes) + " with " +
                                   bytesText(stats_.bytesInUse) + " of " +
                                   bytesText(capacity_) + " in use");
  }
  StatusOr<void *> handle = doAllocate(bytes, alignment);
  if (!handle)
    return handle.status();
  std::lock_guard<std::mutex> lock(mutex_);
  live_.emplace(*handle, bytes);
  stats_.bytesInUse += bytes;
  if (stats_.bytesInUse > stats_.peakBytes)
    stats_.peakBytes = stats_.bytesInUse;
  ++stats_.liveAllocations;
  ++stats_.totalAllocations;
  return DeviceBuffer{*handle, bytes, id()};
}

Status TrackedDriver::release(DeviceBuffer &buffer) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (Status s = checkLive("release", "the", buffer); !s)
      return s;
    live_.erase(buffer.handle);
    stats_.bytesInUse -= buffer.size;
    --stats_.liveAllocations;
  }
  doFree(buffer.handle);
  buffer = DeviceBuffer();
  return Status::ok();
}

void TrackedDriver::releaseAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto &[handle, size] : live_)
    doFree(handle);
  live_.clear();
  stats_.bytesInUse = 0;
  stats_.liveAllocations = 0;
}

Status TrackedDriver::copyFromHost(DeviceBuffer &dst, size_t offset,
                                   const void *src, size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (Status s = checkRange("copyFromHost", "destination", dst, offset,
                              bytes);
        !s)
      return s;
  }
  if (bytes == 0)
    return Status::ok();
  if (!src)
    return error("copyFromHost", "null host source for " + bytesText(bytes));
  return doCopyIn(dst.handle, offset, src, bytes);
}

Status TrackedDriver::copyToHost(const DeviceBuffer &src, size_t offset,
                                 void *dst, size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (Status s = checkRange("copyToHost", "source", src, offset, bytes); !s)
      return s;
  }
  if (bytes == 0)
    return Status::ok();
  if (!dst)
    return error("copyToHost", "null host destination for " + bytesText(bytes));
  return doCopyOut(src.handle, offset, dst, bytes);
}

Status TrackedDriver::copy(const DeviceBuffer &src, size_t srcOffset,
                           DeviceBuffer &dst, size_t dstOffset, size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (Status s = checkRange("copy", "source", src, srcOffset, bytes); !s)
      return s;
    if (Status s = checkRange("copy", "destination", dst, dstOffset, bytes);
        !s)
      return s;
  }
  if (bytes == 0)
    return Status::ok();
  return doCopy(src.handle, srcOffset, dst.handle, dstOffset, bytes);
}

MemoryStats TrackedDriver::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}
