//===- ExecutableBackend.h - what each backend's executor implements -*- C++ -*-===//
//
// rt::Executable is a handle; the backend named by the plan's target (the
// CPU executor, the CUDA executor) does the work behind this interface.
// Internal to the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_SRC_EXEC_EXECUTABLEBACKEND_H
#define TCC_RUNTIME_SRC_EXEC_EXECUTABLEBACKEND_H

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Executable.h"

#include <memory>

namespace tcc::rt {

class ExecutableBackend {
public:
  virtual ~ExecutableBackend();
  virtual const Plan &plan() const = 0;
  virtual Status run(const std::vector<const HostArray *> &inputs,
                     std::vector<HostArray> &outputs) = 0;
  virtual int64_t peakBytes() const = 0;
  virtual unsigned threads() const = 0;
  virtual std::string gemmLibrary() const = 0;
  virtual std::string gemmChoice() const = 0;
  virtual std::string device() const = 0;
  virtual double lastComputeMicros() const = 0;
  virtual const std::vector<TraceEvent> &trace() const = 0;
};

/// Checks `inputs` against the plan's signature (count, dtype, shape, size)
/// and sizes `outputs` to the plan's outputs, reusing their arrays.
Status bindHostArrays(const Plan &plan,
                      const std::vector<const HostArray *> &inputs,
                      std::vector<HostArray> &outputs);

namespace cpu {
/// The CPU executor (runtime/src/cpu), for a parsed plan with target "cpu".
StatusOr<std::unique_ptr<ExecutableBackend>>
loadExecutable(const Artifact &artifact, Plan plan,
               const ExecutableOptions &options);
} // namespace cpu

namespace cuda {
/// The CUDA executor (runtime/src/cuda), for a parsed plan with target
/// "cuda". Fails with a clear message when no GPU or driver is found.
StatusOr<std::unique_ptr<ExecutableBackend>>
loadExecutable(const Artifact &artifact, Plan plan,
               const ExecutableOptions &options);
} // namespace cuda

} // namespace tcc::rt

#endif // TCC_RUNTIME_SRC_EXEC_EXECUTABLEBACKEND_H
