//===- HostFeatures.cpp - can this CPU run an artifact's kernels? ---------===//

#include "HostFeatures.h"

#include <sstream>
#include <vector>

using namespace tcc::rt;

namespace {

struct Feature {
  const char *llvmName;
  bool present;
};

/// The features the runtime checks. __builtin_cpu_supports takes literal
/// names, hence the table.
std::vector<Feature> hostFeatures() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return {
      {"sse4.2", bool(__builtin_cpu_supports("sse4.2"))},
      {"avx", bool(__builtin_cpu_supports("avx"))},
      {"avx2", bool(__builtin_cpu_supports("avx2"))},
      {"fma", bool(__builtin_cpu_supports("fma"))},
      {"f16c", bool(__builtin_cpu_supports("f16c"))},
      {"bmi", bool(__builtin_cpu_supports("bmi"))},
      {"bmi2", bool(__builtin_cpu_supports("bmi2"))},
      {"avx512f", bool(__builtin_cpu_supports("avx512f"))},
      {"avx512bw", bool(__builtin_cpu_supports("avx512bw"))},
      {"avx512dq", bool(__builtin_cpu_supports("avx512dq"))},
      {"avx512vl", bool(__builtin_cpu_supports("avx512vl"))},
      {"avx512cd", bool(__builtin_cpu_supports("avx512cd"))},
      {"avx512vnni", bool(__builtin_cpu_supports("avx512vnni"))},
      {"avx512bf16", bool(__builtin_cpu_supports("avx512bf16"))},
      {"avx512fp16", bool(__builtin_cpu_supports("avx512fp16"))},
      {"avx512vbmi", bool(__builtin_cpu_supports("avx512vbmi"))},
      {"avx512vbmi2", bool(__builtin_cpu_supports("avx512vbmi2"))},
      {"avx512ifma", bool(__builtin_cpu_supports("avx512ifma"))},
      {"avx512bitalg", bool(__builtin_cpu_supports("avx512bitalg"))},
      {"avx512vpopcntdq", bool(__builtin_cpu_supports("avx512vpopcntdq"))},
  };
#else
  return {};
#endif
}

} // namespace

Status cpu::checkHostSupports(const std::string &cpu,
                              const std::string &features) {
  static const std::vector<Feature> host = hostFeatures();
  std::string missing;
  std::stringstream list(features);
  std::string item;
  while (std::getline(list, item, ',')) {
    if (item.size() < 2 || item[0] != '+')
      continue;
    std::string name = item.substr(1);
    for (const Feature &feature : host)
      if (name == feature.llvmName && !feature.present)
        missing += (missing.empty() ? "" : ", ") + name;
  }
  if (missing.empty())
    return Status::ok();
  return Status::error("the kernels were compiled for CPU '" + cpu +
                       "' and use " + missing +
                       ", which this CPU lacks; compile the model on this "
                       "machine (tcc compile --cpu=host) or for an older "
                       "CPU (for example --cpu=x86-64-v3)");
}
