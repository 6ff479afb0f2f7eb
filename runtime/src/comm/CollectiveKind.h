//===- CollectiveKind.h - what the communicators' messages name --*- C++ -*-===//
//
// The collectives and rank lists every communicator names in its errors,
// spelled one way for all of them.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_COMM_COLLECTIVEKIND_H
#define TCC_RUNTIME_COMM_COLLECTIVEKIND_H

#include <cstdint>
#include <string>
#include <vector>

namespace tcc::rt::comm {

enum class Kind : uint32_t { AllReduce, AllGather, ReduceScatter, Broadcast };

/// "allReduce", "allGather", "reduceScatter", "broadcast".
inline const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::AllReduce:
    return "allReduce";
  case Kind::AllGather:
    return "allGather";
  case Kind::ReduceScatter:
    return "reduceScatter";
  case Kind::Broadcast:
    return "broadcast";
  }
  return "collective";
}

/// "rank 3" or "ranks 1, 3".
inline std::string rankList(const std::vector<int> &ranks) {
  std::string s = ranks.size() == 1 ? "rank " : "ranks ";
  for (size_t i = 0; i < ranks.size(); ++i)
    s += (i ? ", " : "") + std::to_string(ranks[i]);
  return s;
}

} // namespace tcc::rt::comm

#endif // TCC_RUNTIME_COMM_COLLECTIVEKIND_H
