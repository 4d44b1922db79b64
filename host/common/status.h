// Status: the result of an operation that may fail in an expected way (bad input, missing
// file, network). Modelled on leveldb::Status: cheap when OK, carries a code and a message.
// Exceptions are for bugs; expected failures inside the host are Status / Expected values.
#ifndef ASSETFLOW_HOST_COMMON_STATUS_H_
#define ASSETFLOW_HOST_COMMON_STATUS_H_

#include <string>
#include <utility>
#include <variant>

namespace af {

class Status {
 public:
  enum class Code { kOk, kInvalidArgument, kNotFound, kIoError, kFailed, kCanceled, kBusy };

  Status() = default;
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) { return Status(Code::kInvalidArgument, std::move(m)); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status IoError(std::string m) { return Status(Code::kIoError, std::move(m)); }
  static Status Failed(std::string m) { return Status(Code::kFailed, std::move(m)); }
  static Status Canceled(std::string m) { return Status(Code::kCanceled, std::move(m)); }
  static Status Busy(std::string m) { return Status(Code::kBusy, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or a non-OK Status.
template <class T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Expected(Status error) : v_(std::move(error)) {}      // NOLINT: must not be OK
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace af

#endif
