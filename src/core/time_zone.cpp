#include "core/time_zone.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include "core/error.hpp"

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
  auto zoned = date::make_zoned(find_zone(tz), t);
  auto info = zoned.get_info();
  auto local = zoned.get_local_time();
  auto day = date::floor<date::days>(local);
  date::year_month_day ymd{day};
  date::hh_mm_ss hms{local - day};
  auto offset = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
  char sign = offset < 0 ? '-' : '+';
  offset = std::abs(offset);
  auto date_text = fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                               static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return {date_text, fmt::format("{}T{:02}:{:02}:{:02}{}{:02}:{:02}", date_text, hms.hours().count(),
                                 hms.minutes().count(), hms.seconds().count(), sign, offset / 60,
                                 offset % 60)};
}

}  // namespace zt
