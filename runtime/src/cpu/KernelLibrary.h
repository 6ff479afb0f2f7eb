//===- KernelLibrary.h - the CPU kernels of an artifact ---------*- C++ -*-===//
//
// Loads the shared object an artifact carries with dlopen, without writing
// it to a named file: it is copied into an anonymous memfd and opened as
// /proc/self/fd/N, so nothing is left behind and no path can be raced.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_CPU_KERNELLIBRARY_H
#define TCC_RUNTIME_CPU_KERNELLIBRARY_H

#include "tcc/runtime/Status.h"

#include <cstdint>
#include <memory>
#include <string>

namespace tcc::rt::cpu {

/// void kernel(void **args, int64_t beginTile, int64_t endTile)
using KernelFn = void (*)(void **, int64_t, int64_t);

class KernelLibrary {
public:
  static StatusOr<std::unique_ptr<KernelLibrary>>
  load(const uint8_t *bytes, size_t size, const std::string &origin);
  ~KernelLibrary();

  StatusOr<KernelFn> lookup(const std::string &symbol) const;

private:
  KernelLibrary(void *handle, int fd, std::string origin)
      : handle_(handle), fd_(fd), origin_(std::move(origin)) {}
  void *handle_;
  int fd_;
  std::string origin_;
};

} // namespace tcc::rt::cpu

#endif // TCC_RUNTIME_CPU_KERNELLIBRARY_H
