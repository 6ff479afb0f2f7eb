//===- Trace.cpp - Chrome trace profiles ----------------------------------===//

#include "tcc/runtime/Trace.h"

#include "FileIO.h"
#include "tcc/runtime/Json.h"

#include <cstdio>

using namespace tcc::rt;

Status tcc::rt::writeChromeTrace(const std::string &path,
                                 const std::vector<TraceEvent> &events) {
  std::string text = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[";
  char number[64];
  for (size_t i = 0; i < events.size(); ++i) {
    const TraceEvent &event = events[i];
    text += i ? ",\n" : "\n";
    text += "{\"name\":";
    appendJsonString(text, event.name);
    text += ",\"cat\":";
    appendJsonString(text, event.category);
    std::snprintf(number, sizeof(number),
                  ",\"ph\":\"X\",\"pid\":1,\"tid\":1,\"ts\":%.3f,\"dur\":%.3f}",
                  event.startUs, event.durationUs);
    text += number;
  }
  text += "\n]}\n";
  return io::writeFileAtomically(path, {{text.data(), text.size()}});
}
