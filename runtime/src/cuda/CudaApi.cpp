//===- CudaApi.cpp - loading libcuda.so.1 ---------------------------------===//

#include "CudaApi.h"

#include <dlfcn.h>

#include <map>
#include <mutex>

using namespace tcc::rt;
using namespace tcc::rt::cuda;

namespace {

// Stringifies after macro expansion: the versioned symbol cuda.h maps to.
#define TCC_CUDA_STR(x) #x
#define TCC_CUDA_SYMBOL(x) TCC_CUDA_STR(x)

StatusOr<const CudaApi *> loadOnce() {
  static CudaApi api;
  void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *why = dlerror();
    return Status::error(
        std::string("no CUDA driver on this machine: libcuda.so.1 cannot be "
                    "loaded (") +
        (why ? why : "unknown reason") +
        "); a cuda artifact needs an NVIDIA GPU and its driver");
  }
#define TCC_CUDA_LOOKUP(name)                                                  \
  api.name = reinterpret_cast<decltype(api.name)>(                             \
      dlsym(library, TCC_CUDA_SYMBOL(name)));                                  \
  if (!api.name)                                                               \
    return Status::error("the CUDA driver is too old: libcuda.so.1 has no " +  \
                         std::string(TCC_CUDA_SYMBOL(name)) +                  \
                         " (tcc needs a CUDA 12.8 or newer driver)");
  TCC_CUDA_FUNCTIONS(TCC_CUDA_LOOKUP)
#undef TCC_CUDA_LOOKUP
  CUresult initialized = api.cuInit(0);
  if (initialized == CUDA_ERROR_NO_DEVICE)
    return Status::error("the CUDA driver found no GPU on this machine");
  if (Status status = api.check(initialized, "cuInit"); !status)
    return status;
  int devices = 0;
  if (Status status = api.check(api.cuDeviceGetCount(&devices),
                                "cuDeviceGetCount");
      !status)
    return status;
  if (devices == 0)
    return Status::error("the CUDA driver found no GPU on this machine");
  return &api;
}

} // namespace

StatusOr<const CudaApi *> CudaApi::get() {
  static std::once_flag once;
  static StatusOr<const CudaApi *> api = Status::error("not loaded");
  std::call_once(once, [] { api = loadOnce(); });
  return api;
}

Status CudaApi::check(CUresult result, const char *call) const {
  if (result == CUDA_SUCCESS)
    return Status::ok();
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName)
    cuGetErrorName(result, &name);
  if (cuGetErrorString)
    cuGetErrorString(result, &text);
  return Status::error(std::string(call) + " failed: " +
                       (name ? name : "CUDA error " + std::to_string(result)) +
                       (text ? std::string(" (") + text + ")" : ""));
}

StatusOr<CUcontext> CudaApi::primaryContext(CUdevice device) const {
  static std::mutex mutex;
  static std::map<CUdevice, CUcontext> contexts;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = contexts.find(device);
  if (found != contexts.end())
    return found->second;
  CUcontext context = nullptr;
  if (Status s = check(cuDevicePrimaryCtxRetain(&context, device),
                       "cuDevicePrimaryCtxRetain");
      !s)
    return s;
  contexts[device] = context;
  return context;
}
