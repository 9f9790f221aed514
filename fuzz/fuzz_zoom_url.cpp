// libFuzzer target: the Zoom join URLs staff paste into `link create`.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/util/error.hpp"
#include "core/rules/zoom_url.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto url = zt::parse_zoom_join_url(text);
    require(!url.meeting_id.empty());
    for (char c : url.meeting_id) require(c >= '0' && c <= '9');
    require(url.url.rfind("https://", 0) == 0);
    // What we accept, we accept again, and the URLs we build on it stay acceptable.
    require(zt::parse_zoom_join_url(url.url).meeting_id == url.meeting_id);
    auto with_leave = zt::with_query_param(url.url, "leave_url", text);
    require(zt::parse_zoom_join_url(with_leave).meeting_id == url.meeting_id);
  } catch (const zt::Error&) {
  }
  auto encoded = zt::url_encode(text);
  for (char c : encoded) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
    require(unreserved);
  }
  return 0;
}
