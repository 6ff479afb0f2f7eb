//===- CompilationCache.h - compiled artifacts kept across processes -*- C++ -*-===//
//
// A compilation is a pure function of the module (with its locations, which
// become the plan's labels), the options, the target CPU and the compiler
// itself, so its artifact can be reused: the cache keys it by a SHA-256 of
// all of them. The compiler's identity is its version and the size and
// modification time of the running executable, so any rebuild invalidates
// every entry. Entries are whole .tccm files written atomically and
// checked (magic, version, checksums) when read, so a torn or corrupted
// entry is a miss, never a wrong program.
//
// The folder is $TCC_CACHE_DIR, else $XDG_CACHE_HOME/tcc, else
// ~/.cache/tcc; TCC_CACHE=0 turns the cache off.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_JIT_COMPILATIONCACHE_H
#define TCC_JIT_COMPILATIONCACHE_H

#include "tcc/Target/CPU/CpuTarget.h"

#include <optional>
#include <string>

namespace mlir::tcc {

class CompilationCache {
public:
  static CompilationCache fromEnvironment();
  explicit CompilationCache(std::string directory)
      : directory_(std::move(directory)) {}

  bool enabled() const { return !directory_.empty(); }
  const std::string &directory() const { return directory_; }

  /// The key of compiling `module` with `options` on this machine;
  /// `extra` is anything else the artifact holds (extra metadata sections).
  std::string key(ModuleOp module, const CpuTargetOptions &options,
                  StringRef extra = "") const;
  /// The cached artifact, if a valid one exists.
  std::optional<std::string> lookup(const std::string &key) const;
  /// Stores an artifact; failures (a read-only folder) are ignored: the
  /// cache is an optimization.
  void store(const std::string &key, const std::string &artifact) const;

private:
  std::string pathOf(const std::string &key) const;
  std::string directory_;
};

} // namespace mlir::tcc

#endif // TCC_JIT_COMPILATIONCACHE_H
