//===- Flags.h - command-line flags of the runtime's tools -------*- C++ -*-===//
//
// The runtime links no LLVM, so its tools (`run`, `bench`, training runs)
// read argv by hand; this is the one spelling of a flag with a value they
// share: `--flag=value` or `--flag value`.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_TOOLS_FLAGS_H
#define TCC_RUNTIME_TOOLS_FLAGS_H

#include <cstdint>
#include <cstdlib>
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

/// A fault to inject for tests: rank `rank` leaves out collective `call`.
struct SkippedCollective {
  int64_t rank = -1, call = -1;

  /// Parses "RANK:CALL"; false when malformed.
  bool parse(const char *text) {
    char *end = nullptr;
    long long r = std::strtoll(text, &end, 10);
    if (end == text || *end != ':' || r < 0)
      return false;
    const char *rest = end + 1;
    long long c = std::strtoll(rest, &end, 10);
    if (end == rest || *end || c < 0)
      return false;
    rank = r;
    call = c;
    return true;
  }
  /// The call this rank skips, or -1.
  int64_t forRank(int64_t me) const { return me == rank ? call : -1; }
};

} // namespace tcc::rt

#endif // TCC_RUNTIME_TOOLS_FLAGS_H
