// libFuzzer target: every way zoomtrack reads a time or a duration, and their round trips.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/util/error.hpp"
#include "core/util/time.hpp"
#include "core/util/time_zone.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto t = zt::parse_utc(text)) {
    require(zt::parse_utc(zt::format_utc(*t)) == t);  // what we store reads back the same
  }
  // Two zones cover the date branch (the zone name itself comes from config, not from here).
  for (const char* tz : {"UTC", "Africa/Addis_Ababa"}) {
    try {
      auto t = zt::parse_time_arg(text, tz);
      require(zt::parse_time_arg(zt::format_utc(t), "UTC") == t);
      zt::to_local(t, tz);
    } catch (const zt::Error&) {
    }
  }
  try {
    auto d = zt::parse_duration(text);
    require(d.count() >= 0);
    require(zt::parse_duration(zt::format_duration(d)) == d);
  } catch (const zt::Error&) {
  }
  return 0;
}
