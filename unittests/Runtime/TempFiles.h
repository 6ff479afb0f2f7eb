//===- TempFiles.h - Temporary files for the runtime tests ------*- C++ -*-===//
//
// The writers replace a file through a temporary "<path>.tmp.<pid>.<n>"
// whose name the tests cannot predict; these helpers find any left behind
// and give each test a directory of its own.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_UNITTESTS_RUNTIME_TEMPFILES_H
#define TCC_UNITTESTS_RUNTIME_TEMPFILES_H

#include <cstdlib>
#include <dirent.h>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace tcc::rt::testutil {

/// The names in the directory of `path` that start with its last component
/// and ".tmp.<pid>.": this process's temporaries for `path`. For "/tmp/" (a
/// directory written to as a file) that is "/tmp/.tmp.<pid>.*".
inline std::vector<std::string> leftoverTemporaries(const std::string &path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string prefix =
      (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp." +
      std::to_string(::getpid()) + ".";
  std::vector<std::string> found;
  if (DIR *stream = ::opendir(dir.empty() ? "/" : dir.c_str())) {
    while (const struct dirent *entry = ::readdir(stream))
      if (std::string(entry->d_name).rfind(prefix, 0) == 0)
        found.push_back(entry->d_name);
    ::closedir(stream);
  }
  return found;
}

/// A new empty directory under ::testing::TempDir(), removed with the files
/// in it (not recursively) when destroyed.
class TempDir {
public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "tcc_runtime_test_XXXXXX";
    if (::mkdtemp(pattern.data()))
      path_ = pattern;
  }
  ~TempDir() {
    if (path_.empty())
      return;
    if (DIR *stream = ::opendir(path_.c_str())) {
      while (const struct dirent *entry = ::readdir(stream)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..")
          ::unlink((path_ + "/" + name).c_str());
      }
      ::closedir(stream);
    }
    ::rmdir(path_.c_str());
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  /// Empty when the directory could not be created.
  const std::string &path() const { return path_; }
  /// `name` inside the directory.
  std::string operator/(const std::string &name) const {
    return path_ + "/" + name;
  }

private:
  std::string path_;
};

} // namespace tcc::rt::testutil

#endif // TCC_UNITTESTS_RUNTIME_TEMPFILES_H
