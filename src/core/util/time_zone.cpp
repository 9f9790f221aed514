#include "core/util/time_zone.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include "core/util/error.hpp"

namespace zt {
namespace {

const date::time_zone* find_zone(const std::string& tz) {
  try {
    return date::locate_zone(tz);
  } catch (const std::exception&) {
    throw Error(ErrorCode::invalid_argument, fmt::format("unknown time zone '{}'", tz),
                "use an IANA name such as UTC, Africa/Addis_Ababa or America/New_York");
  }
}

}  // namespace

void check_time_zone(const std::string& tz) { find_zone(tz); }

TimePoint start_of_local_day(const std::string& ymd, const std::string& tz) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(ymd.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) {
    throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a date", ymd));
  }
  date::local_days day{date::year{y} / date::month{m} / date::day{d}};
  // A day that starts inside a DST gap starts at the first instant that exists.
  auto zoned = date::make_zoned(find_zone(tz), day, date::choose::earliest);
  return std::chrono::time_point_cast<Seconds>(zoned.get_sys_time());
}

LocalTime to_local(TimePoint t, const std::string& tz) {
  // The zone is looked up once per name (reports ask for the same one a million times).
  thread_local std::string cached_name;
  thread_local const date::time_zone* cached_zone = nullptr;
  if (!cached_zone || cached_name != tz) {
    cached_zone = find_zone(tz);
    cached_name = tz;
  }
  auto info = cached_zone->get_info(t);
  auto local = t + info.offset;
  auto day = date::floor<date::days>(local);
  auto offset = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
  char suffix[] = "+00:00";
  if (offset < 0) suffix[0] = '-';
  offset = std::abs(offset);
  suffix[1] = static_cast<char>('0' + offset / 600);
  suffix[2] = static_cast<char>('0' + offset / 60 % 10);
  suffix[4] = static_cast<char>('0' + offset % 60 / 10);
  suffix[5] = static_cast<char>('0' + offset % 10);
  auto iso = format_calendar(std::chrono::sys_days{day.time_since_epoch()}, local - day, suffix);
  return {iso.substr(0, 10), std::move(iso)};
}

}  // namespace zt
