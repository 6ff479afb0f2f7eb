//===- Executable.h - running a compiled artifact ----------------*- C++ -*-===//
//
// An Executable is an artifact made ready to run on the backend its plan
// names: its plan parsed and validated, its kernels loaded (on the CPU,
// dlopen of the shared object it carries; on CUDA, the cubin or PTX as a
// module of the GPU's context), its arena allocated once. run() binds
// inputs by position (inputs are checked against the signature by name,
// dtype and shape), executes the commands in order — kernels split over
// the thread pool or launched on the GPU, matmuls through BLAS or
// cuBLASLt — and returns the outputs in host memory.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_EXECUTABLE_H
#define TCC_RUNTIME_EXECUTABLE_H

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Communicator.h"
#include "tcc/runtime/HostArray.h"
#include "tcc/runtime/Plan.h"
#include "tcc/runtime/Status.h"
#include "tcc/runtime/Trace.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tcc::rt {

class ExecutableBackend;

struct ExecutableOptions {
  /// Threads for kernels and BLAS; 0 is every core (CPU).
  unsigned threads = 0;
  /// Record a TraceEvent per command (on a GPU: each command timed by
  /// events, and no CUDA graph).
  bool trace = false;
  /// CUDA: replay runs after the first as one CUDA graph.
  bool cudaGraphs = true;
  /// CPU: the library for f32 GEMMs, "openblas" or "onednn"; empty to
  /// measure both on the plan's shapes at load (TCC_GEMM overrides). The
  /// two round differently, so a run that must repeat another bit for bit
  /// (a resumed training run) names the one the other used.
  std::string gemm;
  /// The job's communicator, for a per-device program (a plan with a
  /// mesh): one rank per device. Not owned; it must outlive the
  /// Executable. Null is fine for single-device programs.
  Communicator *communicator = nullptr;
  /// Fault injection for tests of the communicator's error paths: this
  /// process leaves out its collective number `skipCollective` (counted
  /// from 0 over all runs), or none when negative.
  int64_t skipCollective = -1;
  /// CPU: run a per-device program's collectives on a thread of their own,
  /// overlapping the commands after them (each command waits only for the
  /// collectives whose memory it touches). Off: collectives run in order,
  /// where the plan issues them.
  bool overlapCollectives = false;
  /// CUDA: how long a run waits for its collectives (NCCL) before it
  /// aborts them and names the one that did not complete. (On the CPU the
  /// communicator has its own timeout.)
  uint64_t collectiveTimeoutMs = 60000;
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

  /// The driver's measured peak (the arena and every other runtime
  /// allocation on the device that runs the program), in bytes.
  int64_t peakBytes() const;
  unsigned threads() const;
  /// The library the plan's f32 GEMMs run on, with its version.
  std::string gemmLibrary() const;
  /// Its name as ExecutableOptions::gemm takes it ("" where the choice
  /// does not apply: CUDA).
  std::string gemmChoice() const;
  /// What runs the program: "cpu" or the GPU's name and architecture.
  std::string device() const;
  /// Microseconds the last run() spent computing: on a GPU, the device time
  /// between its first and last command (no transfers); on the CPU, the
  /// whole run.
  double lastComputeMicros() const;
  const std::vector<TraceEvent> &trace() const;

private:
  explicit Executable(std::unique_ptr<ExecutableBackend> backend);
  std::unique_ptr<ExecutableBackend> backend_;
};

} // namespace tcc::rt

#endif // TCC_RUNTIME_EXECUTABLE_H
