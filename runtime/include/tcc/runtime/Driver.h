//===- Driver.h - The interface every runtime backend implements *- C++ -*-===//
//
// A Driver owns the memory of one device (host RAM, a GPU, or nothing at all
// for the null driver) and moves bytes to, from and within it. The runtime
// is written against this interface only; each backend provides one driver,
// and every driver passes the same conformance suite
// (unittests/Runtime/DriverConformanceTest.cpp).
//
// Every call validates its arguments and returns a Status; nothing aborts on
// bad input. Drivers are thread-safe: calls may come from several threads.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_DRIVER_H
#define TCC_RUNTIME_DRIVER_H

#include "tcc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tcc::rt {

/// A handle to memory allocated by a Driver.
///
/// Ownership: the handle does not own the memory and is freely copyable; the
/// memory belongs to the driver that allocated it until released with
/// Driver::release (which clears the handle passed to it). Copies of a
/// released handle are dangling, and drivers reject them ("not a live
/// buffer") instead of touching memory. Buffers still live when their driver
/// is destroyed are freed with it, so a handle must not outlive its driver.
struct DeviceBuffer {
  /// Opaque to users: a host pointer, a device pointer or a token.
  void *handle = nullptr;
  /// Bytes usable through this handle, as requested at allocation.
  size_t size = 0;
  /// Driver::id() of the owning driver; 0 for an empty handle.
  uint64_t driverId = 0;

  bool empty() const { return driverId == 0; }
};

/// Memory accounting of one driver, in requested bytes.
struct MemoryStats {
  size_t bytesInUse = 0;       ///< Bytes of the live allocations.
  size_t peakBytes = 0;        ///< Maximum of bytesInUse so far.
  uint64_t liveAllocations = 0;  ///< Allocations not yet released.
  uint64_t totalAllocations = 0; ///< Successful allocate() calls so far.
};

/// The default alignment of allocate(): a cache line, enough for any vector
/// load the CPU backend emits.
constexpr size_t kDefaultAlignment = 64;

class Driver {
public:
  virtual ~Driver();
  Driver(const Driver &) = delete;
  Driver &operator=(const Driver &) = delete;

  /// The name createDriver() knows this driver by ("host", "null").
  virtual std::string_view name() const = 0;
  /// A process-unique nonzero id, recorded in the buffers this driver makes.
  uint64_t id() const { return id_; }
  /// Whether copyToHost returns what was stored; false for the null driver,
  /// which returns zeros.
  virtual bool retainsData() const = 0;

  /// Allocates `bytes` (0 is allowed and gives a distinct, valid buffer)
  /// aligned to `alignment`, a power of two; 0 means kDefaultAlignment.
  /// Fails cleanly, without aborting, when the memory is not available.
  virtual StatusOr<DeviceBuffer> allocate(size_t bytes,
                                          size_t alignment = 0) = 0;
  /// Frees a live buffer of this driver and clears `buffer`. Releasing an
  /// empty handle, a released one or another driver's is an error.
  virtual Status release(DeviceBuffer &buffer) = 0;

  /// Copies `bytes` from host memory `src` into `dst` at `offset`.
  virtual Status copyFromHost(DeviceBuffer &dst, size_t offset,
                              const void *src, size_t bytes) = 0;
  /// Copies `bytes` of `src` starting at `offset` into host memory `dst`.
  virtual Status copyToHost(const DeviceBuffer &src, size_t offset, void *dst,
                            size_t bytes) = 0;
  /// Copies between two buffers of this driver; the ranges may overlap.
  virtual Status copy(const DeviceBuffer &src, size_t srcOffset,
                      DeviceBuffer &dst, size_t dstOffset, size_t bytes) = 0;
  /// Waits until every operation issued so far has completed.
  virtual Status synchronize() = 0;

  virtual MemoryStats stats() const = 0;

protected:
  Driver();

private:
  uint64_t id_;
};

/// One entry of the driver registry.
struct DriverInfo {
  std::string_view name;
  /// Whether this build of the runtime can create it.
  bool available;
  std::string_view description;
};

/// Every driver the runtime knows, available or not. A new backend adds its
/// driver here (and in createDriver); the conformance suite picks it up.
const std::vector<DriverInfo> &knownDrivers();

/// The names of the available drivers, in knownDrivers() order.
std::vector<std::string> availableDrivers();

/// Creates the driver called `name`: "host" or "null". A known driver that
/// is not built ("cuda") and an unknown name are errors saying so.
StatusOr<std::unique_ptr<Driver>> createDriver(std::string_view name);

} // namespace tcc::rt

#endif // TCC_RUNTIME_DRIVER_H
