//===- Executable.cpp - running a compiled CPU artifact -------------------===//

#include "tcc/runtime/Executable.h"

#include "Blas.h"
#include "HostFeatures.h"
#include "KernelLibrary.h"

#include "tcc/runtime/Driver.h"
#include "tcc/runtime/KernelStatus.h"
#include "tcc/runtime/ThreadPool.h"

#include <chrono>
#include <cstring>

using namespace tcc::rt;

struct Executable::Impl {
  Plan plan;
  std::unique_ptr<cpu::KernelLibrary> library;
  /// Per command: its kernel, or null.
  std::vector<cpu::KernelFn> kernels;
  /// The library of the plan's f32 GEMMs.
  cpu::GemmLibrary gemmLibrary = cpu::GemmLibrary::OneDnn;
  std::unique_ptr<Driver> driver;
  DeviceBuffer arena;
  std::unique_ptr<ThreadPool> pool;
  bool tracing = false;
  std::vector<TraceEvent> trace;
  std::chrono::steady_clock::time_point origin;

  ~Impl() {
    if (driver && !arena.empty())
      (void)driver->release(arena);
  }

  uint8_t *arenaBase() const { return static_cast<uint8_t *>(arena.handle); }
  double nowUs() const {
    return std::chrono::duration<double, std::micro>(
               std::chrono::steady_clock::now() - origin)
        .count();
  }
};

Executable::Executable(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Executable::~Executable() = default;

const Plan &Executable::plan() const { return impl_->plan; }
unsigned Executable::threads() const { return impl_->pool->size(); }
std::string Executable::gemmLibrary() const {
  return cpu::gemmLibraryDescription(impl_->gemmLibrary);
}
const std::vector<TraceEvent> &Executable::trace() const { return impl_->trace; }
int64_t Executable::peakBytes() const {
  return static_cast<int64_t>(impl_->driver->stats().peakBytes);
}

StatusOr<std::unique_ptr<Executable>>
Executable::load(const Artifact &artifact, const ExecutableOptions &options) {
  auto impl = std::make_unique<Impl>();
  impl->origin = std::chrono::steady_clock::now();
  impl->tracing = options.trace;
  const std::string &origin = artifact.sourceName();
  StatusOr<ByteSpan> planBytes = artifact.requireSection(SectionKind::Plan, "plan");
  if (!planBytes.isOk())
    return planBytes.status();
  StatusOr<Plan> plan = parsePlan(planBytes->text());
  if (!plan.isOk())
    return plan.status().withContext(origin);
  impl->plan = std::move(*plan);
  if (impl->plan.target != "cpu")
    return Status::error(origin + ": compiled for target '" +
                         impl->plan.target + "', this runtime runs 'cpu'");
  Status supported =
      cpu::checkHostSupports(impl->plan.cpu, impl->plan.cpuFeatures);
  if (!supported)
    return supported.withContext(origin);
  StatusOr<ByteSpan> object =
      artifact.requireSection(SectionKind::HostObject, "kernels");
  if (!object.isOk())
    return object.status();
  auto library = cpu::KernelLibrary::load(object->data, object->size, origin);
  if (!library.isOk())
    return library.status();
  impl->library = std::move(*library);
  for (const Command &command : impl->plan.commands) {
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
  auto arena = impl->driver->allocate(static_cast<size_t>(impl->plan.arenaBytes));
  if (!arena.isOk())
    return arena.status().withContext(origin + ": allocating the " +
                                      std::to_string(impl->plan.arenaBytes) +
                                      "-byte arena");
  impl->arena = *arena;
  impl->pool = std::make_unique<ThreadPool>(options.threads);
  cpu::configureBlas(impl->pool->size());
  std::vector<const MatmulCommand *> gemms;
  for (const Command &command : impl->plan.commands)
    if (command.kind == Command::Kind::Matmul)
      gemms.push_back(&command.matmul);
  impl->gemmLibrary = cpu::chooseGemmLibrary(gemms);
  return std::unique_ptr<Executable>(new Executable(std::move(impl)));
}

Status Executable::run(const std::vector<const HostArray *> &inputs,
                       std::vector<HostArray> &outputs) {
  Impl &impl = *impl_;
  const Plan &plan = impl.plan;
  if (inputs.size() != plan.inputs.size())
    return Status::error("the program takes " +
                         std::to_string(plan.inputs.size()) + " inputs, got " +
                         std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec &spec = plan.inputs[i];
    const HostArray &array = *inputs[i];
    if (array.dtype != spec.dtype || array.shape != spec.shape ||
        static_cast<int64_t>(array.bytes.size()) != spec.byteSize())
      return Status::error("input '" + spec.name + "': expected " +
                           describeTensor(spec.dtype, spec.shape) + ", got " +
                           describeTensor(array.dtype, array.shape));
  }
  // Outputs are written in place: arrays of the right size are reused, so
  // a caller running the plan repeatedly allocates them once.
  outputs.resize(plan.outputs.size());
  for (size_t i = 0; i < plan.outputs.size(); ++i) {
    const TensorSpec &spec = plan.outputs[i];
    HostArray &array = outputs[i];
    array.dtype = spec.dtype;
    array.shape = spec.shape;
    array.bytes.resize(static_cast<size_t>(spec.byteSize()));
  }
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
  std::vector<void *> args;
  for (size_t c = 0; c < plan.commands.size(); ++c) {
    const Command &command = plan.commands[c];
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
          return ran;
      }
      if (status != 0)
        return Status::error(command.label + ": " + kernelStatusMessage(status));
      break;
    }
    case Command::Kind::Matmul:
      category = "matmul";
      cpu::runMatmul(command.matmul,
                     command.matmul.dtype == DType::F32
                         ? impl.gemmLibrary
                         : cpu::GemmLibrary::OpenBlas,
                     address(command.matmul.lhs),
                     address(command.matmul.rhs), address(command.matmul.out));
      break;
    case Command::Kind::Copy:
      std::memmove(address(command.copy.to), address(command.copy.from),
                   static_cast<size_t>(command.copy.bytes));
      break;
    }
    if (impl.tracing) {
      std::string name = command.label;
      if (command.kind == Command::Kind::Matmul)
        name += std::string(" [") +
                cpu::gemmLibraryName(command.matmul.dtype == DType::F32
                                         ? impl.gemmLibrary
                                         : cpu::GemmLibrary::OpenBlas) +
                "]";
      impl.trace.push_back({name, category, start, impl.nowUs() - start});
    }
  }
  if (impl.tracing)
    impl.trace.push_back({"run", "run", runStart, impl.nowUs() - runStart});
  return Status::ok();
}
