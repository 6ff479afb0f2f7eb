//===- Status.h - Error returns for the tcc runtime -------------*- C++ -*-===//
//
// The runtime builds with -fno-exceptions and must never abort on bad input
// (a hostile .npy file, a full disk), so every fallible call returns a Status
// or a StatusOr<T> carrying a message the user can act on.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_STATUS_H
#define TCC_RUNTIME_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace tcc::rt {

/// The outcome of an operation: ok, or an error with a message.
///
/// Messages are complete sentences-without-period that start with the thing
/// that failed (usually a path), e.g. "w.npy: truncated: ...". Callers that
/// know more context prepend it with withContext().
class [[nodiscard]] Status {
public:
  /// Default-constructed Status is ok, so `Status s;` is a valid accumulator.
  Status() = default;

  static Status ok() { return Status(); }
  static Status error(std::string message) {
    // An empty message would make an error indistinguishable from ok.
    if (message.empty())
      message = "unknown error";
    return Status(std::move(message));
  }

  bool isOk() const { return message_.empty(); }
  explicit operator bool() const { return isOk(); }

  /// The error message; empty when ok.
  const std::string &message() const { return message_; }

  /// Returns this error with "prefix: " in front of its message; ok stays ok.
  Status withContext(const std::string &prefix) const {
    if (isOk())
      return *this;
    return Status(prefix + ": " + message_);
  }

private:
  explicit Status(std::string message) : message_(std::move(message)) {}

  std::string message_;
};

/// Either a value of type T or an error Status.
///
/// Accessing value() of an error is a programming bug (asserted in debug
/// builds); check isOk() first.
template <typename T> class [[nodiscard]] StatusOr {
public:
  /// Implicit so that `return value;` works in functions returning StatusOr.
  StatusOr(T value) : value_(std::move(value)) {}
  /// Implicit so that `return Status::error(...);` works; the status must be
  /// an error, because an ok StatusOr needs a value.
  StatusOr(Status status) : status_(std::move(status)) {
    assert(!status_.isOk() && "StatusOr constructed from an ok Status");
    if (status_.isOk())
      status_ = Status::error("StatusOr constructed from an ok Status");
  }

  bool isOk() const { return value_.has_value(); }
  explicit operator bool() const { return isOk(); }
  const Status &status() const { return status_; }

  T &value() & {
    assert(isOk() && "value() of an error StatusOr");
    return *value_;
  }
  const T &value() const & {
    assert(isOk() && "value() of an error StatusOr");
    return *value_;
  }
  T &&value() && {
    assert(isOk() && "value() of an error StatusOr");
    return std::move(*value_);
  }

  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }
  T &&operator*() && { return std::move(*this).value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }

private:
  std::optional<T> value_;
  Status status_;
};

} // namespace tcc::rt

#endif // TCC_RUNTIME_STATUS_H
