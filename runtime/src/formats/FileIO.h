//===- FileIO.h - File access shared by the format readers ------*- C++ -*-===//
//
// Internal to TCCRuntimeFormats: the POSIX calls behind readNpy,
// readSafetensors, readArtifact and their writers, so that every format gets
// the same EINTR handling, error wording and atomic replacement.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_FORMATS_FILEIO_H
#define TCC_RUNTIME_FORMATS_FILEIO_H

#include "tcc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tcc::rt::io {

/// "<what>: <strerror(errno)>". `what` is a literal so that nothing can
/// touch errno between the failed call and here; callers add the path with
/// withContext().
Status osError(const char *what);

/// Quotes untrusted bytes for an error message: double quotes, bytes other
/// than printable ASCII (and '"', '\\') as \xNN, cut after `maxLength`.
std::string quoteSnippet(std::string_view text, size_t maxLength = 40);

/// A regular file opened for reading; closed when destroyed.
class InputFile {
public:
  InputFile() = default;
  InputFile(InputFile &&other) noexcept;
  InputFile &operator=(InputFile &&other) noexcept;
  InputFile(const InputFile &) = delete;
  InputFile &operator=(const InputFile &) = delete;
  ~InputFile();

  /// Errors ("cannot open: ...", "not a regular file") start with `path`.
  /// Never blocks on a FIFO or device: those are rejected as not regular.
  static StatusOr<InputFile> open(const std::string &path);

  /// The size when the file was opened.
  uint64_t size() const { return size_; }

  /// Reads exactly `size` bytes at `offset`; errors carry no path.
  Status readAt(uint64_t offset, void *buffer, size_t size) const;

private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

/// One piece of a file to write.
struct WriteChunk {
  const void *data;
  size_t size;
};

/// Writes the chunks, in order, to a new temporary file
/// `path + ".tmp.<pid>.<n>"` (created with O_EXCL, so never through an
/// existing file or symlink, and unique per call, so concurrent writers of
/// one path do not collide) and renames it into place, so that a failure
/// (cannot open, disk full) never leaves a torn file at `path` and a reader
/// sees either the old file or a complete new one. Errors start with `path`
/// and give the OS reason.
Status writeFileAtomically(const std::string &path,
                           const std::vector<WriteChunk> &chunks);

} // namespace tcc::rt::io

#endif // TCC_RUNTIME_FORMATS_FILEIO_H
