//===- CompilationCache.cpp - compiled artifacts kept across processes ----===//

#include "tcc/JIT/CompilationCache.h"

#include "tcc/runtime/Artifact.h"

#include "mlir/IR/OperationSupport.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>
#include <dlfcn.h>

using namespace mlir;
using namespace mlir::tcc;

CompilationCache CompilationCache::fromEnvironment() {
  if (const char *off = std::getenv("TCC_CACHE"); off && std::string(off) == "0")
    return CompilationCache("");
  if (const char *dir = std::getenv("TCC_CACHE_DIR"); dir && *dir)
    return CompilationCache(dir);
  llvm::SmallString<256> path;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    path = xdg;
  } else if (const char *home = std::getenv("HOME"); home && *home) {
    path = home;
    llvm::sys::path::append(path, ".cache");
  } else {
    return CompilationCache("");
  }
  llvm::sys::path::append(path, "tcc");
  return CompilationCache(std::string(path));
}

namespace {

/// The compiler's identity: its version and the size and modification time
/// of the binary holding this code: the executable (tcc), or the shared
/// object a host process loaded it from (the Python module inside
/// python3, whose /proc/self/exe stays the same when tcc is rebuilt).
std::string compilerIdentity() {
  std::string identity = compilerVersion();
  std::string binary = "/proc/self/exe";
  Dl_info info;
  if (dladdr(reinterpret_cast<void *>(&compilerIdentity), &info) &&
      info.dli_fname && *info.dli_fname)
    binary = info.dli_fname;
  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(binary, status))
    identity += " " + std::to_string(status.getSize()) + " " +
                std::to_string(llvm::sys::toTimeT(status.getLastModificationTime()));
  return identity;
}

} // namespace

std::string CompilationCache::key(ModuleOp module,
                                  const CpuTargetOptions &options,
                                  StringRef extra) const {
  llvm::SHA256 hash;
  auto field = [&](StringRef name, StringRef value) {
    hash.update(name);
    hash.update(std::to_string(value.size()));
    hash.update(":");
    hash.update(value);
  };
  field("compiler", compilerIdentity());
  std::string text;
  {
    llvm::raw_string_ostream os(text);
    module->print(os, OpPrintingFlags().enableDebugInfo().printGenericOpForm());
  }
  field("module", text);
  field("entry", options.entry);
  std::string cpu = options.cpu, features = options.features;
  if (cpu == "host") {
    cpu = llvm::sys::getHostCPUName().str();
    if (features.empty())
      for (const auto &feature : llvm::sys::getHostCPUFeatures())
        features += (feature.second ? "+" : "-") + feature.first().str() + ",";
  }
  field("cpu", cpu);
  field("features", features);
  field("opt", std::to_string(options.optLevel));
  field("tile", std::to_string(options.tileElements));
  field("blas", options.useBlas ? "1" : "0");
  field("epilogues", !options.matmulEpilogues        ? "default"
                     : *options.matmulEpilogues ? "1"
                                                : "0");
  field("fuse", options.fuse ? "1" : "0");
  field("extra", extra);
  std::array<uint8_t, 32> digest = hash.final();
  return llvm::toHex(digest, /*LowerCase=*/true);
}

std::string CompilationCache::pathOf(const std::string &key) const {
  llvm::SmallString<256> path(directory_);
  llvm::sys::path::append(path, key + ".tccm");
  return std::string(path);
}

std::optional<std::string> CompilationCache::lookup(const std::string &key) const {
  auto buffer = llvm::MemoryBuffer::getFile(pathOf(key), /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return std::nullopt;
  StringRef bytes = (*buffer)->getBuffer();
  auto artifact = ::tcc::rt::parseArtifact(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(),
      pathOf(key));
  if (!artifact.isOk())
    return std::nullopt;
  return bytes.str();
}

void CompilationCache::store(const std::string &key,
                             const std::string &artifact) const {
  if (llvm::sys::fs::create_directories(directory_))
    return;
  // A unique temporary file renamed into place: concurrent compilers of the
  // same key each write a whole file and the last rename wins.
  llvm::SmallString<256> temporary;
  int fd = -1;
  llvm::SmallString<256> model(directory_);
  llvm::sys::path::append(model, key + ".%%%%%%.tmp");
  if (llvm::sys::fs::createUniqueFile(model, fd, temporary))
    return;
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << artifact;
    os.flush();
    if (os.has_error()) {
      os.clear_error();
      llvm::sys::fs::remove(temporary);
      return;
    }
  }
  if (llvm::sys::fs::rename(temporary, pathOf(key)))
    llvm::sys::fs::remove(temporary);
}
