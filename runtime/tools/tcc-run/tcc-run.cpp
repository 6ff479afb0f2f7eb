//===- tcc-run.cpp - The tcc runtime's executable -------------------------===//
//
// Runs on hosts that have only the runtime and a compiled artifact:
// `tcc-run MODEL.tccm ...` executes it (the same code as `tcc run`),
// `tcc-run bench MODEL.tccm` measures it, `--info MODEL.tccm` describes it
// and `--drivers` lists the drivers. `tcc-run batch LIST` runs one artifact
// per line of LIST (each line: the arguments of a run) in one process, so
// that a conformance suite of a thousand small artifacts pays for a GPU
// context once. `mpirun -np N tcc-run comm-check` checks the MPI
// communicator's collectives on every rank.
//
//===----------------------------------------------------------------------===//

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Driver.h"
#include "tcc/runtime/RunTool.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace tcc::rt;

namespace {

void printUsage(FILE *out) {
  std::fputs(
      "usage: tcc-run MODEL.tccm [options]   run a compiled artifact "
      "(--help for options)\n"
      "       tcc-run bench MODEL.tccm [options]   measure its latency\n"
      "       tcc-run batch LIST   one run per line of LIST (its arguments)\n"
      "       mpirun -np N tcc-run comm-check [--timeout-ms T] [--skip R:K]\n"
      "                                   check the job's collectives\n"
      "       tcc-run --info MODEL.tccm   describe a compiled artifact\n"
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

int batch(const char *path) {
  std::ifstream list(path);
  if (!list)
    return fail(Status::error(std::string("cannot read ") + path));
  std::string line;
  int runs = 0, failed = 0, number = 0;
  while (std::getline(list, line)) {
    ++number;
    std::istringstream words(line);
    std::vector<std::string> args;
    for (std::string word; words >> word;)
      args.push_back(word);
    if (args.empty() || args[0][0] == '#')
      continue;
    std::vector<char *> argv;
    for (std::string &arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    int rc = runMain(static_cast<int>(args.size()), argv.data(), "tcc-run");
    ++runs;
    if (rc != 0) {
      ++failed;
      std::fprintf(stderr, "tcc-run: batch: line %d failed: %s\n", number,
                   line.c_str());
    }
    std::fflush(stdout);
  }
  std::fprintf(stderr, "tcc-run: batch: %d runs, %d failed\n", runs, failed);
  return failed == 0 ? 0 : 1;
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
  if (argc == 3 && std::strcmp(argv[1], "batch") == 0)
    return batch(argv[2]);
  if (argc >= 2 && std::strcmp(argv[1], "bench") == 0)
    return benchMain(argc - 2, argv + 2, "tcc-run bench");
  if (argc >= 2 && std::strcmp(argv[1], "comm-check") == 0) {
#ifdef TCC_RUNTIME_HAS_MPI
    return commCheckMain(argc - 2, argv + 2, "tcc-run comm-check");
#else
    return fail(Status::error("comm-check: this tcc-run was built without "
                              "MPI (install an MPI library, e.g. "
                              "libopenmpi-dev, and rebuild)"));
#endif
  }
  if (argc >= 2 && argv[1][0] != '-')
    return runMain(argc - 1, argv + 1, "tcc-run");
  printUsage(stderr);
  return 2;
}
