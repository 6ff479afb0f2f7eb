//===- Jit.h - compile and run in-process ------------------------*- C++ -*-===//
//
// The in-process path: compile a module for this CPU and run it without
// leaving the process, through the same artifact the command line writes
// (so a JIT-compiled program and `tcc compile` + `tcc run` behave alike),
// with the on-disk compilation cache in front: a second process compiling
// the same module with the same options loads the cached artifact instead.
//
//   MLIRContext context;
//   OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
//   auto model = tcc::jitCompile(*module, {});
//   std::vector<rt::HostArray> outputs;
//   (*model)->run({&x, &w}, outputs);
//
//===----------------------------------------------------------------------===//

#ifndef TCC_JIT_JIT_H
#define TCC_JIT_JIT_H

#include "tcc/Target/CPU/CpuTarget.h"
#include "tcc/runtime/Executable.h"

#include <memory>
#include <string>

namespace mlir::tcc {

struct JitOptions {
  CpuTargetOptions target;
  /// Use the compilation cache (the folder below, or the environment's:
  /// see CompilationCache).
  bool useCache = true;
  std::string cacheDirectory;
  /// Threads for kernels and BLAS; 0 is every core.
  unsigned threads = 0;
};

class JitExecutable {
public:
  const rt::Plan &plan() const { return executable_->plan(); }
  /// Runs on inputs in plan().inputs order; see rt::Executable::run.
  rt::Status run(const std::vector<const rt::HostArray *> &inputs,
                 std::vector<rt::HostArray> &outputs) {
    return executable_->run(inputs, outputs);
  }
  /// Whether the artifact came from the cache (no compilation happened).
  bool loadedFromCache() const { return fromCache_; }
  /// The compiled artifact, as `tcc compile` would write it.
  const std::string &artifact() const { return artifact_; }

private:
  friend FailureOr<std::unique_ptr<JitExecutable>>
  jitCompile(ModuleOp module, const JitOptions &options);
  std::unique_ptr<rt::Executable> executable_;
  std::string artifact_;
  bool fromCache_ = false;
};

/// Compiles `module` (or loads it from the cache) and makes it ready to
/// run. Compilation errors are emitted as diagnostics on the module's
/// context; runtime errors (loading the kernels) too, at the module.
FailureOr<std::unique_ptr<JitExecutable>> jitCompile(ModuleOp module,
                                                     const JitOptions &options);

} // namespace mlir::tcc

#endif // TCC_JIT_JIT_H
