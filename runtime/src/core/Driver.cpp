//===- Driver.cpp - Driver ids, registry and factory ----------------------===//

#include "DriverBase.h"

#include <atomic>

using namespace tcc::rt;

namespace {
std::atomic<uint64_t> nextDriverId{1};
} // namespace

Driver::Driver() : id_(nextDriverId.fetch_add(1)) {}

Driver::~Driver() = default;

const std::vector<DriverInfo> &tcc::rt::knownDrivers() {
  static const std::vector<DriverInfo> drivers = {
      {"host", true, "host memory; the CPU backend's driver"},
      {"null", true,
       "validates and accounts every call but stores nothing (testing)"},
      {"cuda", false,
       "NVIDIA GPUs: cuda artifacts run on the CUDA executor, which manages "
       "device memory itself; a Driver object comes with the NCCL "
       "communicator"},
  };
  return drivers;
}

std::vector<std::string> tcc::rt::availableDrivers() {
  std::vector<std::string> names;
  for (const DriverInfo &info : knownDrivers())
    if (info.available)
      names.emplace_back(info.name);
  return names;
}

StatusOr<std::unique_ptr<Driver>> tcc::rt::createDriver(std::string_view name) {
  if (name == "host")
    return createHostDriver();
  if (name == "null")
    return createNullDriver();
  if (name == "cuda")
    return Status::error("the CUDA Driver object is not built yet (cuda "
                         "artifacts run on the CUDA executor)");
  std::string known;
  for (const DriverInfo &info : knownDrivers())
    known += (known.empty() ? "" : ", ") + std::string(info.name);
  return Status::error("unknown driver '" + std::string(name) +
                       "' (known drivers: " + known + ")");
}
