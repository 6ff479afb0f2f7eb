//===- Jit.cpp - compile and run in-process -------------------------------===//

#include "tcc/JIT/Jit.h"

#include "tcc/JIT/CompilationCache.h"
#include "tcc/runtime/Artifact.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::tcc;

FailureOr<std::unique_ptr<JitExecutable>>
mlir::tcc::jitCompile(ModuleOp module, const JitOptions &options) {
  auto result = std::make_unique<JitExecutable>();
  CompilationCache cache = options.cacheDirectory.empty()
                               ? CompilationCache::fromEnvironment()
                               : CompilationCache(options.cacheDirectory);
  std::string key;
  if (options.useCache && cache.enabled()) {
    key = cache.key(module, options.target);
    if (std::optional<std::string> hit = cache.lookup(key)) {
      result->artifact_ = std::move(*hit);
      result->fromCache_ = true;
    }
  }
  if (!result->fromCache_) {
    FailureOr<CpuCompilation> compiled =
        compileForCpu(module, options.target, CpuStage::Object);
    if (failed(compiled))
      return failure();
    FailureOr<std::string> artifact =
        packageArtifact(*compiled, "<jit>", module.getLoc());
    if (failed(artifact))
      return failure();
    result->artifact_ = std::move(*artifact);
    if (!key.empty())
      cache.store(key, result->artifact_);
  }
  auto artifact = ::tcc::rt::parseArtifact(
      reinterpret_cast<const uint8_t *>(result->artifact_.data()),
      result->artifact_.size(), "<jit>");
  if (!artifact.isOk())
    return emitError(module.getLoc()) << artifact.status().message();
  ::tcc::rt::ExecutableOptions executableOptions;
  executableOptions.threads = options.threads;
  auto executable = ::tcc::rt::Executable::load(*artifact, executableOptions);
  if (!executable.isOk())
    return emitError(module.getLoc()) << executable.status().message();
  result->executable_ = std::move(*executable);
  return result;
}
