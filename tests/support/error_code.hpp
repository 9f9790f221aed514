#pragma once
// Which zt::Error a call throws; a test fails when it throws none.
#include <catch2/catch.hpp>

#include <functional>

#include "core/util/error.hpp"

namespace zt::test {

inline ErrorCode code_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("no zt::Error thrown");
  return ErrorCode::runtime;
}

}  // namespace zt::test
