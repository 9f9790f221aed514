#pragma once
// The one error type core throws. Each edge maps ErrorCode once: the CLI to an exit code,
// the HTTP server to a status.
#include <stdexcept>
#include <string>

namespace zt {

enum class ErrorCode {
  invalid_argument,  // the caller's input is wrong
  not_found,         // no such lesson, token or event
  conflict,          // valid input, but the lesson's state forbids it
  gone,              // the lesson exists but is expired or void
  unauthorized,      // a webhook signature or timestamp did not verify
  too_large,         // a body over the limit
  busy,              // the database stayed locked past the busy timeout
  storage,           // the database cannot take a write now: read-only, disk full, I/O error
  unavailable,       // a remote service (Zoom) failed
  runtime,           // anything else: I/O, a corrupt or newer database
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& what, std::string hint = {})
      : std::runtime_error(what), code_(code), hint_(std::move(hint)) {}
  ErrorCode code() const { return code_; }
  // What the user can do about it; may be empty.
  const std::string& hint() const { return hint_; }

 private:
  ErrorCode code_;
  std::string hint_;
};

}  // namespace zt
