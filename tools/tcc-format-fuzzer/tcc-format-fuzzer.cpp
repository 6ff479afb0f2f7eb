//===- tcc-format-fuzzer.cpp - libFuzzer target: the runtime's readers ----===//
//
// Feeds arbitrary bytes to every reader of untrusted files in the runtime:
// the first byte picks the .tccm container (and, when it parses, the plan
// inside), a bare plan, safetensors or .npy. Each must return an error or a
// value, never crash, read out of bounds or overflow (built with ASan and
// UBSan). Kernel objects are not loaded: they are code, trusted once the
// artifact's checksums pass. CI runs it from the tests' artifacts, plans,
// safetensors and .npy files as seeds.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Npy.h"
#include "tcc/runtime/Plan.h"
#include "tcc/runtime/Safetensors.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace tcc::rt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  uint8_t selector = data[0] % 4;
  const uint8_t *body = data + 1;
  size_t n = size - 1;
  switch (selector) {
  case 0: {
    StatusOr<Artifact> artifact = parseArtifact(body, n, "<fuzz>");
    if (artifact.isOk())
      if (auto plan = artifact->findSection(SectionKind::Plan, "plan"))
        (void)parsePlan(plan->text());
    break;
  }
  case 1: {
    StatusOr<Plan> plan =
        parsePlan(std::string_view(reinterpret_cast<const char *>(body), n));
    if (plan.isOk())
      (void)serializePlan(*plan);
    break;
  }
  case 2:
    (void)parseSafetensors(body, n, "<fuzz>");
    break;
  case 3:
    (void)parseNpy(body, n, "<fuzz>");
    break;
  }
  return 0;
}
