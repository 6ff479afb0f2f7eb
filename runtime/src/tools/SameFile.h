//===- SameFile.h - whether two paths name one file --------------*- C++ -*-===//
//
// The runtime's tools never write over a file the user gave them as input:
// before writing, each output path is compared with the inputs' paths.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_TOOLS_SAMEFILE_H
#define TCC_RUNTIME_TOOLS_SAMEFILE_H

#include <string>
#include <sys/stat.h>

namespace tcc::rt {

/// Whether `a` and `b` name the same existing file (through links and
/// different spellings), or are the same string.
inline bool sameFile(const std::string &a, const std::string &b) {
  if (a == b)
    return true;
  struct stat sa, sb;
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

} // namespace tcc::rt

#endif // TCC_RUNTIME_TOOLS_SAMEFILE_H
