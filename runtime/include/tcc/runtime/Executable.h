//===- Executable.h - running a compiled CPU artifact ------------*- C++ -*-===//
//
// An Executable is an artifact made ready to run: its plan parsed and
// validated, its kernels loaded (dlopen of the shared object it carries),
// its arena allocated once through the host driver. run() binds inputs by
// position (inputs are checked against the signature by name, dtype and
// shape), executes the commands in order — kernels split over the thread
// pool, matmuls through BLAS — and returns the outputs.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_EXECUTABLE_H
#define TCC_RUNTIME_EXECUTABLE_H

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/HostArray.h"
#include "tcc/runtime/Plan.h"
#include "tcc/runtime/Status.h"
#include "tcc/runtime/Trace.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tcc::rt {

struct ExecutableOptions {
  /// Threads for kernels and BLAS; 0 is every core.
  unsigned threads = 0;
  /// Record a TraceEvent per command.
  bool trace = false;
};

class Executable {
public:
  static StatusOr<std::unique_ptr<Executable>>
  load(const Artifact &artifact, const ExecutableOptions &options = {});
  ~Executable();

  const Plan &plan() const;

  /// Runs the plan on `inputs` (one per plan().inputs, in order) and writes
  /// one array per plan().outputs into `outputs`, reusing the arrays it
  /// already holds (the kernels write into them directly). `outputs` must
  /// not hold the inputs' arrays.
  Status run(const std::vector<const HostArray *> &inputs,
             std::vector<HostArray> &outputs);

  /// The host driver's measured peak (the arena and every other runtime
  /// allocation), in bytes.
  int64_t peakBytes() const;
  unsigned threads() const;
  /// The library the plan's f32 GEMMs run on, with its version.
  std::string gemmLibrary() const;
  const std::vector<TraceEvent> &trace() const;

  struct Impl;

private:
  explicit Executable(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace tcc::rt

#endif // TCC_RUNTIME_EXECUTABLE_H
