//===- Executable.cpp - loading an artifact onto the backend it names -----===//

#include "ExecutableBackend.h"

using namespace tcc::rt;

// A backend this build does not have still answers clearly.
#ifndef TCC_RUNTIME_HAS_CPU
StatusOr<std::unique_ptr<ExecutableBackend>>
cpu::loadExecutable(const Artifact &artifact, Plan, const ExecutableOptions &) {
  return Status::error(artifact.sourceName() + ": the artifact targets the CPU, and this runtime was "
                       "built without the CPU executor (OpenBLAS and oneDNN "
                       "were not found)");
}
#endif
#ifndef TCC_RUNTIME_HAS_CUDA
StatusOr<std::unique_ptr<ExecutableBackend>>
cuda::loadExecutable(const Artifact &artifact, Plan, const ExecutableOptions &) {
  return Status::error(artifact.sourceName() + ": the artifact targets cuda, and this runtime was "
                       "built without the CUDA executor (the CUDA toolkit's "
                       "headers were not found at build time)");
}
#endif

Executable::Executable(std::unique_ptr<ExecutableBackend> backend)
    : backend_(std::move(backend)) {}
Executable::~Executable() = default;

StatusOr<std::unique_ptr<Executable>>
Executable::load(const Artifact &artifact, const ExecutableOptions &options) {
  const std::string &origin = artifact.sourceName();
  StatusOr<ByteSpan> planBytes = artifact.requireSection(SectionKind::Plan, "plan");
  if (!planBytes.isOk())
    return planBytes.status();
  StatusOr<Plan> plan = parsePlan(planBytes->text());
  if (!plan.isOk())
    return plan.status().withContext(origin);
  // Backends name the artifact in their errors.
  std::string target = plan->target;
  StatusOr<std::unique_ptr<ExecutableBackend>> backend =
      target == "cpu"    ? cpu::loadExecutable(artifact, std::move(*plan), options)
      : target == "cuda" ? cuda::loadExecutable(artifact, std::move(*plan), options)
                         : StatusOr<std::unique_ptr<ExecutableBackend>>(
                               Status::error(origin + ": compiled for target '" +
                                             target + "', which this runtime "
                                             "does not know (cpu, cuda)"));
  if (!backend.isOk())
    return backend.status();
  return std::unique_ptr<Executable>(new Executable(std::move(*backend)));
}

const Plan &Executable::plan() const { return backend_->plan(); }
Status Executable::run(const std::vector<const HostArray *> &inputs,
                       std::vector<HostArray> &outputs) {
  return backend_->run(inputs, outputs);
}
int64_t Executable::peakBytes() const { return backend_->peakBytes(); }
unsigned Executable::threads() const { return backend_->threads(); }
std::string Executable::gemmLibrary() const { return backend_->gemmLibrary(); }
std::string Executable::gemmChoice() const { return backend_->gemmChoice(); }
std::string Executable::device() const { return backend_->device(); }
double Executable::lastComputeMicros() const {
  return backend_->lastComputeMicros();
}
const std::vector<TraceEvent> &Executable::trace() const {
  return backend_->trace();
}
