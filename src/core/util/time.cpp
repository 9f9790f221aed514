#include "core/util/time.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

#include "core/util/error.hpp"
#include "core/util/time_zone.hpp"

namespace zt {
namespace {

using namespace std::chrono;

// Reads exactly `width` digits at `pos`, advancing it.
std::optional<int> read_digits(std::string_view s, size_t& pos, size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

struct CivilTime {
  year_month_day date;
  seconds time_of_day{0};
};

std::optional<year_month_day> parse_date(std::string_view s, size_t& pos) {
  auto y = read_digits(s, pos, 4);
  if (!y || !expect(s, pos, '-')) return std::nullopt;
  auto m = read_digits(s, pos, 2);
  if (!m || !expect(s, pos, '-')) return std::nullopt;
  auto d = read_digits(s, pos, 2);
  if (!d) return std::nullopt;
  year_month_day ymd{year{*y}, month{static_cast<unsigned>(*m)}, day{static_cast<unsigned>(*d)}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

// "HH:MM:SS" with optional fractional seconds, which are dropped.
std::optional<seconds> parse_clock(std::string_view s, size_t& pos) {
  auto h = read_digits(s, pos, 2);
  if (!h || !expect(s, pos, ':')) return std::nullopt;
  auto m = read_digits(s, pos, 2);
  if (!m || !expect(s, pos, ':')) return std::nullopt;
  auto sec = read_digits(s, pos, 2);
  if (!sec || *h > 23 || *m > 59 || *sec > 59) return std::nullopt;
  if (expect(s, pos, '.')) {
    size_t digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos, ++digits;
    if (digits == 0) return std::nullopt;
  }
  return hours{*h} + minutes{*m} + seconds{*sec};
}

// "Z", "+03:00", "-0500" -> offset east of UTC.
std::optional<seconds> parse_offset(std::string_view s, size_t& pos) {
  if (expect(s, pos, 'Z') || expect(s, pos, 'z')) return seconds{0};
  int sign = 0;
  if (expect(s, pos, '+')) sign = 1;
  else if (expect(s, pos, '-')) sign = -1;
  else return std::nullopt;
  auto h = read_digits(s, pos, 2);
  if (!h) return std::nullopt;
  expect(s, pos, ':');
  auto m = read_digits(s, pos, 2);
  if (!m || *h > 23 || *m > 59) return std::nullopt;
  return sign * (hours{*h} + minutes{*m});
}

std::optional<TimePoint> parse_iso_instant(std::string_view s) {
  size_t pos = 0;
  auto date = parse_date(s, pos);
  if (!date || !(expect(s, pos, 'T') || expect(s, pos, 't') || expect(s, pos, ' '))) {
    return std::nullopt;
  }
  auto clock = parse_clock(s, pos);
  if (!clock) return std::nullopt;
  auto offset = parse_offset(s, pos);
  if (!offset || pos != s.size()) return std::nullopt;
  return TimePoint{sys_days{*date}} + *clock - *offset;
}

}  // namespace

namespace {
void put_digits(char* at, int width, long value) {
  for (int i = width - 1; i >= 0; --i, value /= 10) at[i] = static_cast<char>('0' + value % 10);
}
}  // namespace

std::string format_calendar(std::chrono::sys_days day, Seconds time_of_day, const char* suffix) {
  // Written digit by digit: reports format millions of these, and fmt's parsing of a format
  // string per call was a third of a report's time.
  year_month_day ymd{day};
  hh_mm_ss hms{time_of_day};
  int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}", year, static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                       hms.seconds().count(), suffix);
  }
  std::string text = "0000-00-00T00:00:00";
  put_digits(&text[0], 4, year);
  put_digits(&text[5], 2, static_cast<unsigned>(ymd.month()));
  put_digits(&text[8], 2, static_cast<unsigned>(ymd.day()));
  put_digits(&text[11], 2, hms.hours().count());
  put_digits(&text[14], 2, hms.minutes().count());
  put_digits(&text[17], 2, hms.seconds().count());
  return text + suffix;
}

std::string format_utc(TimePoint t) {
  auto day_point = floor<days>(t);
  return format_calendar(day_point, t - day_point, "Z");
}

std::string format_utc(const std::optional<TimePoint>& t) { return t ? format_utc(*t) : ""; }

std::optional<TimePoint> parse_utc(std::string_view text) {
  if (text.empty() || (text.back() != 'Z' && text.back() != 'z')) return std::nullopt;
  return parse_iso_instant(text);
}

TimePoint parse_time_arg(std::string_view text, const std::string& tz) {
  if (text.size() == 10) {
    size_t pos = 0;
    if (parse_date(text, pos) && pos == text.size()) {
      return start_of_local_day(std::string(text), tz);
    }
  }
  if (auto t = parse_iso_instant(text)) return *t;
  throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a time", text),
              "use ISO 8601: 2026-11-25T09:00:00Z, 2026-11-25T12:00:00+03:00 or 2026-11-25");
}

namespace {

std::string format_date(sys_days day) { return format_calendar(day, Seconds{0}, "").substr(0, 10); }

}  // namespace

TimePoint parse_period_end_arg(std::string_view text, const std::string& tz) {
  if (text.size() == 10) {
    size_t pos = 0;
    if (auto date = parse_date(text, pos); date && pos == text.size()) {
      return start_of_local_day(format_date(sys_days{*date} + days{1}), tz);
    }
  }
  return parse_time_arg(text, tz);
}

Period parse_month_arg(std::string_view text, const std::string& tz) {
  size_t pos = 0;
  auto y = read_digits(text, pos, 4);
  bool dash = expect(text, pos, '-');
  auto m = read_digits(text, pos, 2);
  if (!y || !dash || !m || pos != text.size() || *m < 1 || *m > 12) {
    throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a month", text),
                "use YYYY-MM, for example 2026-11");
  }
  year_month first{year{*y}, month{static_cast<unsigned>(*m)}};
  auto next = first + months{1};
  return {start_of_local_day(format_date(sys_days{first / 1}), tz),
          start_of_local_day(format_date(sys_days{next / 1}), tz)};
}

Seconds parse_duration(std::string_view text) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  size_t used = static_cast<size_t>(end - text.data());
  if (ec == std::errc{} && value >= 0 && used + 1 == text.size() && value < 100'000'000) {
    switch (text.back()) {
      case 's': return Seconds{value};
      case 'm': return minutes{value};
      case 'h': return hours{value};
      case 'd': return days{value};
      default: break;
    }
  }
  throw Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a duration", text),
              "use a whole number with a unit: 90s, 10m, 4h or 2d");
}

std::string format_duration(Seconds d) {
  auto n = d.count();
  if (n != 0 && n % 86400 == 0) return fmt::format("{}d", n / 86400);
  if (n != 0 && n % 3600 == 0) return fmt::format("{}h", n / 3600);
  if (n != 0 && n % 60 == 0) return fmt::format("{}m", n / 60);
  return fmt::format("{}s", n);
}

TimePoint SystemClock::now() const { return floor<seconds>(system_clock::now()); }

}  // namespace zt
