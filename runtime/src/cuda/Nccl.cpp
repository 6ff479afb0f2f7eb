//===- Nccl.cpp - NCCL, loaded at run time --------------------------------===//

#include "Nccl.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

using namespace tcc::rt;
using namespace tcc::rt::cuda;

StatusOr<const NcclApi *> NcclApi::get() {
  static NcclApi api;
  static std::once_flag once;
  static Status loaded = Status::ok();
  std::call_once(once, [] {
    std::vector<std::string> candidates;
    if (const char *path = std::getenv("TCC_NCCL_LIBRARY"); path && *path)
      candidates.push_back(path);
    candidates.push_back("libnccl.so.2");
    if (const char *root = std::getenv("CUDA_ROOT"); root && *root)
      candidates.push_back(std::string(root) + "/lib/libnccl.so.2");
    candidates.push_back("/usr/local/cuda/lib/libnccl.so.2");
    candidates.push_back("/usr/local/cuda/lib64/libnccl.so.2");
    void *library = nullptr;
    for (const std::string &name : candidates)
      if ((library = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)))
        break;
    if (!library) {
      loaded = Status::error(
          "NCCL is not installed: libnccl.so.2 cannot be loaded (set "
          "TCC_NCCL_LIBRARY to its path, e.g. PyTorch's "
          "nvidia/nccl/lib/libnccl.so.2, or LD_LIBRARY_PATH); a per-device "
          "cuda program needs it for its collectives");
      return;
    }
#define TCC_NCCL_LOOKUP(name)                                                  \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(library, #name));      \
  if (!api.name) {                                                             \
    loaded = Status::error("libnccl.so.2 has no " #name                        \
                           " (tcc needs NCCL 2.14 or newer)");                 \
    return;                                                                    \
  }
    TCC_NCCL_FUNCTIONS(TCC_NCCL_LOOKUP)
#undef TCC_NCCL_LOOKUP
  });
  if (!loaded)
    return loaded;
  return &api;
}

std::string NcclApi::version() const {
  int code = 0;
  ncclGetVersion(&code);
  // Since 2.9: major * 10000 + minor * 100 + patch.
  return "NCCL " + std::to_string(code / 10000) + "." +
         std::to_string(code / 100 % 100) + "." + std::to_string(code % 100);
}

Status NcclApi::check(ncclResult_t result, const char *call) const {
  if (result == ncclSuccess)
    return Status::ok();
  const char *text = ncclGetErrorString ? ncclGetErrorString(result) : nullptr;
  return Status::error(std::string(call) + " failed: " +
                       (text ? text : "result " + std::to_string(result)));
}

std::optional<ncclDataType_t> cuda::ncclTypeOf(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return ncclFloat64;
  case DType::F32:
    return ncclFloat32;
  case DType::F16:
    return ncclFloat16;
  case DType::BF16:
    return ncclBfloat16;
  case DType::I64:
    return ncclInt64;
  case DType::I32:
    return ncclInt32;
  case DType::I8:
    return ncclInt8;
  case DType::U8:
  case DType::Bool:
    return ncclUint8;
  }
  return std::nullopt;
}

ncclRedOp_t cuda::ncclOpOf(ReduceOp op) {
  switch (op) {
  case ReduceOp::Sum:
    return ncclSum;
  case ReduceOp::Avg:
    return ncclAvg;
  case ReduceOp::Max:
    return ncclMax;
  case ReduceOp::Min:
    return ncclMin;
  }
  return ncclSum;
}

StatusOr<std::unique_ptr<NcclComm>>
NcclComm::create(const NcclApi &api, Communicator &host,
                 std::chrono::milliseconds timeout) {
  ncclUniqueId id;
  std::memset(&id, 0, sizeof id);
  // Rank 0 draws the id; an error there must reach the others, so the
  // broadcast carries it in one more byte.
  std::vector<char> message(sizeof id + 1, 0);
  if (host.rank() == 0) {
    Status drawn = api.check(api.ncclGetUniqueId(&id), "ncclGetUniqueId");
    message[0] = drawn ? 1 : 0;
    std::memcpy(message.data() + 1, &id, sizeof id);
    if (Status s = host.broadcast(message.data(), message.size(), DType::U8, 0);
        !s)
      return s.withContext("sending NCCL's unique id");
    if (!drawn)
      return drawn;
  } else {
    if (Status s = host.broadcast(message.data(), message.size(), DType::U8, 0);
        !s)
      return s.withContext("receiving NCCL's unique id");
    if (message[0] != 1)
      return Status::error("rank 0 could not draw NCCL's unique id");
    std::memcpy(&id, message.data() + 1, sizeof id);
  }
  auto comm = std::unique_ptr<NcclComm>(new NcclComm());
  comm->api_ = &api;
  comm->rank_ = host.rank();
  comm->size_ = host.size();
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  ncclResult_t started = api.ncclCommInitRankConfig(&comm->comm_, host.size(),
                                                    id, host.rank(), &config);
  Status joined = started != ncclSuccess && started != ncclInProgress
                      ? api.check(started, "ncclCommInitRankConfig")
                      : comm->settle(started, "ncclCommInitRankConfig",
                                     Clock::now() + timeout);
  if (!joined)
    return joined.withContext("joining an NCCL communicator of " +
                              std::to_string(host.size()) + " ranks as rank " +
                              std::to_string(host.rank()));
  return comm;
}

NcclComm::~NcclComm() {
  if (comm_ && !aborted_)
    api_->ncclCommDestroy(comm_);
}

Status NcclComm::settle(ncclResult_t result, const char *call,
                        Clock::time_point deadline) {
  if (result != ncclSuccess && result != ncclInProgress)
    return api_->check(result, call);
  ncclResult_t state = result;
  while (state == ncclInProgress) {
    if (Clock::now() > deadline) {
      abort();
      return Status::error(std::string(call) +
                           " did not complete in time: a rank did not arrive "
                           "(the communicator was aborted)");
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
    if (ncclResult_t polled = api_->ncclCommGetAsyncError(comm_, &state);
        polled != ncclSuccess)
      return api_->check(polled, "ncclCommGetAsyncError");
  }
  return api_->check(state, call);
}

Status NcclComm::asyncError() const {
  if (aborted_)
    return Status::error("the NCCL communicator was aborted");
  ncclResult_t state = ncclSuccess;
  if (ncclResult_t polled = api_->ncclCommGetAsyncError(comm_, &state);
      polled != ncclSuccess)
    return api_->check(polled, "ncclCommGetAsyncError");
  if (state == ncclInProgress)
    return Status::ok();
  return api_->check(state, "an NCCL collective");
}

void NcclComm::abort() {
  if (comm_ && !aborted_)
    api_->ncclCommAbort(comm_);
  aborted_ = true;
}
