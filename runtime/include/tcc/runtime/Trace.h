//===- Trace.h - Chrome trace profiles --------------------------*- C++ -*-===//

#ifndef TCC_RUNTIME_TRACE_H
#define TCC_RUNTIME_TRACE_H

#include "tcc/runtime/Status.h"

#include <string>
#include <vector>

namespace tcc::rt {

/// One executed command.
struct TraceEvent {
  std::string name;
  /// What kind of command: "kernel", "matmul", "copy", "run".
  std::string category;
  /// Microseconds since the profile's origin.
  double startUs = 0, durationUs = 0;
};

/// Writes `events` as a Chrome trace (the JSON object format with complete
/// "X" events), which Perfetto and chrome://tracing open; the file is
/// replaced atomically.
Status writeChromeTrace(const std::string &path,
                        const std::vector<TraceEvent> &events);

} // namespace tcc::rt

#endif // TCC_RUNTIME_TRACE_H
