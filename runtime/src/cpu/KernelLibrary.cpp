//===- KernelLibrary.cpp - dlopen of an in-memory shared object -----------===//

#include "KernelLibrary.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace tcc::rt;
using namespace tcc::rt::cpu;

StatusOr<std::unique_ptr<KernelLibrary>>
KernelLibrary::load(const uint8_t *bytes, size_t size,
                    const std::string &origin) {
  static constexpr uint8_t kElfMagic[] = {0x7f, 'E', 'L', 'F'};
  if (size < sizeof(kElfMagic) || std::memcmp(bytes, kElfMagic, 4) != 0)
    return Status::error(origin + ": the kernel object is not an ELF file");
  int fd = memfd_create("tcc-kernels", MFD_CLOEXEC);
  if (fd < 0)
    return Status::error(origin + ": memfd_create: " + std::strerror(errno));
  for (size_t written = 0; written < size;) {
    ssize_t n = ::write(fd, bytes + written, size - written);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      std::string reason = std::strerror(errno);
      ::close(fd);
      return Status::error(origin + ": writing the kernel object: " + reason);
    }
    written += static_cast<size_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  // RTLD_LOCAL: two artifacts loaded together keep their kernels apart.
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = dlerror();
    ::close(fd);
    return Status::error(origin + ": cannot load the kernel object: " +
                         (reason ? reason : "unknown dlopen error"));
  }
  return std::unique_ptr<KernelLibrary>(new KernelLibrary(handle, fd, origin));
}

KernelLibrary::~KernelLibrary() {
  dlclose(handle_);
  ::close(fd_);
}

StatusOr<KernelFn> KernelLibrary::lookup(const std::string &symbol) const {
  dlerror();
  void *address = dlsym(handle_, symbol.c_str());
  if (!address)
    return Status::error(origin_ + ": the kernel object has no kernel '" +
                         symbol + "'");
  return reinterpret_cast<KernelFn>(address);
}
