// libFuzzer target: the classifier that decides whether a click starts a lesson.
// The first byte picks HEAD, ?open=1 and a secure origin; the rest is the User-Agent, then, after each of up to
// three newlines, Sec-Fetch-Mode, Sec-Fetch-Dest and the purpose header.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/rules/click_filter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  bool is_head = data[0] & 1;
  bool explicit_open = data[0] & 2;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  auto next = [&] {
    auto end = rest.find('\n');
    auto field = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    return field;
  };
  std::string_view agent = next();
  zt::RequestSignals signals{std::string(next()), std::string(next()), std::string(next()), (data[0] & 4) != 0};
  auto kind = zt::classify_click(is_head, agent, explicit_open, signals);
  // A HEAD never starts a lesson; the preview page's own link always does.
  if (is_head && kind != zt::ClickKind::preview) std::abort();
  if (!is_head && explicit_open && kind != zt::ClickKind::real) std::abort();
  // Headers only ever take a click away: what the User-Agent alone calls a preview stays one.
  if (zt::classify_click(is_head, agent, explicit_open) == zt::ClickKind::preview && kind != zt::ClickKind::preview) {
    std::abort();
  }
  return 0;
}
