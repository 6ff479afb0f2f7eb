//===- Flags.h - command-line flags of the runtime's tools -------*- C++ -*-===//
//
// The runtime links no LLVM, so its tools (`run`, `bench`, training runs)
// read argv by hand; this is the one spelling of a flag with a value they
// share: `--flag=value` or `--flag value`.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_TOOLS_FLAGS_H
#define TCC_RUNTIME_TOOLS_FLAGS_H

#include <cstring>
#include <string>

namespace tcc::rt {

/// The value of `flag` if argv[i] is it: "--flag=value", or "--flag" with
/// the value in argv[i + 1] (then `i` moves past it). nullptr otherwise.
inline const char *flagValue(int argc, char **argv, int &i, const char *flag) {
  std::string arg = argv[i];
  size_t n = std::strlen(flag);
  if (arg.compare(0, n, flag) == 0 && arg.size() > n && arg[n] == '=')
    return argv[i] + n + 1;
  if (arg == flag && i + 1 < argc)
    return argv[++i];
  return nullptr;
}

} // namespace tcc::rt

#endif // TCC_RUNTIME_TOOLS_FLAGS_H
