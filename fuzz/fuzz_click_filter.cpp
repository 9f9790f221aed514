// libFuzzer target: the User-Agent classifier that decides whether a click starts a lesson.
// The first byte picks HEAD and ?open=1; the rest is the User-Agent.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/rules/click_filter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool is_head = data[0] & 1;
  bool explicit_open = data[0] & 2;
  std::string_view agent(reinterpret_cast<const char*>(data + 1), size - 1);
  auto kind = zt::classify_click(is_head, agent, explicit_open);
  // A HEAD never starts a lesson; the preview page's own link always does.
  if (is_head && kind != zt::ClickKind::preview) std::abort();
  if (!is_head && explicit_open && kind != zt::ClickKind::real) std::abort();
  return 0;
}
