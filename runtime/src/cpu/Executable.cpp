//===- Executable.cpp - running a compiled CPU artifact -------------------===//

#include "../exec/ExecutableBackend.h"

#include "Blas.h"
#include "CollectiveQueue.h"
#include "Collectives.h"
#include "HostFeatures.h"
#include "KernelLibrary.h"

#include "tcc/runtime/Driver.h"
#include "tcc/runtime/KernelStatus.h"
#include "tcc/runtime/ThreadPool.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

using namespace tcc::rt;

namespace {

class CpuExecutable final : public ExecutableBackend {
public:
  Plan plan_;
  std::unique_ptr<cpu::KernelLibrary> library;
  /// A per-device program's collectives (plans with a mesh).
  std::unique_ptr<cpu::CollectiveRunner> collectives;
  /// With overlapCollectives: the thread the collectives run on, and per
  /// command how many of them it waits for.
  std::unique_ptr<cpu::CollectiveQueue> queue;
  std::vector<int64_t> waits;
  /// Per command: its kernel, or null.
  std::vector<cpu::KernelFn> kernels;
  /// The library of the plan's f32 GEMMs.
  cpu::GemmLibrary gemmLibrary_ = cpu::GemmLibrary::OneDnn;
  std::unique_ptr<Driver> driver;
  DeviceBuffer arena;
  std::unique_ptr<ThreadPool> pool;
  bool tracing = false;
  std::vector<TraceEvent> trace_;
  std::chrono::steady_clock::time_point origin;
  double lastRunMicros = 0;

  ~CpuExecutable() override {
    queue.reset(); // before the runner it calls
    if (driver && !arena.empty())
      (void)driver->release(arena);
  }

  uint8_t *arenaBase() const { return static_cast<uint8_t *>(arena.handle); }
  double nowUs() const {
    return std::chrono::duration<double, std::micro>(
               std::chrono::steady_clock::now() - origin)
        .count();
  }

  const Plan &plan() const override { return plan_; }
  Status run(const std::vector<const HostArray *> &inputs,
             std::vector<HostArray> &outputs) override;
  int64_t peakBytes() const override {
    return static_cast<int64_t>(driver->stats().peakBytes);
  }
  unsigned threads() const override { return pool->size(); }
  std::string gemmChoice() const override {
    return gemmLibrary_ == cpu::GemmLibrary::OneDnn ? "onednn" : "openblas";
  }
  std::string gemmLibrary() const override {
    return cpu::gemmLibraryDescription(gemmLibrary_);
  }
  std::string device() const override { return "cpu"; }
  double lastComputeMicros() const override { return lastRunMicros; }
  const std::vector<TraceEvent> &trace() const override { return trace_; }
};

} // namespace

StatusOr<std::unique_ptr<ExecutableBackend>>
cpu::loadExecutable(const Artifact &artifact, Plan plan,
                    const ExecutableOptions &options) {
  auto impl = std::make_unique<CpuExecutable>();
  impl->origin = std::chrono::steady_clock::now();
  impl->tracing = options.trace;
  const std::string &origin = artifact.sourceName();
  impl->plan_ = std::move(plan);
  Status supported =
      cpu::checkHostSupports(impl->plan_.cpu, impl->plan_.cpuFeatures);
  if (!supported)
    return supported.withContext(origin);
  for (const Command &command : impl->plan_.commands)
    if (command.kind == Command::Kind::Matmul &&
        command.matmul.dtype != DType::F32 && command.matmul.dtype != DType::F64)
      return Status::error(origin + ": " + command.label + ": a " +
                           std::string(dtypeName(command.matmul.dtype)) +
                           " matmul command needs the cuda target");
  if (!impl->plan_.mesh.empty()) {
    StatusOr<std::unique_ptr<cpu::CollectiveRunner>> runner =
        cpu::CollectiveRunner::create(impl->plan_, options.communicator,
                                      origin, options.skipCollective);
    if (!runner)
      return runner.status();
    impl->collectives = std::move(*runner);
    // Traced runs time each collective where it is issued: in order.
    if (options.overlapCollectives && !options.trace) {
      impl->queue = std::make_unique<cpu::CollectiveQueue>(*impl->collectives);
      impl->waits = cpu::collectiveWaits(impl->plan_);
    }
  }
  StatusOr<ByteSpan> object =
      artifact.requireSection(SectionKind::HostObject, "kernels");
  if (!object.isOk())
    return object.status();
  auto library = cpu::KernelLibrary::load(object->data, object->size, origin);
  if (!library.isOk())
    return library.status();
  impl->library = std::move(*library);
  for (const Command &command : impl->plan_.commands) {
    cpu::KernelFn fn = nullptr;
    if (command.kind == Command::Kind::Kernel) {
      StatusOr<cpu::KernelFn> found = impl->library->lookup(command.kernel.symbol);
      if (!found.isOk())
        return found.status();
      fn = *found;
    }
    impl->kernels.push_back(fn);
  }
  auto driver = createDriver("host");
  if (!driver.isOk())
    return driver.status();
  impl->driver = std::move(*driver);
  auto arena = impl->driver->allocate(static_cast<size_t>(impl->plan_.arenaBytes));
  if (!arena.isOk())
    return arena.status().withContext(origin + ": allocating the " +
                                      std::to_string(impl->plan_.arenaBytes) +
                                      "-byte arena");
  impl->arena = *arena;
  impl->pool = std::make_unique<ThreadPool>(options.threads);
  cpu::configureBlas(impl->pool->size());
  std::vector<const MatmulCommand *> gemms;
  for (const Command &command : impl->plan_.commands)
    if (command.kind == Command::Kind::Matmul)
      gemms.push_back(&command.matmul);
  if (options.gemm == "openblas")
    impl->gemmLibrary_ = cpu::GemmLibrary::OpenBlas;
  else if (options.gemm == "onednn")
    impl->gemmLibrary_ = cpu::GemmLibrary::OneDnn;
  else if (!options.gemm.empty())
    return Status::error(origin + ": unknown GEMM library '" + options.gemm +
                         "' (openblas or onednn)");
  if (options.gemm.empty() || std::getenv("TCC_GEMM"))
    impl->gemmLibrary_ = cpu::chooseGemmLibrary(gemms);
  return std::unique_ptr<ExecutableBackend>(std::move(impl));
}

Status CpuExecutable::run(const std::vector<const HostArray *> &inputs,
                          std::vector<HostArray> &outputs) {
  CpuExecutable &impl = *this;
  const Plan &plan = plan_;
  if (Status bound = bindHostArrays(plan, inputs, outputs); !bound)
    return bound;
  auto address = [&](const BufferRef &ref) -> uint8_t * {
    switch (ref.kind) {
    case BufferRef::Kind::Input:
      return const_cast<uint8_t *>(inputs[ref.index]->bytes.data());
    case BufferRef::Kind::Output:
      return outputs[ref.index].bytes.data();
    case BufferRef::Kind::Buffer:
      break;
    }
    return impl.arenaBase() + plan.buffers[ref.index].offset;
  };
  double runStart = impl.nowUs();
  // With a queue, nothing returns before the collectives in flight are
  // done: they read and write the caller's arrays.
  auto finish = [&](Status status) {
    if (!impl.queue)
      return status;
    Status drained = impl.queue->drain();
    return !status ? status : drained;
  };
  int64_t collectivesDone = 0;
  std::vector<void *> args;
  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const Command &command = plan.commands[c];
    if (impl.queue && impl.waits[c] > collectivesDone) {
      if (Status s = impl.queue->waitFor(impl.waits[c]); !s)
        return finish(s);
      collectivesDone = impl.waits[c];
    }
    double start = impl.tracing ? impl.nowUs() : 0;
    const char *category = "copy";
    switch (command.kind) {
    case Command::Kind::Kernel: {
      category = "kernel";
      // Kernels store an error code here atomically from any thread; the
      // pool's join orders the stores before the read below.
      int32_t status = 0;
      args.clear();
      for (const BufferRef &ref : command.kernel.args)
        args.push_back(address(ref));
      args.push_back(&status);
      cpu::KernelFn fn = impl.kernels[c];
      int64_t tiles = command.kernel.tiles;
      int64_t chunks = static_cast<int64_t>(impl.pool->size()) * 4;
      int64_t grain = std::max<int64_t>(1, (tiles + chunks - 1) / chunks);
      if (tiles == 1) {
        fn(args.data(), 0, 1);
      } else {
        Status ran = impl.pool->parallelFor(
            tiles, grain, [&](int64_t begin, int64_t end) {
              fn(args.data(), begin, end);
              return Status::ok();
            });
        if (!ran)
          return finish(ran);
      }
      if (status != 0)
        return finish(Status::error(command.label + ": " +
                                    kernelStatusMessage(status)));
      break;
    }
    case Command::Kind::Matmul:
      category = "matmul";
      cpu::runMatmul(command.matmul,
                     command.matmul.dtype == DType::F32
                         ? impl.gemmLibrary_
                         : cpu::GemmLibrary::OpenBlas,
                     address(command.matmul.lhs), address(command.matmul.rhs),
                     command.matmul.hasBias ? address(command.matmul.bias)
                                            : nullptr,
                     address(command.matmul.out));
      break;
    case Command::Kind::Copy:
      std::memmove(address(command.copy.to), address(command.copy.from),
                   static_cast<size_t>(command.copy.bytes));
      break;
    case Command::Kind::Collective: {
      category = "collective";
      const CollectiveCommand &cc = command.collective;
      if (impl.queue) {
        impl.queue->submit(cc, command.label, address(cc.in), address(cc.out));
        break;
      }
      if (Status s = impl.collectives->run(cc, address(cc.in), address(cc.out));
          !s)
        return s.withContext(command.label);
      break;
    }
    }
    if (impl.tracing) {
      std::string name = command.label;
      if (command.kind == Command::Kind::Matmul)
        name += std::string(" [") +
                cpu::gemmLibraryName(command.matmul.dtype == DType::F32
                                         ? impl.gemmLibrary_
                                         : cpu::GemmLibrary::OpenBlas) +
                "]";
      impl.trace_.push_back({name, category, start, impl.nowUs() - start});
    }
  }
  if (Status s = finish(Status::ok()); !s)
    return s;
  lastRunMicros = impl.nowUs() - runStart;
  if (impl.tracing)
    impl.trace_.push_back({"run", "run", runStart, lastRunMicros});
  return Status::ok();
}
