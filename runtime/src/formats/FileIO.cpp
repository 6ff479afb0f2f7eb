//===- FileIO.cpp - File access shared by the format readers --------------===//

#include "FileIO.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace tcc::rt;
using namespace tcc::rt::io;

Status io::osError(const char *what) {
  int error = errno;
  return Status::error(std::string(what) + ": " + std::strerror(error));
}

std::string io::quoteSnippet(std::string_view text, size_t maxLength) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < maxLength; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    }
  }
  return out + (text.size() > maxLength ? "...\"" : "\"");
}

InputFile::InputFile(InputFile &&other) noexcept
    : fd_(other.fd_), size_(other.size_) {
  other.fd_ = -1;
}

InputFile &InputFile::operator=(InputFile &&other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.fd_;
    size_ = other.size_;
    other.fd_ = -1;
  }
  return *this;
}

InputFile::~InputFile() {
  if (fd_ >= 0)
    ::close(fd_);
}

StatusOr<InputFile> InputFile::open(const std::string &path) {
  InputFile file;
  // O_NONBLOCK so that opening a FIFO with no writer (or a device that
  // waits for a carrier) returns at once and the S_ISREG check rejects it;
  // a plain open would block there forever.
  file.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (file.fd_ < 0)
    return osError("cannot open").withContext(path);
  struct stat info;
  if (::fstat(file.fd_, &info) != 0)
    return osError("cannot stat").withContext(path);
  if (!S_ISREG(info.st_mode))
    return Status::error(path + ": not a regular file");
  // Regular files ignore O_NONBLOCK, but clear it so that reads keep their
  // ordinary blocking semantics on every file system.
  int flags = ::fcntl(file.fd_, F_GETFL);
  if (flags < 0 || ::fcntl(file.fd_, F_SETFL, flags & ~O_NONBLOCK) != 0)
    return osError("cannot clear O_NONBLOCK").withContext(path);
  file.size_ = static_cast<uint64_t>(info.st_size);
  return file;
}

Status InputFile::readAt(uint64_t offset, void *buffer, size_t size) const {
  auto *out = static_cast<uint8_t *>(buffer);
  while (size > 0) {
    ssize_t n = ::pread(fd_, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return osError("read failed");
    if (n == 0)
      return Status::error("unexpected end of file (did it change while "
                           "being read?)");
    out += n;
    offset += uint64_t(n);
    size -= size_t(n);
  }
  return Status::ok();
}

namespace {

Status writeAll(int fd, const void *buffer, size_t size) {
  const auto *in = static_cast<const uint8_t *>(buffer);
  while (size > 0) {
    ssize_t n = ::write(fd, in, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return osError("write failed");
    in += n;
    size -= size_t(n);
  }
  return Status::ok();
}

} // namespace

Status io::writeFileAtomically(const std::string &path,
                               const std::vector<WriteChunk> &chunks) {
  // No fsync: the rename guards against our own failures (crash, full disk),
  // which is the torn-file case users hit; power loss is out of scope.
  //
  // The temporary name is unique within the process (pid and a counter), so
  // threads writing the same path never share a temporary file; O_EXCL
  // (with O_NOFOLLOW for clarity) refuses a file or symlink that is already
  // there, stale or planted, instead of writing through it. Mode 0666 less
  // the umask, as for any new file (mkstemp's 0600 would survive the
  // rename).
  static std::atomic<uint64_t> counter{0};
  constexpr int kAttempts = 100;
  std::string tempPath;
  int fd = -1;
  for (int attempt = 0; attempt < kAttempts && fd < 0; ++attempt) {
    tempPath = path + ".tmp." + std::to_string(::getpid()) + "." +
               std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
    fd = ::open(tempPath.c_str(),
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0) {
    int error = errno;
    return Status::error(path + ": cannot create temporary file '" + tempPath +
                         "': " + std::strerror(error));
  }
  Status status;
  for (const WriteChunk &chunk : chunks)
    if (status)
      status = writeAll(fd, chunk.data, chunk.size);
  // Some file systems (NFS) report a full disk only at close.
  if (::close(fd) != 0 && status)
    status = osError("close failed");
  if (status && ::rename(tempPath.c_str(), path.c_str()) != 0)
    status = osError("cannot rename the temporary file into place");
  if (!status) {
    ::unlink(tempPath.c_str());
    return status.withContext(path);
  }
  return Status::ok();
}
