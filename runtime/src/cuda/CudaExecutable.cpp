//===- CudaExecutable.cpp - running a compiled CUDA artifact --------------===//
//
// Loading picks the GPU (TCC_CUDA_DEVICE, else the local MPI rank modulo
// the device count, else 0), retains its primary context, loads the
// artifact's cubin when it was built for this GPU's architecture (else its
// PTX, which the driver compiles), and allocates everything a run needs
// once: the arena, one buffer per input and output, one status word per
// kernel and cuBLASLt's workspace. The allocator is therefore the plan:
// nothing is allocated while running.
//
// A run copies the inputs in, enqueues the commands on one stream, copies
// the outputs and status words out and waits once. From the second run on,
// the commands are captured into a CUDA graph and replayed (one launch for
// the whole program), unless tracing asks for per-command timings.
//
// A per-device program's collectives go to NCCL on the same stream
// (NcclCollectives.h); the wait then polls against the collective timeout
// and names the collective a missing rank left waiting.
//
//===----------------------------------------------------------------------===//

#include "../exec/ExecutableBackend.h"

#include "CublasLt.h"
#include "CudaApi.h"
#ifdef TCC_RUNTIME_HAS_NCCL
#include "NcclCollectives.h"
#endif

#include "tcc/runtime/KernelStatus.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace tcc::rt;
using namespace tcc::rt::cuda;

namespace {

/// The device this process uses.
int chooseDevice(int count) {
  for (const char *name :
       {"TCC_CUDA_DEVICE", "OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID",
        "MPI_LOCALRANKID", "LOCAL_RANK"})
    if (const char *value = std::getenv(name); value && *value) {
      int index = std::atoi(value);
      return count > 0 ? std::max(index, 0) % count : 0;
    }
  return 0;
}

class CudaExecutable final : public ExecutableBackend {
public:
  ~CudaExecutable() override;

  Status load(const Artifact &artifact, Plan plan,
              const ExecutableOptions &options);

  const Plan &plan() const override { return plan_; }
  Status run(const std::vector<const HostArray *> &inputs,
             std::vector<HostArray> &outputs) override;
  int64_t peakBytes() const override { return static_cast<int64_t>(peak_); }
  unsigned threads() const override { return 1; }
  std::string gemmChoice() const override { return ""; }
  std::string gemmLibrary() const override {
    return blas_ ? blas_->version() : "none (no matmul commands)";
  }
  std::string device() const override { return deviceName_; }
  double lastComputeMicros() const override { return lastMicros_; }
  const std::vector<TraceEvent> &trace() const override { return trace_; }

private:
  Status allocate(CUdeviceptr &pointer, int64_t bytes, const std::string &what);
  CUdeviceptr address(const BufferRef &ref) const;
  /// Enqueues the status reset and every command on the stream.
  Status enqueueCommands(bool timeEach);
  Status captureGraph();
  /// Waits for the stream; with collectives, polls it against the
  /// collective timeout and NCCL's asynchronous errors, and names the first
  /// collective that did not complete.
  Status waitForStream();

  const CudaApi *api_ = nullptr;
  std::string origin_;
  Plan plan_;
  CUdevice device_ = 0;
  CUcontext context_ = nullptr;
  CUmodule module_ = nullptr;
  CUstream stream_ = nullptr;
  CUevent start_ = nullptr, stop_ = nullptr;
  std::vector<CUfunction> functions_;
  /// Per command: its status word's index, or -1.
  std::vector<int64_t> statusSlot_;
  std::unique_ptr<CublasLt> blas_;
  /// A per-device program's collectives, with an event recorded after
  /// each (in plan order) to tell which one a timeout stopped at.
#ifdef TCC_RUNTIME_HAS_NCCL
  std::unique_ptr<NcclCollectives> collectives_;
#else
  /// Built without nccl.h: load() refuses per-device programs.
  struct NoCollectives {
    Status enqueue(const CollectiveCommand &, CUdeviceptr, CUdeviceptr,
                   CUstream) {
      return Status::error("built without NCCL");
    }
    Status asyncError() const { return Status::ok(); }
    void abort() {}
  };
  std::unique_ptr<NoCollectives> collectives_;
#endif
  std::vector<CUevent> collectiveDone_;
  /// Per command: its index among the collectives, or -1.
  std::vector<int64_t> collectiveSlot_;
  std::chrono::milliseconds collectiveTimeout_{0};
  int64_t collectivesIssued_ = 0;
  int rank_ = 0;
  CUdeviceptr arena_ = 0, status_ = 0;
  std::vector<CUdeviceptr> inputs_, outputs_, allocations_;
  int64_t kernels_ = 0;
  size_t inUse_ = 0, peak_ = 0;
  std::string deviceName_;
  bool tracing_ = false, useGraphs_ = true;
  CUgraphExec graph_ = nullptr;
  int64_t runs_ = 0;
  double lastMicros_ = 0;
  std::vector<TraceEvent> trace_;
  std::chrono::steady_clock::time_point origin_time_ =
      std::chrono::steady_clock::now();
};

CudaExecutable::~CudaExecutable() {
  if (!api_ || !context_)
    return;
  api_->cuCtxSetCurrent(context_);
  if (stream_)
    api_->cuStreamSynchronize(stream_);
  if (graph_)
    api_->cuGraphExecDestroy(graph_);
  blas_.reset();
  collectives_.reset();
  for (CUevent event : collectiveDone_)
    api_->cuEventDestroy(event);
  for (CUdeviceptr pointer : allocations_)
    api_->cuMemFree(pointer);
  for (CUevent event : {start_, stop_})
    if (event)
      api_->cuEventDestroy(event);
  if (stream_)
    api_->cuStreamDestroy(stream_);
  if (module_)
    api_->cuModuleUnload(module_);
}

Status CudaExecutable::allocate(CUdeviceptr &pointer, int64_t bytes,
                                const std::string &what) {
  // cuMemAlloc refuses 0 bytes; 256 keeps every buffer aligned for the
  // kernels' widest access.
  size_t size = static_cast<size_t>(std::max<int64_t>(bytes, 256));
  if (Status s = api_->check(api_->cuMemAlloc(&pointer, size),
                             "cuMemAlloc");
      !s)
    return s.withContext(origin_ + ": allocating " + std::to_string(size) +
                         " bytes for " + what + " on " + deviceName_);
  allocations_.push_back(pointer);
  inUse_ += size;
  peak_ = std::max(peak_, inUse_);
  return Status::ok();
}

CUdeviceptr CudaExecutable::address(const BufferRef &ref) const {
  switch (ref.kind) {
  case BufferRef::Kind::Input:
    return inputs_[ref.index];
  case BufferRef::Kind::Output:
    return outputs_[ref.index];
  case BufferRef::Kind::Buffer:
    break;
  }
  return arena_ + static_cast<CUdeviceptr>(plan_.buffers[ref.index].offset);
}

Status CudaExecutable::load(const Artifact &artifact, Plan plan,
                            const ExecutableOptions &options) {
  origin_ = artifact.sourceName();
  plan_ = std::move(plan);
  tracing_ = options.trace;
  useGraphs_ = options.cudaGraphs && !options.trace;
  StatusOr<const CudaApi *> api = CudaApi::get();
  if (!api.isOk())
    return api.status().withContext(origin_ + " is compiled for cuda");
  api_ = *api;
  const CudaApi &cu = *api_;
  int count = 0;
  cu.cuDeviceGetCount(&count);
  int index = chooseDevice(count);
  if (Status s = cu.check(cu.cuDeviceGet(&device_, index), "cuDeviceGet"); !s)
    return s;
  char name[256] = {};
  cu.cuDeviceGetName(name, sizeof name - 1, device_);
  int major = 0, minor = 0;
  cu.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                          device_);
  cu.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                          device_);
  std::string arch = "sm_" + std::to_string(major) + std::to_string(minor);
  deviceName_ = std::string(name) + " (" + arch + ", device " +
                std::to_string(index) + ")";
  StatusOr<CUcontext> context = cu.primaryContext(device_);
  if (!context.isOk())
    return context.status();
  context_ = *context;
  if (Status s = cu.check(cu.cuCtxSetCurrent(context_), "cuCtxSetCurrent"); !s)
    return s;

  // The cubin built for this architecture, else the PTX for the driver to
  // compile (a newer GPU than the artifact's target runs it this way).
  std::string image;
  std::string imageKind;
  if (std::optional<ByteSpan> cubin = artifact.findSection(SectionKind::Cubin, arch)) {
    image.assign(reinterpret_cast<const char *>(cubin->data), cubin->size);
    imageKind = "cubin " + arch;
  } else {
    StatusOr<ByteSpan> ptx = artifact.requireSection(SectionKind::Ptx, "kernels");
    if (!ptx.isOk())
      return ptx.status();
    image.assign(reinterpret_cast<const char *>(ptx->data), ptx->size);
    image.push_back('\0');
    imageKind = "PTX for " + plan_.cpu;
  }
  char log[8192] = {};
  CUjit_option jitOptions[] = {CU_JIT_ERROR_LOG_BUFFER,
                               CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *jitValues[] = {log, reinterpret_cast<void *>(sizeof log - 1)};
  CUresult loaded =
      cu.cuModuleLoadDataEx(&module_, image.data(), 2, jitOptions, jitValues);
  if (loaded != CUDA_SUCCESS)
    return cu.check(loaded, "cuModuleLoadDataEx")
        .withContext(origin_ + ": loading its " + imageKind + " on " +
                     deviceName_ + (log[0] ? std::string(": ") + log : ""));

  bool needsBlas = false;
  for (const Command &command : plan_.commands) {
    CUfunction function = nullptr;
    statusSlot_.push_back(-1);
    collectiveSlot_.push_back(-1);
    if (command.kind == Command::Kind::Collective) {
      collectiveSlot_.back() = static_cast<int64_t>(collectiveDone_.size());
      collectiveDone_.push_back(nullptr);
    }
    if (command.kind == Command::Kind::Kernel) {
      if (Status s = cu.check(cu.cuModuleGetFunction(
                                  &function, module_,
                                  command.kernel.symbol.c_str()),
                              "cuModuleGetFunction");
          !s)
        return s.withContext(origin_ + ": kernel " + command.kernel.symbol);
      statusSlot_.back() = kernels_++;
    }
    needsBlas |= command.kind == Command::Kind::Matmul;
    functions_.push_back(function);
  }
  if (Status s = cu.check(cu.cuStreamCreate(&stream_, CU_STREAM_NON_BLOCKING),
                          "cuStreamCreate");
      !s)
    return s;
  for (CUevent *event : {&start_, &stop_})
    if (Status s = cu.check(cu.cuEventCreate(event, CU_EVENT_DEFAULT),
                            "cuEventCreate");
        !s)
      return s;
  if (!plan_.mesh.empty()) {
#ifndef TCC_RUNTIME_HAS_NCCL
    return Status::error(
        origin_ + " is a per-device program for a mesh of " +
        std::to_string(plan_.mesh.numDevices()) + " devices (" +
        plan_.mesh.describe() +
        "); this tcc-run was built without NCCL's header (nccl.h), so it "
        "cannot run collectives on the GPU: rebuild the runtime with "
        "-DTCC_NCCL_INCLUDE=<folder of nccl.h>");
#else
    collectiveTimeout_ = std::chrono::milliseconds(options.collectiveTimeoutMs);
    rank_ = options.communicator ? options.communicator->rank() : 0;
    StatusOr<std::unique_ptr<NcclCollectives>> collectives =
        NcclCollectives::create(plan_, options.communicator, cu, origin_,
                                collectiveTimeout_, options.skipCollective);
    if (!collectives.isOk())
      return collectives.status();
    collectives_ = std::move(*collectives);
    inUse_ += collectives_->scratchBytes();
    peak_ = std::max(peak_, inUse_);
    for (CUevent &event : collectiveDone_)
      if (Status s = cu.check(cu.cuEventCreate(&event, CU_EVENT_DISABLE_TIMING),
                              "cuEventCreate");
          !s)
        return s;
    // Replaying a graph would hide which collective a timeout stopped at
    // (and a skipped collective, for the fault-injection tests): a
    // per-device program enqueues its commands on every run.
    useGraphs_ = false;
#endif
  }
  if (needsBlas) {
    StatusOr<std::unique_ptr<CublasLt>> blas = CublasLt::create(cu);
    if (!blas.isOk())
      return blas.status().withContext(origin_);
    blas_ = std::move(*blas);
    inUse_ += blas_->workspaceBytes();
    peak_ = std::max(peak_, inUse_);
  }
  if (Status s = allocate(arena_, plan_.arenaBytes, "the arena"); !s)
    return s;
  if (Status s = allocate(status_, kernels_ * 4, "status words"); !s)
    return s;
  for (const TensorSpec &spec : plan_.inputs) {
    inputs_.push_back(0);
    if (Status s = allocate(inputs_.back(), spec.byteSize(), "input '" + spec.name + "'");
        !s)
      return s;
  }
  for (const TensorSpec &spec : plan_.outputs) {
    outputs_.push_back(0);
    if (Status s = allocate(outputs_.back(), spec.byteSize(),
                            "output '" + spec.name + "'");
        !s)
      return s;
  }
  return Status::ok();
}

Status CudaExecutable::enqueueCommands(bool timeEach) {
  const CudaApi &cu = *api_;
  if (Status s = cu.check(cu.cuMemsetD8Async(status_, 0,
                                             static_cast<size_t>(kernels_ * 4),
                                             stream_),
                          "cuMemsetD8Async");
      !s)
    return s;
  std::vector<CUdeviceptr> values;
  std::vector<void *> params;
  for (size_t c = 0; c < plan_.commands.size(); ++c) {
    const Command &command = plan_.commands[c];
    CUevent before = nullptr, after = nullptr;
    if (timeEach) {
      cu.cuEventCreate(&before, CU_EVENT_DEFAULT);
      cu.cuEventCreate(&after, CU_EVENT_DEFAULT);
      cu.cuEventRecord(before, stream_);
    }
    Status status = Status::ok();
    switch (command.kind) {
    case Command::Kind::Kernel: {
      values.clear();
      for (const BufferRef &ref : command.kernel.args)
        values.push_back(address(ref));
      values.push_back(status_ + static_cast<CUdeviceptr>(statusSlot_[c] * 4));
      params.clear();
      for (CUdeviceptr &value : values)
        params.push_back(&value);
      status = cu.check(
          cu.cuLaunchKernel(functions_[c],
                            static_cast<unsigned>(command.kernel.tiles), 1, 1,
                            static_cast<unsigned>(command.kernel.threads), 1, 1,
                            0, stream_, params.data(), nullptr),
          "cuLaunchKernel");
      break;
    }
    case Command::Kind::Matmul:
      status = blas_->matmul(command.matmul, address(command.matmul.lhs),
                             address(command.matmul.rhs),
                             command.matmul.hasBias
                                 ? address(command.matmul.bias)
                                 : CUdeviceptr(0),
                             address(command.matmul.out), stream_);
      break;
    case Command::Kind::Copy:
      status = cu.check(cu.cuMemcpyDtoDAsync(address(command.copy.to),
                                             address(command.copy.from),
                                             static_cast<size_t>(command.copy.bytes),
                                             stream_),
                        "cuMemcpyDtoDAsync");
      break;
    case Command::Kind::Collective:
      status = collectives_->enqueue(command.collective,
                                     address(command.collective.in),
                                     address(command.collective.out), stream_);
      if (status)
        status = cu.check(
            cu.cuEventRecord(collectiveDone_[collectiveSlot_[c]], stream_),
            "cuEventRecord");
      break;
    }
    if (!status)
      return status.withContext(command.label);
    if (timeEach) {
      cu.cuEventRecord(after, stream_);
      cu.cuEventSynchronize(after);
      float startMs = 0, durationMs = 0;
      cu.cuEventElapsedTime(&startMs, start_, before);
      cu.cuEventElapsedTime(&durationMs, before, after);
      const char *category =
          command.kind == Command::Kind::Kernel       ? "kernel"
          : command.kind == Command::Kind::Matmul     ? "matmul"
          : command.kind == Command::Kind::Collective ? "collective"
                                                      : "copy";
      double base = std::chrono::duration<double, std::micro>(
                        std::chrono::steady_clock::now() - origin_time_)
                        .count();
      trace_.push_back({command.label, category, base + startMs * 1e3,
                        durationMs * 1e3});
      cu.cuEventDestroy(before);
      cu.cuEventDestroy(after);
    }
  }
  return Status::ok();
}

Status CudaExecutable::captureGraph() {
  const CudaApi &cu = *api_;
  if (Status s = cu.check(cu.cuStreamBeginCapture(
                              stream_, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                          "cuStreamBeginCapture");
      !s)
    return s;
  Status enqueued = enqueueCommands(/*timeEach=*/false);
  CUgraph graph = nullptr;
  Status ended = cu.check(cu.cuStreamEndCapture(stream_, &graph),
                          "cuStreamEndCapture");
  if (!enqueued || !ended) {
    if (graph)
      cu.cuGraphDestroy(graph);
    return !enqueued ? enqueued : ended;
  }
  Status instantiated =
      cu.check(cu.cuGraphInstantiate(&graph_, graph, 0), "cuGraphInstantiate");
  cu.cuGraphDestroy(graph);
  return instantiated;
}

Status CudaExecutable::run(const std::vector<const HostArray *> &inputs,
                           std::vector<HostArray> &outputs) {
  if (Status bound = bindHostArrays(plan_, inputs, outputs); !bound)
    return bound;
  const CudaApi &cu = *api_;
  if (Status s = cu.check(cu.cuCtxSetCurrent(context_), "cuCtxSetCurrent"); !s)
    return s;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (Status s = cu.check(cu.cuMemcpyHtoDAsync(inputs_[i],
                                                 inputs[i]->bytes.data(),
                                                 inputs[i]->bytes.size(),
                                                 stream_),
                            "cuMemcpyHtoDAsync");
        !s)
      return s.withContext("input '" + plan_.inputs[i].name + "'");
  cu.cuEventRecord(start_, stream_);
  // The first run is eager, so that an error names its command; later runs
  // replay one graph of the same commands.
  if (useGraphs_ && runs_ > 0 && !graph_) {
    if (Status captured = captureGraph(); !captured) {
      useGraphs_ = false;
      graph_ = nullptr;
    }
  }
  Status ran = graph_ ? cu.check(cu.cuGraphLaunch(graph_, stream_), "cuGraphLaunch")
                      : enqueueCommands(tracing_);
  if (!ran)
    return ran;
  cu.cuEventRecord(stop_, stream_);
  std::vector<int32_t> statuses(static_cast<size_t>(kernels_));
  if (kernels_ > 0)
    if (Status s = cu.check(cu.cuMemcpyDtoHAsync(statuses.data(), status_,
                                                 statuses.size() * 4, stream_),
                            "cuMemcpyDtoHAsync");
        !s)
      return s;
  for (size_t i = 0; i < outputs.size(); ++i)
    if (Status s = cu.check(cu.cuMemcpyDtoHAsync(outputs[i].bytes.data(),
                                                 outputs_[i],
                                                 outputs[i].bytes.size(),
                                                 stream_),
                            "cuMemcpyDtoHAsync");
        !s)
      return s;
  if (Status s = waitForStream(); !s)
    return s.withContext(origin_ + ": running on " + deviceName_);
  float ms = 0;
  cu.cuEventElapsedTime(&ms, start_, stop_);
  lastMicros_ = ms * 1e3;
  ++runs_;
  for (size_t c = 0; c < plan_.commands.size(); ++c)
    if (statusSlot_[c] >= 0 && statuses[statusSlot_[c]] != 0)
      return Status::error(plan_.commands[c].label + ": " +
                           kernelStatusMessage(statuses[statusSlot_[c]]));
  return Status::ok();
}

Status CudaExecutable::waitForStream() {
  const CudaApi &cu = *api_;
  int64_t issuedBefore = collectivesIssued_;
  collectivesIssued_ += static_cast<int64_t>(collectiveDone_.size());
  if (!collectives_)
    return cu.check(cu.cuStreamSynchronize(stream_), "cuStreamSynchronize");
  auto deadline = std::chrono::steady_clock::now() + collectiveTimeout_;
  for (;;) {
    CUresult state = cu.cuStreamQuery(stream_);
    if (state != CUDA_ERROR_NOT_READY)
      return cu.check(state, "cuStreamQuery");
    if (Status s = collectives_->asyncError(); !s) {
      collectives_->abort();
      return s.withContext("rank " + std::to_string(rank_));
    }
    if (std::chrono::steady_clock::now() > deadline)
      break;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  // The first collective whose event has not fired is the one waiting.
  size_t stuck = 0;
  while (stuck < collectiveDone_.size() &&
         cu.cuEventQuery(collectiveDone_[stuck]) == CUDA_SUCCESS)
    ++stuck;
  std::string what = "the commands after the last collective";
  for (size_t c = 0; c < plan_.commands.size(); ++c)
    if (collectiveSlot_[c] == static_cast<int64_t>(stuck))
      what = "collective #" + std::to_string(issuedBefore + int64_t(stuck)) +
             " (" + plan_.commands[c].label + ", " +
             collectiveKindName(plan_.commands[c].collective.kind) + ")";
  collectives_->abort();
  return Status::error(
      "rank " + std::to_string(rank_) + ": " + what + " did not complete within " +
      std::to_string(collectiveTimeout_.count()) +
      " ms: another rank did not arrive or failed (NCCL cannot tell which; "
      "every rank that waits reports its own; the communicators were "
      "aborted)");
}

} // namespace

StatusOr<std::unique_ptr<ExecutableBackend>>
cuda::loadExecutable(const Artifact &artifact, Plan plan,
                     const ExecutableOptions &options) {
  auto executable = std::make_unique<CudaExecutable>();
  if (Status s = executable->load(artifact, std::move(plan), options); !s)
    return s;
  return std::unique_ptr<ExecutableBackend>(std::move(executable));
}
