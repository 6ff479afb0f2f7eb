//===- tcc-run.cpp - The tcc runtime's executable -------------------------===//
//
// Runs on hosts that have only the runtime and a compiled artifact. For now
// it inspects: `--info MODEL.tccm` describes an artifact and `--drivers`
// lists the drivers. It never writes files.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Driver.h"

#include <cstdio>
#include <cstring>
#include <string>

using namespace tcc::rt;

namespace {

void printUsage(FILE *out) {
  std::fputs("usage: tcc-run --info MODEL.tccm   describe a compiled artifact\n"
             "       tcc-run --drivers           list the runtime's drivers\n",
             out);
}

int fail(const Status &status) {
  std::fprintf(stderr, "tcc-run: error: %s\n", status.message().c_str());
  return 1;
}

int info(const char *path) {
  StatusOr<Artifact> artifact = readArtifact(path);
  if (!artifact)
    return fail(artifact.status());
  std::printf("%s\n", describeArtifact(*artifact).c_str());
  return 0;
}

int drivers() {
  for (const DriverInfo &driver : knownDrivers())
    std::printf("%-6s %-13s %.*s\n", std::string(driver.name).c_str(),
                driver.available ? "available" : "not available",
                int(driver.description.size()), driver.description.data());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc == 3 && std::strcmp(argv[1], "--info") == 0)
    return info(argv[2]);
  if (argc == 2 && std::strcmp(argv[1], "--drivers") == 0)
    return drivers();
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 ||
                    std::strcmp(argv[1], "-h") == 0)) {
    printUsage(stdout);
    return 0;
  }
  printUsage(stderr);
  return 2;
}
